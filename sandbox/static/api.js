// Calls to the sandbox's page API (/sandbox/api/*): JSON in and out, refusals shown as a toast.

import { state, tr } from "./state.js";
import { toast } from "./dom.js";

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

// The sandbox words its refusals (4xx) for people; anything else is a failure to own up to.
export function explain(error) {
  const refused = error instanceof ApiError && error.status >= 400 && error.status < 500;
  return refused ? error.message : tr("errorPrefix", { error: error.message });
}

export async function api(path, body, init = {}) {
  const options = { ...init };
  if (body instanceof FormData) {
    options.method = "POST";
    options.body = body;
  } else if (body !== undefined) {
    options.method = "POST";
    options.headers = { "content-type": "application/json" };
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data;
  try {
    data = await response.json();
  } catch {
    data = { ok: false, error: `HTTP ${response.status}` };
  }
  if (!response.ok || data.ok === false)
    throw new ApiError(data.error || `HTTP ${response.status}`, response.status);
  return data;
}

export async function call(path, body) {
  try {
    return await api(path, body);
  } catch (error) {
    toast(explain(error));
    return null;
  }
}

export async function sendAction(ctx, action) {
  const body = { user: state.user, action };
  if (ctx.kind === "message") {
    body.channel = ctx.channel;
    body.message_ts = ctx.ts;
  } else {
    body.view_id = ctx.viewId;
    if (ctx.kind === "home") body.channel = ctx.channel;
  }
  await call("/sandbox/api/action", body);
}
