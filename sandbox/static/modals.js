// The person's modal stack from the snapshot: the top view is a form, the ones below peek out;
// submit sends the values and shows the field errors that come back.

import { state, tr } from "./state.js";
import { $, avatar, el, toast } from "./dom.js";
import { api, call, explain } from "./api.js";
import { plainText } from "./mrkdwn.js";
import { renderBlocks } from "./blockkit.js";

export function renderModals() {
  const stack = state.snapshot?.modals || [];
  const layer = $("modal-layer");
  // What is drawn, not the view's state/hash: a submission that changes only those must not
  // redraw the form and lose what the person typed.
  const sig = JSON.stringify([stack.map((v) => [v.id, v.title, v.blocks, v.submit, v.close]), state.locale]);
  if (sig === state.modalSig) return;
  const previousTop = state.modalTopId;
  state.modalSig = sig;
  if (!stack.length) {
    layer.hidden = true;
    layer.replaceChildren();
    state.modalTopId = null;
    state.modalInputs = null;
    return;
  }
  const top = stack[stack.length - 1];
  if (top.id !== previousTop) state.modalErrors = {};
  state.modalTopId = top.id;
  const inputs = new Map();
  state.modalInputs = inputs;
  const ctx = { kind: "modal", viewId: top.id, inputs };
  const under = stack.slice(0, -1).map((view, index) =>
    el(
      "div",
      {
        class: "modal modal-under",
        style: `--depth: ${stack.length - 1 - index}`,
        "aria-hidden": "true",
      },
      el("div", { class: "modal-head" }, el("h2", { text: plainText(view.title) })),
    ),
  );
  const form = el(
    "form",
    {
      class: "modal",
      "data-testid": "modal",
      dataset: { viewId: top.id || "", callbackId: top.callback_id || "" },
      novalidate: true,
    },
    el(
      "div",
      { class: "modal-head" },
      stack.length > 1 ? el("span", { class: "modal-back", "aria-hidden": "true", text: "‹" }) : null,
      el("span", { class: "modal-app" }, avatar(state.info.bot.user_id, "avatar-xs")),
      el("h2", { text: plainText(top.title) }),
      el("button", {
        type: "button",
        class: "modal-x",
        "aria-label": tr("close"),
        text: "×",
        onclick: () => closeModal(top),
      }),
    ),
    el("div", { class: "modal-body" }, renderBlocks(top.blocks, ctx)),
    el(
      "div",
      { class: "modal-foot" },
      el("button", {
        type: "button",
        class: "btn btn-secondary",
        "data-testid": "modal-close",
        text: top.close ? plainText(top.close) : tr("cancel"),
        onclick: () => closeModal(top),
      }),
      top.submit || hasInputs(top)
        ? el("button", {
            type: "submit",
            class: "btn btn-primary",
            "data-testid": "modal-submit",
            text: top.submit ? plainText(top.submit) : tr("submit"),
          })
        : null,
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitModal(top, form);
  });
  layer.replaceChildren(
    el("div", { class: "modal-backdrop" }),
    el("div", { class: "modal-stack" }, under, form),
  );
  layer.hidden = false;
  for (const [blockId, message] of Object.entries(state.modalErrors)) inputs.get(blockId)?.showError(message);
  const first = [...inputs.values()].find((entry) => entry.focus);
  if (first && top.id !== previousTop) first.focus();
}

function hasInputs(view) {
  return (view.blocks || []).some((block) => block.type === "input");
}

async function submitModal(view, form) {
  const inputs = state.modalInputs || new Map();
  // The stand-in checks what Slack's own client would (required fields, number bounds) and
  // answers those like the app's errors, so every field error comes back the same way.
  const values = {};
  for (const [blockId, entry] of inputs) {
    if (entry.collect) values[blockId] = { [entry.actionId]: entry.collect() };
  }
  state.modalErrors = {};
  for (const entry of inputs.values()) entry.showError("");
  const submit = form.querySelector("[data-testid=modal-submit]");
  if (submit) {
    submit.disabled = true;
    submit.classList.add("busy");
  }
  try {
    const answer = await api("/sandbox/api/submit", { user: state.user, view_id: view.id, values });
    if (answer.response_action === "errors") {
      state.modalErrors = answer.errors || {};
      for (const entry of inputs.values()) entry.showError(state.modalErrors[entry.blockId]);
      const unplaced = Object.keys(state.modalErrors).filter((blockId) => !inputs.has(blockId));
      if (unplaced.length) toast(unplaced.map((blockId) => state.modalErrors[blockId]).join(" "));
    }
  } catch (error) {
    toast(explain(error));
  } finally {
    if (submit) {
      submit.disabled = false;
      submit.classList.remove("busy");
    }
  }
}

export async function closeModal(view) {
  await call("/sandbox/api/close", { user: state.user, view_id: view.id });
}
