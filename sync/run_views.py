"""Sync runs of a connection: Refresh (or Preview it), the run page with its live progress,
Apply a preview, Retry failed, the history, and the refresh schedule."""

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import firm_admin_required, firm_member_required
from integrations.models import Connection
from integrations.selectors import connection_get
from sync.exceptions import SyncError
from sync.models import RecordOutcome, SyncKind, SyncRun
from sync.run_forms import RefreshForm, ScheduleForm
from sync.runs import sync_run_apply, sync_run_retry_failed, sync_run_start
from sync.schedules import sync_schedule_get, sync_schedule_update
from sync.selectors import (
    links_by_external_id,
    sync_run_active,
    sync_run_get,
    sync_run_history,
    sync_run_records,
    sync_run_summary,
)

RECORDS_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 25
RECENT_RUNS_SHOWN = 5


@firm_member_required
def connection_sync_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    connection = connection_get(firm=request.firm, pk=connection_pk)
    return _sync_page(request, connection)


@firm_member_required
@require_POST
def connection_refresh_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    connection = connection_get(firm=request.firm, pk=connection_pk)
    form = RefreshForm(request.POST)
    form.is_valid()  # Two tickboxes: anything posted reads as on or off.
    try:
        run = sync_run_start(
            connection=connection,
            acting_user=request.user,
            kind=SyncKind.REFRESH,
            dry_run=form.cleaned_data["dry_run"],
            overwrite=form.cleaned_data["overwrite"],
        )
    except SyncError as refusal:
        messages.error(request, refusal.message)
        return redirect("sync:connection_sync", connection.pk)
    return redirect("sync:run_detail", run.pk)


@firm_admin_required
@require_POST
def connection_schedule_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    connection = connection_get(firm=request.firm, pk=connection_pk)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            schedule = sync_schedule_update(
                connection=connection,
                enabled=form.cleaned_data["enabled"],
                every_minutes=form.cleaned_data["every_minutes"],
                acting_user=request.user,
            )
        except SyncError as error:
            form.add_error(error.field, error.message)
        else:
            if schedule.enabled:
                messages.success(
                    request, f"Tandem will refresh every {schedule.every_minutes} minutes."
                )
            else:
                messages.success(request, "Scheduled refreshes are off.")
            return redirect("sync:connection_sync", connection.pk)
    return _sync_page(request, connection, schedule_form=form, status=400)


@firm_member_required
def connection_history_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    connection = connection_get(firm=request.firm, pk=connection_pk)
    runs = sync_run_history(connection=connection)
    page = Paginator(runs, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sync/connection_history.html",
        {"nav": "addons", "connection": connection, "page": page},
    )


@firm_member_required
def run_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The run page; its htmx poll, every second while the run is queued or running, gets the
    body alone, which stops polling once the run has finished."""
    run = sync_run_get(firm=request.firm, pk=pk)
    outcome = request.GET.get("outcome", "")
    if outcome not in RecordOutcome.values:
        outcome = ""
    records = sync_run_records(run=run, outcome=outcome or None)
    page = Paginator(records, RECORDS_PAGE_SIZE).get_page(request.GET.get("page"))
    # Conflicts and changes made only in Tandem are settled field by field on the client's Sync
    # screen: for a person to choose, or to push.
    to_review = [
        record
        for record in page
        if record.outcome in (RecordOutcome.CONFLICT, RecordOutcome.PUSHABLE)
    ]
    links = links_by_external_id(
        connection=run.connection, external_ids=[record.external_id for record in to_review]
    )
    for record in to_review:
        record.review_link = links.get(record.external_id)
    context = {
        "nav": "addons",
        "run": run,
        "summary": sync_run_summary(run=run),
        "outcome": outcome,
        "outcomes": RecordOutcome.choices,
        "page": page,
    }
    template = "sync/run_body.html" if request.htmx else "sync/run_detail.html"
    return render(request, template, context)


@firm_member_required
@require_POST
def run_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = sync_run_get(firm=request.firm, pk=pk)
    return _follow_up(request, run, lambda: sync_run_apply(run=run, acting_user=request.user))


@firm_member_required
@require_POST
def run_retry_failed_view(request: HttpRequest, pk: int) -> HttpResponse:
    run = sync_run_get(firm=request.firm, pk=pk)
    return _follow_up(
        request, run, lambda: sync_run_retry_failed(run=run, acting_user=request.user)
    )


def _follow_up(request: HttpRequest, run: SyncRun, start: Callable[[], SyncRun]) -> HttpResponse:
    """Start the run that follows `run` and show it; or say why not, back on `run`."""
    try:
        started = start()
    except SyncError as refusal:
        messages.error(request, refusal.message)
        return redirect("sync:run_detail", run.pk)
    return redirect("sync:run_detail", started.pk)


def _sync_page(
    request: HttpRequest,
    connection: Connection,
    *,
    schedule_form: ScheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    schedule = sync_schedule_get(connection=connection)
    if schedule_form is None:
        schedule_form = ScheduleForm(
            initial={"enabled": schedule.enabled, "every_minutes": schedule.every_minutes}
        )
    return render(
        request,
        "sync/connection_sync.html",
        {
            "nav": "addons",
            "connection": connection,
            "schedule": schedule,
            "schedule_form": schedule_form,
            "active_run": sync_run_active(connection=connection),
            "recent_runs": sync_run_history(connection=connection)[:RECENT_RUNS_SHOWN],
        },
        status=status,
    )
