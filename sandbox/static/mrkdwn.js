// Slack text as DOM nodes: mrkdwn (bold, italic, strike, code, quotes, links, mentions, emoji)
// and plain_text, with Slack's &amp; &lt; &gt; escapes undone once. User text only ever becomes text nodes.

import { EMOJI } from "./strings.js";
import { state, userName } from "./state.js";
import { el } from "./dom.js";

// Slack escapes exactly these three; undo them once to show the characters people typed.
function unescapeSlack(text) {
  return text.replace(/&(amp|lt|gt);/g, (_, name) => ({ amp: "&", lt: "<", gt: ">" })[name]);
}

function emojiText(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] ?? whole);
}

// plain_text objects: entities undone, shortcodes shown as emoji when asked.
export function plainText(obj) {
  if (!obj) return "";
  if (typeof obj === "string") return unescapeSlack(obj);
  const text = unescapeSlack(obj.text ?? "");
  return obj.type === "mrkdwn" || obj.emoji !== false ? emojiText(text) : text;
}

// One pass over a line: Slack's <…> entities, `code`, *bold*, _italic_, ~strike~, :emoji:.
const INLINE = new RegExp(
  [
    "<([^<>\\n]+)>",
    "`([^`\\n]+)`",
    "(?<![\\w*])\\*(?!\\s)([^*\\n]+?)(?<!\\s)\\*(?![\\w*])",
    "(?<![\\w_])_(?!\\s)([^_\\n]+?)(?<!\\s)_(?![\\w_])",
    "(?<![\\w~])~(?!\\s)([^~\\n]+?)(?<!\\s)~(?![\\w~])",
    ":([a-z0-9_+-]+):",
  ].join("|"),
  "g",
);

function inline(text) {
  const out = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) out.push(document.createTextNode(unescapeSlack(text.slice(last, match.index))));
    last = match.index + match[0].length;
    const [whole, entity, code, bold, italic, strike, emoji] = match;
    if (entity !== undefined) out.push(entityNode(entity));
    else if (code !== undefined) out.push(el("code", { class: "mk-code", text: unescapeSlack(code) }));
    else if (bold !== undefined) out.push(el("b", {}, inline(bold)));
    else if (italic !== undefined) out.push(el("i", {}, inline(italic)));
    else if (strike !== undefined) out.push(el("s", {}, inline(strike)));
    else if (emoji !== undefined) out.push(document.createTextNode(EMOJI[emoji] ?? whole));
  }
  if (last < text.length) out.push(document.createTextNode(unescapeSlack(text.slice(last))));
  return out;
}

function entityNode(entity) {
  const [target, label] = splitLabel(entity);
  if (target.startsWith("@")) {
    const id = target.slice(1);
    const mine = id === state.user;
    return el(
      "span",
      { class: `mention${mine ? " mention-me" : ""}`, dataset: { user: id } },
      `@${label ? unescapeSlack(label) : userName(id)}`,
    );
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    const channel = state.info?.channels.find((c) => c.id === id);
    return el(
      "span",
      { class: "mention channel-ref" },
      `#${label ? unescapeSlack(label) : (channel?.name ?? id)}`,
    );
  }
  if (target.startsWith("!")) {
    // <!here>, <!channel>, <!date^…|fallback>: shown as their text, never as a ping.
    if (label) return document.createTextNode(unescapeSlack(label));
    const word = target.slice(1).split("^")[0];
    return document.createTextNode(`@${word}`);
  }
  const url = unescapeSlack(target);
  const safeUrl = /^(https?:|mailto:|\/)/i.test(url) ? url : null;
  const text = label ? unescapeSlack(label) : url;
  if (!safeUrl) return document.createTextNode(text);
  return el("a", { href: safeUrl, target: "_blank", rel: "noopener noreferrer" }, text);
}

function splitLabel(entity) {
  const bar = entity.indexOf("|");
  return bar < 0 ? [entity, ""] : [entity.slice(0, bar), entity.slice(bar + 1)];
}

// Block structure: ``` code blocks, `>` quoted lines and `>>>` (quote the rest), paragraphs.
export function mrkdwn(text, className = "mk") {
  const root = el("div", { class: className });
  const chunks = (text || "").split("```");
  chunks.forEach((chunk, index) => {
    if (index % 2 === 1) {
      root.append(el("pre", { class: "mk-pre", text: unescapeSlack(chunk.replace(/^\n/, "")) }));
      return;
    }
    let quote = null;
    const lines = chunk.split("\n");
    let rest = false;
    lines.forEach((line, i) => {
      let body = line;
      let quoted = rest;
      if (!rest && line.startsWith(">>>")) {
        rest = true;
        quoted = true;
        body = line.slice(3).replace(/^ /, "");
      } else if (!rest && line.startsWith(">")) {
        quoted = true;
        body = line.slice(1).replace(/^ /, "");
      }
      const lineNode = el("span", { class: "mk-line" }, inline(body));
      if (quoted && !body.trim() && !quote) return; // an empty quote shows nothing
      if (quoted) {
        if (!quote) {
          quote = el("blockquote", { class: "mk-quote" });
          root.append(quote);
        } else quote.append(document.createElement("br"));
        quote.append(lineNode);
      } else {
        quote = null;
        root.append(lineNode);
        if (i < lines.length - 1) root.append(document.createElement("br"));
      }
    });
  });
  return root;
}

export function textObject(obj, className) {
  if (!obj) return el("span");
  if (obj.type === "mrkdwn") return mrkdwn(obj.text, className);
  return el("div", { class: className, text: plainText(obj) });
}
