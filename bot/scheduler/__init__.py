"""Scheduled jobs: stale-deal reminders on business days and the weekly pipeline digest, exactly once.

- `jobs`: what a run does (services in, notifier out), shared with `dealbot remind|digest`.
- `schedule`: when (cron triggers in the team's time zone, misfire grace, catch-up on start).
- `leader`: which process schedules (PostgreSQL advisory lock; a file lock for SQLite).
- `service`: `start_scheduler` runs all of it inside `dealbot run` / `dealbot serve`: every
  process joins the election, and the elected one runs an APScheduler `BackgroundScheduler`.

The package itself imports nothing, so `dealbot remind|digest` load only `jobs`.
"""
