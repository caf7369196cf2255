"""The Slack stand-in: the Web API server `dealbot sandbox` and the tests run, and the client that
signs requests into the app as Slack does."""
