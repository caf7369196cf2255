"""Scheduled jobs (stale-deal reminders, weekly digest): built in the scheduler issue."""
