"""Test-side stand-ins for Slack, reached over real HTTP on 127.0.0.1 (no mocks of slack_sdk).

Import paths only: the one implementation is the sandbox's (`sandbox.slack`), tested in
tests/sandbox/slack/.

- `slack_api.FakeSlackAPI`: the Web API (`https://slack.com/api/…`), file downloads, the
  external upload URL and response_url hooks, with call recording and fault injection.
- `slack_client.SlackClient`: sends signed slash commands, interactions and events into the
  app exactly as Slack does.
"""
