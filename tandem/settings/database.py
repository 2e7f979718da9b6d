from .env import VAR_DIR, env

# SQLite is the embedded default; WAL and IMMEDIATE transactions let the web process and the
# task worker write side by side without "database is locked" surprises. SQLite's own page
# cache is 2 MB a connection; the client list's indexes of a 100,000-client firm are tens of
# MB, and an import writing them from a cache that small rereads index pages for every batch.
# An import's batch dirties thousands of index pages: checkpointing the WAL into the database
# every 64 MB rather than SQLite's 4 MB copies a page rewritten by several batches once, and
# the WAL is cut back to that size afterwards.
SQLITE_CACHE_MB = env.int("TANDEM_SQLITE_CACHE_MB", default=64)
SQLITE_WAL_CHECKPOINT_PAGES = 16_384
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        f"PRAGMA cache_size=-{SQLITE_CACHE_MB * 1024}; "
        f"PRAGMA wal_autocheckpoint={SQLITE_WAL_CHECKPOINT_PAGES}; "
        f"PRAGMA journal_size_limit={SQLITE_WAL_CHECKPOINT_PAGES * 4096};"
    ),
}

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("TANDEM_DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
