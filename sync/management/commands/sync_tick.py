"""`python manage.py sync_tick`: one tick of the worker's watch, now.

`make run` calls it at start, so that runs a stopped worker left behind are resumed and the
schedules are watched again; a cron job may call it too.
"""

from django.core.management.base import BaseCommand

from sync.runs import sync_tick_run


class Command(BaseCommand):
    help = "Resume sync runs whose worker died, start due scheduled refreshes, queue the next tick."

    def handle(self, *args, **options) -> None:
        resumed = sync_tick_run()
        if resumed:
            self.stdout.write(f"Resumed {len(resumed)} sync run(s) whose worker had stopped.")
