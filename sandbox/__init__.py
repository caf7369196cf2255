"""`dealbot sandbox`: the real bot against a local stand-in for Slack, in a page that looks like Slack.

This package sits beside the product (`bot/`, `storage/`), shipped in the same distribution:
it uses the bot the way `dealbot serve` runs it, and nothing in `bot` or `storage` imports it
(`dealbot sandbox` imports it inside the command). Imports point one way, with no cycle:
`runner` uses `server`, `workspace`, `snapshot`, `demo` and `slack`; `slack` uses only
`people`; the page server knows the runner only as the `PageBackend` protocol.

Pieces (all in one process, on loopback):

- `people`: the workspace's fixed identities, defined once (team T0TEAM "Sandbox Sales", reps
  U0ALEX and U0HANA, manager U0MORGAN, #sales C0SALES, each person's DM with the bot
  D0ALEX/D0HANA/D0MORGAN, bot U0BOT of app A0APP).
- `slack/`: the Slack stand-in, `SlackStandIn`: the Web API the bot calls through SLACK_API_URL
  (the same server the end-to-end tests use as `FakeSlackAPI`), split into its HTTP layer
  (`http`), the workspace it keeps (`state`: messages and threads per channel, ephemeral
  messages per person, modal stacks, App Home views, files, reactions, and a `version` that
  page readers long-poll on), the Web API methods per area (`methods/`), response_url answers
  (`hooks`) and the Block Kit limits it enforces (`block_kit`); `slack.client.SlackClient`
  sends the bot signed requests exactly as Slack does.
- `workspace.Workspace`: what a person does on the page (type, click, submit, close, open Home,
  share a file), turned into stand-in changes plus the signed request to the bot.
- `snapshot`: what one person sees, as the page's JSON.
- `runner.Sandbox`: builds the session's settings (generated token and signing secret, the
  stand-in's URL, `sandbox.db` in a temporary directory unless a database URL is given,
  DEALBOT_MANAGERS=U0MORGAN, the chosen language) and runs the bot the way `dealbot serve`
  does: `create_app` behind `bot.server.SlackWSGIApp` (waitress), memo workers, the scheduler,
  and `Jobs` for the page's clock. It is the page server's `PageBackend`.
- `server.PageServer`: the page (`/`, `/static/*` from `static/`), shared files
  (`/sandbox/files/<id>`) and the JSON API below, served for any `PageBackend`.
- `demo.seed_demo`: the demo pipeline `--demo` seeds into an empty database.

The page's JSON API (errors are `{"ok": false, "error": "…"}` with a 4xx status, 502 when the
bot failed):

- `GET /sandbox/api/state` → team, bot, users (id, name, real_name, role, locale), channels (id,
  name, kind channel|im, user for a DM), locale, timezone.
- `GET /sandbox/api/snapshot?user=U&since=V` → waits up to 20 s for a version other than V, then
  `{"ok", "version", "channels": {id: [message…]}, "modals": [view…], "home": view|null}`; a
  message is `{"ts", "user", "bot", "username", "text", "blocks"?, "thread_ts"?, "ephemeral",
  "reactions": [{"name", "count"}], "files": [{"id", "name", "title", "mimetype", "url"}],
  "edited"}`.
- `POST /sandbox/api/command {"user", "channel", "text"}`: `/deal …` as a slash command, other
  text as a message.
- `POST /sandbox/api/action {"user", "channel"?, "message_ts"?, "view_id"?, "action": {"action_id",
  "block_id"?, "type", "value"?, "selected_option"?, "selected_date"?, "selected_user"?},
  "values"?}`: a click in a message (channel + message_ts) or a view (view_id).
- `POST /sandbox/api/submit {"user", "view_id", "values": {block_id: {action_id: {...}}}}` →
  `{"ok", "response_action", "errors": {block_id: message}}`.
- `POST /sandbox/api/close {"user", "view_id"}`, `POST /sandbox/api/home {"user"}`.
- `POST /sandbox/api/upload` (multipart: file, user, channel, text?) → `{"ok", "file": {"id", "url"}}`.
- `POST /sandbox/api/clock {"job": "remind"|"digest", "as_of": ISO|null}` → `{"ok", "summary"}`.
- `POST /sandbox/api/locale {"locale": "en"|"ja"}`.
"""
