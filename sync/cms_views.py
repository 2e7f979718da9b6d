"""The pages of connected CMS accounts: Connected accounts (who connected which account, and
Disconnect), and the Clients Sync tab (Select an account, Next, tick clients, Sync selected)."""

from collections.abc import Sequence

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import firm_admin_required, firm_member_required
from integrations.connectors.base import RecordProblem
from integrations.connectors.cms.selectors import (
    cms_application_get,
    cms_applications_by_connection,
    cms_connection_active_list,
    cms_connection_get,
    cms_connection_list,
)
from integrations.directory import directory_refresh_if_stale
from integrations.exceptions import IntegrationError
from integrations.models import Connection
from integrations.services import connection_disconnect
from sync.cms_forms import AccountSelectForm, SyncSelectedForm
from sync.cms_selectors import cms_directory_entries, cms_sync_rows
from sync.cms_services import SelectedSync, cms_clients_sync
from sync.exceptions import SyncError

CLIENTS_PAGE_SIZE = 25
UNREADABLE_SHOWN = 3


@firm_member_required
def connected_accounts_view(request: HttpRequest) -> HttpResponse:
    connections = list(cms_connection_list(firm=request.firm))
    applications = cms_applications_by_connection(connections)
    accounts = [(connection, applications.get(connection.pk)) for connection in connections]
    return render(request, "sync/cms_connected_accounts.html", {"accounts": accounts, "nav": "cms"})


@firm_admin_required
@require_POST
def addon_add_view(request: HttpRequest) -> HttpResponse:
    """Add add-on's button for a CMS: the account is connected from the CMS, not from here."""
    messages.info(
        request,
        "A CMS account is connected from the CMS: sign in there and choose “Connect to Tandem” "
        "(or “Log in with Tandem”). The account then appears on this page.",
    )
    return redirect("cms:connected_accounts")


@firm_admin_required
@require_POST
def connected_account_disconnect_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    connection = cms_connection_get(firm=request.firm, pk=connection_pk)
    if connection.is_active or connection.needs_reauthorisation:
        connection_disconnect(connection=connection, acting_user=request.user)
        messages.success(
            request,
            f"{connection.external_account_name} is disconnected. Its synced clients, links and "
            "sync history are kept.",
        )
    return redirect("cms:connected_accounts")


@firm_member_required
def sync_account_select_view(request: HttpRequest) -> HttpResponse:
    connections = cms_connection_active_list(firm=request.firm)
    applications = cms_applications_by_connection(list(connections))
    suppliers = {pk: application.name for pk, application in applications.items()}
    form = AccountSelectForm(
        request.GET if "connection" in request.GET else None,
        connections=connections,
        suppliers=suppliers,
    )
    if form.is_valid():
        return redirect("cms:sync_clients", form.cleaned_data["connection"].pk)
    return render(
        request,
        "sync/cms_sync_select.html",
        {"form": form, "has_accounts": connections.exists(), "nav": "clients"},
    )


@firm_member_required
def sync_clients_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    connection = cms_connection_get(firm=request.firm, pk=connection_pk, active_only=True)
    form = None
    if request.method == "POST":
        form, started = _sync_selected(request, connection)
        if started is not None:
            return redirect("sync:run_detail", pk=started.run.pk)
    elif not request.htmx:
        # A full page load brings the list up to date; searching as you type reads what is kept.
        _directory_refresh(request, connection)
    query = request.GET.get("q", "").strip()
    page = Paginator(
        cms_directory_entries(connection=connection, query=query), CLIENTS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    application = cms_application_get(connection=connection)
    context = {
        "connection": connection,
        "supplier": application.name if application else connection.provider_name,
        "page": page,
        "rows": cms_sync_rows(connection=connection, entries=page.object_list),
        "query": query,
        "form": form or SyncSelectedForm(external_ids=set()),
        "results_id": "cms-sync-results",
        "nav": "clients",
    }
    if request.htmx and request.method == "GET":
        return render(request, "sync/cms_sync_results.html", context)
    return render(request, "sync/cms_sync_clients.html", context)


def _sync_selected(
    request: HttpRequest, connection: Connection
) -> tuple[SyncSelectedForm, SelectedSync | None]:
    ticked = request.POST.getlist("external_id")
    of_the_account = set(
        cms_directory_entries(connection=connection)
        .filter(external_id__in=ticked)
        .values_list("external_id", flat=True)
    )
    form = SyncSelectedForm(request.POST, external_ids=of_the_account)
    if not form.is_valid():
        return form, None
    try:
        started = cms_clients_sync(
            connection=connection,
            acting_user=request.user,
            external_ids=form.cleaned_data["external_id"],
            overwrite=form.cleaned_data["overwrite"],
        )
    except SyncError as refusal:
        messages.error(request, refusal.message)
        return form, None
    if started.refreshed_after:
        messages.info(
            request,
            f"{len(started.refreshed_after)} of the ticked clients were synced before: they are "
            "refreshed once this import is done.",
        )
    return form, started


def _directory_refresh(request: HttpRequest, connection: Connection) -> None:
    try:
        refreshed = directory_refresh_if_stale(connection=connection)
    except IntegrationError as error:
        messages.error(request, error.message)
        return
    if refreshed and refreshed.problems:
        messages.warning(request, _unreadable(refreshed.problems))


def _unreadable(problems: Sequence[RecordProblem]) -> str:
    shown = " ".join(problem.message for problem in problems[:UNREADABLE_SHOWN])
    more = len(problems) - UNREADABLE_SHOWN
    return (
        f"{len(problems)} of this account's clients could not be read, so they are not listed. "
        f"{shown}{f' And {more} more.' if more > 0 else ''}"
    )
