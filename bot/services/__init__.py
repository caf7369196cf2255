"""The domain: deals, notes, history, import/export. Pure Python + SQLAlchemy; no Slack here."""
