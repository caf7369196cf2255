"""Block Kit builders: pure functions from data to blocks, no Slack calls, no database."""
