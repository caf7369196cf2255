// dealbot sandbox page: a small Slack-like client for the local Slack stand-in.
// It renders what /sandbox/api/snapshot says a person sees (messages, modals, App Home), keeps a
// long poll open for changes, and wires the sidebar, switches and the time control.

import { channelById, state, tr, userById, visibleChannels } from "./state.js";
import { $, avatar, el, toast } from "./dom.js";
import { api, call, explain } from "./api.js";
import { closeMenus, renderBlocks } from "./blockkit.js";
import { renderMessages } from "./messages.js";
import { closeModal, renderModals } from "./modals.js";
import { autosize, sendComposer, toggleRecording, updateSlashHint, upload } from "./composer.js";

function renderSidebar() {
  const { public: publicChannels, dm } = visibleChannels();
  const item = (channel, label, icon) => {
    const count = state.snapshot?.channels?.[channel.id]?.length || 0;
    const unread = state.channel !== channel.id && count > (state.seen[channel.id] ?? count);
    const active = state.view === "channel" && state.channel === channel.id;
    return el(
      "button",
      {
        type: "button",
        class: `nav-item${active ? " active" : ""}${unread ? " unread" : ""}`,
        "data-testid": `channel-${channel.id}`,
        onclick: () => selectChannel(channel.id),
      },
      icon,
      el("span", { class: "nav-label", text: label }),
      unread ? el("span", { class: "nav-dot" }) : null,
    );
  };
  $("channel-list").replaceChildren(
    ...publicChannels.map((c) => item(c, c.name, el("span", { class: "nav-icon", text: "#" }))),
  );
  $("dm-list").replaceChildren(
    ...(dm
      ? [
          item(
            dm,
            state.info.bot.name,
            el(
              "span",
              { class: "nav-icon" },
              avatar(state.info.bot.user_id, "avatar-xs"),
              el("span", { class: "presence" }),
            ),
          ),
        ]
      : []),
  );
  $("tab-home").classList.toggle("active", state.view === "home");
  const me = userById(state.user);
  $("me-name").textContent = me ? me.real_name || me.name : "";
  $("sidebar-footer").replaceChildren(
    me
      ? el(
          "div",
          { class: "me" },
          avatar(me.id, "avatar-sm"),
          el(
            "div",
            { class: "me-text" },
            el("div", { class: "me-name", text: me.real_name || me.name }),
            el("div", {
              class: "me-role",
              text: `${tr(me.role === "manager" ? "manager" : "rep")} · ${me.locale || ""}`,
            }),
          ),
        )
      : "",
  );
}

function renderHeader() {
  const title = $("pane-title");
  const subtitle = $("pane-subtitle");
  if (state.view === "home") {
    title.replaceChildren(
      avatar(state.info.bot.user_id, "avatar-sm"),
      el("span", { text: state.info.bot.name }),
      el("span", { class: "app-badge", text: tr("app") }),
    );
    const { dm } = visibleChannels();
    subtitle.replaceChildren(
      el("button", { type: "button", class: "pane-tab active", text: tr("homeTab") }),
      el("button", {
        type: "button",
        class: "pane-tab",
        text: tr("messagesTab"),
        onclick: () => dm && selectChannel(dm.id),
      }),
      el("button", { type: "button", class: "pane-tab", text: tr("aboutTab"), disabled: true }),
    );
    return;
  }
  const channel = channelById(state.channel);
  if (channel?.kind === "im") {
    title.replaceChildren(
      avatar(state.info.bot.user_id, "avatar-sm"),
      el("span", { text: state.info.bot.name }),
      el("span", { class: "app-badge", text: tr("app") }),
    );
    subtitle.replaceChildren(
      el("button", { type: "button", class: "pane-tab", text: tr("homeTab"), onclick: openHome }),
      el("button", { type: "button", class: "pane-tab active", text: tr("messagesTab") }),
    );
  } else {
    title.replaceChildren(el("span", { text: `# ${channel?.name ?? ""}` }));
    subtitle.replaceChildren(el("span", { class: "pane-topic", text: tr("channelTopic") }));
  }
}

function renderHome() {
  const home = state.snapshot?.home;
  const sig = JSON.stringify([home, state.locale, state.user]);
  if (sig === state.homeSig) return;
  state.homeSig = sig;
  const pane = $("home");
  const ctx = { kind: "home", viewId: home?.id, channel: visibleChannels().dm?.id };
  pane.replaceChildren(
    el(
      "div",
      { class: "home-view", "data-testid": "home-view" },
      home ? renderBlocks(home.blocks, ctx) : el("div", { class: "home-empty", text: tr("homeEmpty") }),
    ),
  );
}

function render() {
  if (!state.info) return;
  renderSidebar();
  renderHeader();
  const home = state.view === "home";
  $("messages").hidden = home;
  $("composer-form").hidden = home;
  $("home").hidden = !home;
  if (home) renderHome();
  else renderMessages();
  renderModals();
  const channel = channelById(state.channel);
  $("composer").placeholder = tr("messageTo", {
    name: channel?.kind === "im" ? state.info.bot.name : `#${channel?.name ?? ""}`,
  });
}

function selectChannel(id) {
  state.view = "channel";
  state.channel = id;
  state.stickToBottom = true;
  render();
  $("composer").focus();
}

async function openHome() {
  state.view = "home";
  state.homeSig = "";
  render();
  await call("/sandbox/api/home", { user: state.user });
}

function selectUser(id) {
  state.user = id;
  localStorage.setItem("dealbot-sandbox-user", id);
  const channel = channelById(state.channel);
  if (!channel || channel.kind === "im")
    state.channel = visibleChannels().dm?.id || visibleChannels().public[0]?.id;
  state.snapshot = null;
  state.version = -1;
  delete document.body.dataset.shownFor;
  state.nodes.clear();
  state.seen = {};
  state.modalSig = "";
  state.homeSig = "";
  $("messages").replaceChildren();
  render();
  if (state.view === "home") call("/sandbox/api/home", { user: state.user });
  restartPoll();
}

function restartPoll() {
  state.poll += 1;
  state.pollAbort?.abort();
  pollLoop(state.poll);
}

async function pollLoop(generation) {
  while (generation === state.poll) {
    const controller = new AbortController();
    state.pollAbort = controller;
    try {
      const query = new URLSearchParams({ user: state.user, since: String(state.version) });
      const snapshot = await api(`/sandbox/api/snapshot?${query}`, undefined, { signal: controller.signal });
      if (generation !== state.poll) return;
      if (snapshot.version !== state.version || !state.snapshot) {
        state.version = snapshot.version;
        state.snapshot = snapshot;
        // What is there when a person arrives counts as read; later messages mark the channel unread.
        for (const [id, list] of Object.entries(snapshot.channels || {})) state.seen[id] ??= list.length;
        render();
        document.body.dataset.shownFor = state.user; // whose workspace is on screen (tests wait for it)
      }
    } catch {
      if (controller.signal.aborted || generation !== state.poll) return;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  }
}

function applyStrings() {
  document.documentElement.lang = state.locale;
  document.querySelectorAll("[data-i18n]").forEach((node) => {
    node.textContent = tr(node.dataset.i18n);
  });
  document.querySelectorAll("[data-i18n-title]").forEach((node) => {
    node.title = tr(node.dataset.i18nTitle);
  });
  if (state.recorder) return;
  $("record-text").textContent = tr("record");
}

async function setLocale(locale) {
  const done = await call("/sandbox/api/locale", { locale });
  if (!done) {
    $("locale-switch").value = state.locale;
    return;
  }
  state.locale = locale;
  state.nodes.clear();
  state.modalSig = "";
  state.homeSig = "";
  $("messages").replaceChildren();
  applyStrings();
  renderUserSwitch();
  render();
  if (state.view === "home") call("/sandbox/api/home", { user: state.user });
}

async function runClock(event) {
  event.preventDefault();
  const job = $("time-job").value;
  const asOf = $("time-as-of").value || null;
  const summary = $("time-summary");
  const run = $("time-run");
  run.disabled = true;
  summary.textContent = tr("running");
  summary.classList.remove("error");
  try {
    const answer = await api("/sandbox/api/clock", { job, as_of: asOf });
    summary.textContent = answer.summary || "✓";
    summary.title = summary.textContent;
  } catch (error) {
    summary.textContent = error.message;
    summary.classList.add("error");
  } finally {
    run.disabled = false;
  }
}

function renderUserSwitch() {
  $("user-switch").replaceChildren(
    ...state.info.users.map((user) =>
      el("option", {
        value: user.id,
        text: `${user.real_name || user.name} (${tr(user.role === "manager" ? "manager" : "rep")})`,
      }),
    ),
  );
  if (state.user) $("user-switch").value = state.user;
}

async function start() {
  applyStrings();
  try {
    state.info = await api("/sandbox/api/state");
  } catch (error) {
    toast(explain(error));
    setTimeout(start, 2000);
    return;
  }
  state.locale = state.info.locale || "en";
  $("locale-switch").value = state.locale;
  $("team-name").textContent = state.info.team.name;
  $("time-zone").textContent = state.info.timezone || "";
  document.title = `${state.info.team.name} · dealbot sandbox`;
  const users = state.info.users;
  renderUserSwitch();
  const remembered =
    new URLSearchParams(location.search).get("user") || localStorage.getItem("dealbot-sandbox-user");
  state.user = users.some((user) => user.id === remembered) ? remembered : users[0]?.id;
  $("user-switch").value = state.user;
  state.channel = visibleChannels().public[0]?.id || visibleChannels().dm?.id;
  applyStrings();
  render();
  restartPoll();
}

function wire() {
  $("composer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendComposer();
  });
  $("composer").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendComposer();
    }
  });
  $("composer").addEventListener("input", () => {
    autosize();
    updateSlashHint();
  });
  $("upload-input").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) upload(file);
  });
  $("record").addEventListener("click", toggleRecording);
  $("tab-home").addEventListener("click", openHome);
  $("user-switch").addEventListener("change", (event) => selectUser(event.target.value));
  $("locale-switch").addEventListener("change", (event) => setLocale(event.target.value));
  $("time-form").addEventListener("submit", runClock);
  document.addEventListener("click", closeMenus);
  $("toast").addEventListener("click", () => {
    $("toast").hidden = true;
  });
  document.addEventListener("keydown", (event) => {
    const top = state.snapshot?.modals?.at(-1);
    if (event.key === "Escape" && top) closeModal(top);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  wire();
  start();
});

document.addEventListener("DOMContentLoaded", () => {
  wire();
  start();
});
