// What the page knows right now (workspace, person, channel, snapshot) and the lookups and
// formats that read it: translated strings, names, channels, times in the team's zone.

import { STRINGS } from "./strings.js";

export const state = {
  info: null, // /sandbox/api/state
  locale: "en",
  user: null, // selected user id
  channel: null, // selected channel id
  view: "channel", // "channel" | "home"
  version: -1,
  snapshot: null,
  poll: 0, // generation of the long-poll loop; bumped to restart it
  pollAbort: null,
  nodes: new Map(), // message key -> {sig, node}
  seen: {}, // channel id -> message count seen (unread markers)
  modalSig: "",
  modalErrors: {},
  homeSig: "",
  recorder: null,
};

export function tr(key, params = {}) {
  const table = STRINGS[state.locale] || STRINGS.en;
  const template = table[key] ?? STRINGS.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

export function userById(id) {
  return state.info?.users.find((user) => user.id === id);
}

export function userName(id) {
  if (state.info && id === state.info.bot.user_id) return state.info.bot.name;
  const user = userById(id);
  return user ? user.real_name || user.name : id;
}

export function channelById(id) {
  return state.info?.channels.find((c) => c.id === id);
}

export function visibleChannels() {
  const channels = state.info?.channels || [];
  return {
    public: channels.filter((c) => c.kind === "channel"),
    dm: channels.find((c) => c.kind === "im" && c.user === state.user),
  };
}

export function tsDate(ts) {
  return new Date(parseFloat(ts) * 1000);
}

// Times in the team's zone (the bot writes its dates there too), in the page's language.
export function dateFormat(options) {
  const locale = state.locale === "ja" ? "ja-JP" : "en-US";
  try {
    return new Intl.DateTimeFormat(locale, { ...options, timeZone: state.info?.timezone || undefined });
  } catch {
    return new Intl.DateTimeFormat(locale, options);
  }
}

export function timeLabel(ts) {
  return dateFormat({ hour: "numeric", minute: "2-digit" }).format(tsDate(ts));
}

export function dayKey(date) {
  return dateFormat({ year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

export function dayLabel(ts) {
  const date = tsDate(ts);
  if (dayKey(date) === dayKey(new Date())) return tr("today");
  return dateFormat({ weekday: "long", month: "long", day: "numeric", year: "numeric" }).format(date);
}
