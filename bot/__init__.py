"""dealbot: Slack-native deal management for small sales teams."""
