"""The Practice Management tab of a client: Connect Now, Link and Disconnect per add-on, and for
a linked client the Connections panel (its fields beside the linked record's) and Sync."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.decorators import firm_member_required
from clients.models import Client
from clients.selectors import client_get
from clients.validation import field_label
from integrations.directory import (
    directory_entries,
    directory_refresh,
    directory_refresh_if_stale,
    directory_search,
    entry_match_record,
)
from integrations.exceptions import IntegrationError
from integrations.models import Connection, DirectoryEntry
from sync.exceptions import LinkRefused, SyncError
from sync.field_sync import (
    FieldState,
    link_can_push,
    link_connector,
    link_field_states,
    link_field_sync,
    link_remote_get,
    push_refusal,
    synced_fields,
)
from sync.field_sync_forms import FieldSyncForm
from sync.models import Link
from sync.planner import Plan
from sync.selectors import active_connections, client_links, link_get, links_by_external_id
from sync.services import link_create, link_delete

RESULTS_SHOWN = 20
BROWSE_PAGE_SIZE = 25


@dataclass
class Result:
    entry: DirectoryEntry
    reason: str = ""
    linked: Link | None = None


@dataclass
class Section:
    connection: Connection
    link: Link | None
    searching: bool = False
    query: str = ""
    results: list[Result] = field(default_factory=list)
    page: Any = None
    problem: str = ""
    refusal: LinkRefused | None = None


@dataclass
class Comparison:
    """A link's synced fields against the linked record as read just now, or the `problem`
    that stopped the reading."""

    link: Link
    remote_name: str
    can_push: bool
    states: list[FieldState] = field(default_factory=list)
    problem: str = ""

    @property
    def differing(self) -> list[FieldState]:
        return [state for state in self.states if state.differs]

    @property
    def push_refusal(self) -> str:
        return "" if self.can_push else push_refusal(self.remote_name)


@firm_member_required
def practice_management_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    return _render(request, client, searched=request.GET.get("connection", ""))


@firm_member_required
@require_POST
def directory_refresh_view(request: HttpRequest, pk: int, connection_pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    connection = _active_connection(request, connection_pk)
    try:
        result = directory_refresh(connection=connection)
    except IntegrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"Refreshed the {connection.provider_name} client list "
            f"({result.records_saved} records read).",
        )
    return _back_to_search(client, connection, request.POST.get("q"))


@firm_member_required
@require_POST
def link_create_view(request: HttpRequest, pk: int, connection_pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    connection = _active_connection(request, connection_pk)
    try:
        link = link_create(
            firm=request.firm,
            client=client,
            connection=connection,
            external_id=request.POST.get("external_id", ""),
            acting_user=request.user,
        )
    except LinkRefused as refusal:
        return _render(request, client, searched=str(connection.pk), refusal=refusal)
    messages.success(request, f"{client} is linked to “{link.external_name}”.")
    return redirect("sync:practice_management", client.pk)


@firm_member_required
def link_delete_view(request: HttpRequest, pk: int, link_pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    link = link_get(client=client, pk=link_pk)
    if request.method == "POST":
        link_delete(link=link, acting_user=request.user)
        messages.success(request, f"{client} is no longer linked to “{link.external_name}”.")
        return redirect("sync:practice_management", client.pk)
    return render(
        request,
        "sync/link_confirm_delete.html",
        {"nav": "clients", "client": client, "link": link, "active_tab": "practice_management"},
    )


@firm_member_required
def link_fields_view(request: HttpRequest, client_pk: int, link_pk: int) -> HttpResponse:
    """The Connections panel of one link. The tab loads it after showing itself, so that the
    tab never waits on the external system; without htmx the Sync screen shows the same."""
    client = client_get(firm=request.firm, pk=client_pk)
    link = link_get(client=client, pk=link_pk)
    if not request.htmx:
        return redirect("sync:field_sync", client.pk, link.pk)
    return render(
        request,
        "sync/_connections_panel.html",
        {"client": client, "comparison": _comparison(link)},
    )


@firm_member_required
def field_sync_view(request: HttpRequest, client_pk: int, link_pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=client_pk)
    link = link_get(client=client, pk=link_pk)
    connector = link_connector(link=link)
    remote_name = connector.short_name
    form_options = {
        "fields": synced_fields(connector=connector, client=client),
        "can_push": link_can_push(link=link),
        "remote_name": remote_name,
    }
    if request.method == "POST":
        form = FieldSyncForm(request.POST, **form_options)
        if form.is_valid():
            try:
                plan = link_field_sync(
                    link=link,
                    directions=form.cleaned_data["directions"],
                    acting_user=request.user,
                )
            except SyncError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _synced_message(plan, remote_name=remote_name))
                return redirect("sync:practice_management", client.pk)
        comparison = _comparison(link)
    else:
        comparison = _comparison(link)
        form = FieldSyncForm(states=comparison.states, **form_options)
    return render(
        request,
        "sync/field_sync.html",
        {
            "nav": "clients",
            "client": client,
            "active_tab": "practice_management",
            "comparison": comparison,
            "form": form,
            "rows": form.rows(comparison.states),
        },
        status=400 if form.errors else 200,
    )


def _comparison(link: Link) -> Comparison:
    comparison = Comparison(
        link=link,
        remote_name=link_connector(link=link).short_name,
        can_push=link_can_push(link=link),
    )
    try:
        remote = link_remote_get(link=link)
    except SyncError as error:
        comparison.problem = error.message
    else:
        comparison.states = link_field_states(link=link, remote=remote)
    return comparison


def _synced_message(plan: Plan, *, remote_name: str) -> str:
    taken = ", ".join(field_label(name) for name in plan.changes_local)
    pushed = ", ".join(field_label(name) for name in plan.changes_remote)
    done = []
    if taken:
        done.append(f"Tandem took {taken} from {remote_name}")
    if pushed:
        done.append(f"{remote_name} took {pushed} from Tandem")
    if not done:
        return f"Synced with {remote_name}: the fields chosen were already in step."
    return f"Synced with {remote_name}: {'; '.join(done)}."


def _search(request: HttpRequest, client: Client, section: Section) -> None:
    connection = section.connection
    section.searching = True
    section.query = request.GET.get("q", request.POST.get("q", client.display_name)).strip()
    try:
        directory_refresh_if_stale(connection=connection)
    except IntegrationError as error:
        section.problem = error.message
    if section.query:
        query = entry_match_record(None, "", {"display_name": section.query})
        found = directory_search(connection=connection, query=query, limit=RESULTS_SHOWN)
        section.results = [Result(entry, candidate.explanation) for entry, candidate in found]
    else:
        section.page = Paginator(
            directory_entries(connection=connection), BROWSE_PAGE_SIZE
        ).get_page(request.GET.get("page"))
        section.results = [Result(entry) for entry in section.page]
    linked = links_by_external_id(
        connection=connection, external_ids=[r.entry.external_id for r in section.results]
    )
    for result in section.results:
        result.linked = linked.get(result.entry.external_id)


def _active_connection(request: HttpRequest, pk: int) -> Connection:
    return get_object_or_404(active_connections(firm=request.firm), pk=pk)


def _back_to_search(client: Client, connection: Connection, query: str | None) -> HttpResponse:
    params = {"connection": connection.pk}
    if query is not None:
        params["q"] = query
    url = reverse("sync:practice_management", args=[client.pk])
    return redirect(f"{url}?{urlencode(params)}")


def _render(
    request: HttpRequest,
    client: Client,
    *,
    searched: str,
    refusal: LinkRefused | None = None,
) -> HttpResponse:
    """The tab: one section per active add-on; `searched` names the connection whose Connect
    Now search is open, where `refusal` says why a Link did not happen."""
    links = client_links(client=client)
    sections = []
    for connection in active_connections(firm=request.firm):
        section = Section(connection=connection, link=links.get(connection.pk))
        if section.link is None and searched == str(connection.pk):
            section.refusal = refusal
            _search(request, client, section)
        sections.append(section)
    return render(
        request,
        "clients/practice_management.html",
        {
            "nav": "clients",
            "client": client,
            "active_tab": "practice_management",
            "sections": sections,
        },
        status=400 if refusal else 200,
    )
