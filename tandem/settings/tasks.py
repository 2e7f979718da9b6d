from .env import env

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# A running sync run whose worker has not checked in for this long is presumed dead (killed,
# or its machine lost) and is resumed from its last committed batch by another worker. Longer
# than a worker may wait out XPM's rate limits between two batches (up to 4 waits of 90 s).
SYNC_RUN_STALE_SECONDS = env.int("SYNC_RUN_STALE_SECONDS", default=600)

# A refresh asks the external system only for the records changed since the last run, which
# cannot show a record deleted there; once the last whole listing is this old, a refresh lists
# every record again, and flags the links whose record is gone.
SYNC_FULL_LISTING_HOURS = env.float("SYNC_FULL_LISTING_HOURS", default=24)
