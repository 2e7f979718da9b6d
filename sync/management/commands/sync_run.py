import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from tqdm import tqdm

from accounts.models import Firm
from accounts.selectors import member_list
from integrations.selectors import connection_list
from sync.exceptions import SyncError
from sync.models import SyncKind, SyncRun, SyncRunStatus
from sync.runs import sync_run_execute, sync_run_start
from sync.selectors import sync_run_summary
from sync.templatetags.sync_runs import duration

FOLLOW_EVERY_SECONDS = 1


class Command(BaseCommand):
    help = (
        "Start a sync run of one connection and do it in this process, with a progress bar on "
        "a terminal; prints what the run did, as its page in Tandem shows it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--firm", required=True, help="The firm's slug.")
        parser.add_argument(
            "--connection", required=True, type=int, help="The connection's id (see Add-ons)."
        )
        parser.add_argument("--kind", choices=SyncKind.values, default=SyncKind.REFRESH)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Preview: record what would change, change nothing.",
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="The practice-management values replace Tandem's client details.",
        )
        parser.add_argument(
            "--user",
            metavar="EMAIL",
            help="The firm member the run is started as; without it, no one (like the schedule).",
        )

    def handle(self, *args, firm, connection, kind, dry_run, overwrite, user, **options):
        target = Firm.objects.filter(slug=firm).first()
        if target is None:
            raise CommandError(f"No firm with the slug '{firm}'.")
        chosen = connection_list(firm=target).filter(pk=connection).first()
        if chosen is None:
            raise CommandError(f"{target} has no connection {connection}: see its Add-ons page.")
        acting_user = None
        if user:
            membership = member_list(firm=target).filter(user__email__iexact=user).first()
            if membership is None:
                raise CommandError(f"{user} is not a member of {target}.")
            acting_user = membership.user
        try:
            run = sync_run_start(
                connection=chosen,
                acting_user=acting_user,
                kind=kind,
                dry_run=dry_run,
                overwrite=overwrite,
            )
        except SyncError as refusal:
            raise CommandError(refusal.message) from None
        # The stream itself, not Django's wrapper, which would end every redraw with a newline.
        stream = options.get("stdout") or sys.stdout
        with tqdm(
            total=None, unit=" records", file=stream, disable=not stream.isatty(), leave=False
        ) as bar:
            run = sync_run_execute(run_id=run.pk, progress=lambda run: _advance(bar, run))
            # A db_worker may have claimed the queued run first; then it is followed to its end.
            while run.is_active:
                time.sleep(FOLLOW_EVERY_SECONDS)
                run.refresh_from_db()
                _advance(bar, run)
        self._summary_write(run)
        if run.status != SyncRunStatus.SUCCEEDED:
            raise CommandError(f"The run failed: {run.message or run.get_status_display()}")

    def _summary_write(self, run: SyncRun) -> None:
        preview = " (preview: nothing was changed)" if run.dry_run else ""
        overwrite = " with Overwrite" if run.overwrite else ""
        total = f" of {run.total}" if run.total is not None else ""
        took = f" in {duration(run.duration)}" if run.started_at else ""
        self.stdout.write(
            f"{run.get_kind_display()}{overwrite} of {run.connection}{preview}: "
            f"{run.get_status_display()}, {run.processed}{total} records{took}."
        )
        for _, label, count in sync_run_summary(run=run):
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(f"Details: {reverse('sync:run_detail', args=[run.pk])}")


def _advance(bar: tqdm, run: SyncRun) -> None:
    bar.total = run.total
    bar.n = run.processed
    bar.set_postfix_str(f"{run.updated} updated, {run.conflicts} conflicts, {run.failed} failed")
