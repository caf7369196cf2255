// A channel's messages: threads under their parent, ephemeral ones marked, files, reactions,
// day dividers; unchanged messages keep their DOM node (a playing <audio> keeps playing).

import { EMOJI } from "./strings.js";
import {
  channelById,
  dateFormat,
  dayKey,
  dayLabel,
  state,
  timeLabel,
  tr,
  tsDate,
  userName,
} from "./state.js";
import { $, avatar, el } from "./dom.js";
import { mrkdwn } from "./mrkdwn.js";
import { renderBlocks } from "./blockkit.js";

function isReply(msg) {
  return msg.thread_ts && msg.thread_ts !== msg.ts;
}

// Parents in ts order, each followed by its replies; a reply whose parent is not visible stands alone.
function threaded(messages) {
  const byTs = new Set(messages.map((m) => m.ts));
  const replies = new Map();
  const roots = [];
  for (const msg of messages) {
    if (isReply(msg) && byTs.has(msg.thread_ts)) {
      if (!replies.has(msg.thread_ts)) replies.set(msg.thread_ts, []);
      replies.get(msg.thread_ts).push(msg);
    } else roots.push(msg);
  }
  const ordered = [];
  const byNumber = (a, b) => parseFloat(a.ts) - parseFloat(b.ts);
  roots.sort(byNumber).forEach((root) => {
    const children = (replies.get(root.ts) || []).sort(byNumber);
    ordered.push({ msg: root, reply: false, replies: children.length });
    children.forEach((child) => ordered.push({ msg: child, reply: true, replies: 0 }));
  });
  return ordered;
}

function messageKey(msg) {
  return `${msg.ephemeral ? "e" : "m"}:${msg.ts}`;
}

function renderMessage(item, channel) {
  const { msg } = item;
  const author = msg.bot ? state.info.bot.user_id : msg.user;
  const name = msg.bot ? msg.username || state.info.bot.name : userName(msg.user);
  const node = el("article", {
    class: `msg${item.reply ? " msg-reply" : ""}${msg.ephemeral ? " msg-ephemeral" : ""}`,
    "data-testid": "message",
    dataset: { ts: msg.ts, threadTs: msg.thread_ts || "", ephemeral: msg.ephemeral ? "true" : "false" },
  });
  if (msg.ephemeral) {
    node.append(
      el(
        "div",
        { class: "msg-only-you" },
        el("span", { class: "eye", "aria-hidden": "true" }, "👁"),
        tr("onlyYou"),
      ),
    );
  }
  const body = el(
    "div",
    { class: "msg-body" },
    el(
      "div",
      { class: "msg-meta" },
      el("span", { class: "msg-author", text: name }),
      msg.bot ? el("span", { class: "app-badge", text: tr("app") }) : null,
      el("time", {
        class: "msg-time",
        title: dateFormat({ dateStyle: "medium", timeStyle: "medium" }).format(tsDate(msg.ts)),
        text: timeLabel(msg.ts),
      }),
    ),
  );
  const ctx = { kind: "message", channel, ts: msg.ts };
  if (msg.blocks?.length) body.append(renderBlocks(msg.blocks, ctx));
  else if (msg.text) body.append(mrkdwn(msg.text, "mk msg-text"));
  if (msg.edited) body.append(el("span", { class: "msg-edited", text: tr("edited") }));
  if (msg.files?.length) body.append(el("div", { class: "files" }, msg.files.map(renderFile)));
  if (msg.reactions?.length) {
    body.append(
      el(
        "div",
        { class: "reactions" },
        msg.reactions.map((r) =>
          el(
            "span",
            {
              class: "reaction",
              title: `:${r.name}:`,
            },
            el("span", { class: "reaction-emoji", text: EMOJI[r.name] ?? `:${r.name}:` }),
            el("span", { text: String(r.count) }),
          ),
        ),
      ),
    );
  }
  if (item.replies) {
    body.append(
      el(
        "div",
        { class: "thread-summary" },
        el("span", { class: "avatar-stack" }, avatar(state.info.bot.user_id, "avatar-xs")),
        el("span", {
          class: "thread-count",
          text: item.replies === 1 ? tr("reply") : tr("replies", { count: item.replies }),
        }),
      ),
    );
  }
  node.append(el("div", { class: "msg-row" }, avatar(author, item.reply ? "avatar-sm" : ""), body));
  return node;
}

function renderFile(file) {
  const type = file.mimetype || "";
  if (type.startsWith("image/")) {
    return el(
      "figure",
      { class: "file file-image" },
      el("figcaption", { text: file.title || file.name || "" }),
      el("img", { src: file.url, alt: file.title || file.name || "", loading: "eager" }),
    );
  }
  if (type.startsWith("audio/") || type.startsWith("video/")) {
    return el(
      "div",
      { class: "file file-audio" },
      el(
        "div",
        { class: "file-head" },
        el("span", { class: "file-icon", "aria-hidden": "true" }, "🎙️"),
        el("span", { class: "file-name", text: file.name || tr("audioFile") }),
      ),
      el("audio", { controls: true, preload: "metadata", src: file.url }),
    );
  }
  return el(
    "a",
    { class: "file file-link", href: file.url, target: "_blank", rel: "noopener" },
    el("span", { class: "file-icon", "aria-hidden": "true" }, "📄"),
    file.name || file.id,
  );
}

export function renderMessages() {
  const list = $("messages");
  const channel = state.channel;
  const messages = state.snapshot?.channels?.[channel] || [];
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
  const wanted = [];
  let lastDay = "";
  const used = new Set();
  wanted.push(channelIntro(channel));
  for (const item of threaded(messages)) {
    const day = dayKey(tsDate(item.msg.ts));
    if (!item.reply && day !== lastDay) {
      lastDay = day;
      wanted.push(dayDivider(item.msg.ts));
    }
    const key = `${channel}|${messageKey(item.msg)}`;
    used.add(key);
    const sig = JSON.stringify([item.msg, item.reply, item.replies, state.locale, state.user]);
    let entry = state.nodes.get(key);
    if (!entry || entry.sig !== sig) {
      entry = { sig, node: renderMessage(item, channel) };
      state.nodes.set(key, entry);
    }
    wanted.push(entry.node);
  }
  for (const key of state.nodes.keys()) {
    if (key.startsWith(`${channel}|`) && !used.has(key)) state.nodes.delete(key); // deleted messages
  }
  // Reuse nodes in place (an <audio> that is playing keeps playing).
  wanted.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
  while (list.children.length > wanted.length) list.lastChild.remove();
  if (nearBottom || state.stickToBottom) {
    list.scrollTop = list.scrollHeight;
    state.stickToBottom = false;
  }
  state.seen[channel] = messages.length;
}

function channelIntro(channelId) {
  const key = `intro|${channelId}|${state.locale}|${state.user}`;
  if (state.nodes.has(key)) return state.nodes.get(key).node;
  const channel = channelById(channelId);
  const name = channel?.kind === "im" ? state.info.bot.name : `#${channel?.name ?? channelId}`;
  const node = el(
    "div",
    { class: "channel-intro" },
    channel?.kind === "im"
      ? avatar(state.info.bot.user_id, "avatar-lg")
      : el("div", { class: "intro-hash", text: "#" }),
    el("h2", { text: name }),
    el("p", {
      text:
        tr("emptyChannel", { name }) + " " + (channel?.kind === "im" ? tr("dmTopic") : tr("channelTopic")),
    }),
  );
  state.nodes.set(key, { sig: key, node });
  return node;
}

function dayDivider(ts) {
  const key = `day|${dayKey(tsDate(ts))}|${state.locale}`;
  if (!state.nodes.has(key)) {
    state.nodes.set(key, {
      sig: key,
      node: el("div", { class: "day-divider" }, el("span", { text: dayLabel(ts) })),
    });
  }
  return state.nodes.get(key).node;
}
