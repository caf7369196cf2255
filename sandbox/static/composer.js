// The message box: Enter sends (`/deal …` is a slash command), audio upload, and the record
// button (microphone → MediaRecorder → upload as a voice memo).

import { state, tr } from "./state.js";
import { $, avatar, el, toast } from "./dom.js";
import { call } from "./api.js";

export async function sendComposer() {
  const box = $("composer");
  const text = box.value.trim();
  if (!text) return;
  box.value = "";
  autosize();
  updateSlashHint();
  state.stickToBottom = true;
  const done = await call("/sandbox/api/command", { user: state.user, channel: state.channel, text });
  if (!done) box.value = text;
}

export async function upload(file) {
  const box = $("composer");
  const text = box.value.trim();
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("user", state.user);
  form.append("channel", state.channel);
  form.append("text", text);
  box.value = "";
  autosize();
  showStatus(tr("uploading", { name: file.name }));
  state.stickToBottom = true;
  const done = await call("/sandbox/api/upload", form);
  showStatus("");
  if (!done) box.value = text; // a refused upload keeps the words typed for it
}

function showStatus(text) {
  $("composer-hint").textContent = text || tr("composerHint");
  $("composer-hint").classList.toggle("status", !!text);
}

function recorderType() {
  const types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/ogg", "audio/mp4"];
  return types.find((type) => window.MediaRecorder?.isTypeSupported?.(type)) || "";
}

export async function toggleRecording() {
  const button = $("record");
  if (state.recorder) {
    state.recorder.stop();
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (error) {
    toast(tr("micError", { error: error.message || error.name }));
    return;
  }
  const mimeType = recorderType();
  const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
  const chunks = [];
  const started = Date.now();
  recorder.addEventListener("dataavailable", (event) => event.data.size && chunks.push(event.data));
  recorder.addEventListener("stop", () => {
    clearInterval(state.recordTimer);
    stream.getTracks().forEach((track) => track.stop());
    state.recorder = null;
    button.classList.remove("recording");
    $("record-text").textContent = tr("record");
    const type = (recorder.mimeType || mimeType || "audio/webm").split(";")[0];
    const blob = new Blob(chunks, { type });
    const extension = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-");
    upload(new File([blob], `voice-memo-${stamp}.${extension}`, { type }));
  });
  state.recorder = recorder;
  recorder.start(250);
  button.classList.add("recording");
  const tick = () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    $("record-text").textContent =
      `${tr("stop")} ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  };
  tick();
  state.recordTimer = setInterval(tick, 500);
}

export function autosize() {
  const box = $("composer");
  box.style.height = "auto";
  box.style.height = `${Math.min(box.scrollHeight, 200)}px`;
}

export function updateSlashHint() {
  const box = $("composer");
  let hint = $("slash-hint");
  const show = box.value.startsWith("/") && !box.value.includes(" ") && "/deal".startsWith(box.value);
  if (!show) {
    hint?.remove();
    return;
  }
  if (!hint) {
    hint = el(
      "div",
      { class: "slash-hint", id: "slash-hint" },
      el(
        "div",
        {
          class: "slash-row",
          onmousedown: (event) => {
            event.preventDefault();
            box.value = "/deal ";
            updateSlashHint();
            box.focus();
          },
        },
        avatar(state.info.bot.user_id, "avatar-xs"),
        el("b", { text: "/deal" }),
        el("span", { class: "slash-usage", text: tr("slashHint").replace("/deal ", "") }),
        el("span", { class: "slash-desc", text: tr("slashDesc") }),
      ),
    );
    $("composer-form").prepend(hint);
  }
}
