"""Reliability: several real processes, crashes, duplicates, hostile input, tenancy, migrations."""
