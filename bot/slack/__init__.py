"""Talking to Slack's Web API outside a direct reply: DMs, ephemeral messages, Home tabs."""
