"""SQLite's trigram index for `/deal find`: an FTS5 table over `deals.search_key`, kept by triggers.

Migration 0004 creates it; a migration that rebuilds the `deals` table (SQLite drops a table's
triggers with it) puts the triggers back with `SQLITE_TRIGGERS`. PostgreSQL uses a pg_trgm GIN
index instead (0004), which survives any ALTER TABLE.
"""

from __future__ import annotations

SQLITE_TABLE = """CREATE VIRTUAL TABLE deals_search USING fts5(
    search_key, content='deals', content_rowid='id', tokenize='trigram'
)"""
SQLITE_TRIGGERS = (
    """CREATE TRIGGER deals_search_insert AFTER INSERT ON deals BEGIN
        INSERT INTO deals_search(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
    """CREATE TRIGGER deals_search_delete AFTER DELETE ON deals BEGIN
        INSERT INTO deals_search(deals_search, rowid, search_key) VALUES ('delete', old.id, old.search_key);
    END""",
    """CREATE TRIGGER deals_search_update AFTER UPDATE OF search_key ON deals BEGIN
        INSERT INTO deals_search(deals_search, rowid, search_key) VALUES ('delete', old.id, old.search_key);
        INSERT INTO deals_search(rowid, search_key) VALUES (new.id, new.search_key);
    END""",
)
SQLITE_REBUILD = "INSERT INTO deals_search(deals_search) VALUES ('rebuild')"
SQLITE_UP = (SQLITE_TABLE, *SQLITE_TRIGGERS, SQLITE_REBUILD)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS deals_search_update",
    "DROP TRIGGER IF EXISTS deals_search_delete",
    "DROP TRIGGER IF EXISTS deals_search_insert",
    "DROP TABLE IF EXISTS deals_search",
)
