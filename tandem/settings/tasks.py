from .env import env

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# A running sync run whose worker has not checked in for this long is presumed dead (killed,
# or its machine lost) and is resumed from its last committed batch by another worker.
SYNC_RUN_STALE_SECONDS = env.int("SYNC_RUN_STALE_SECONDS", default=120)
