"""Import from Practice Management: the clients of a connection not yet in Tandem, searchable
and paged; a row that looks like a client already in Tandem offers Link instead (the pairing
Suggested links would make), so importing makes no duplicates. Import and Preview start a sync
run (an import, or its dry run) over the ticked clients or all of them, and show it."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import firm_member_required
from accounts.models import Firm
from integrations.directory import directory_entries, directory_refresh_if_stale
from integrations.exceptions import IntegrationError
from integrations.models import Connection, DirectoryEntry
from sync.exceptions import SyncError
from sync.forms import SuggestionsAcceptForm
from sync.models import Link, SyncKind
from sync.runs import sync_run_start
from sync.selectors import active_connections
from sync.suggestions import link_suggestions, link_suggestions_accept

PAGE_SIZE = 50
RESULTS_ID = "import-results"
# Ticks come a page at a time; more than this is not a person ticking (Select all is for that).
MOST_TICKED = 1000


class ExternalIdsField(forms.Field):
    """Ticked records, posted as their external ids."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        values = [value] if isinstance(value, str) else list(value or [])
        if len(values) > MOST_TICKED:
            raise forms.ValidationError(
                f"At most {MOST_TICKED} ticked clients at a time: use Select all for more."
            )
        return list(dict.fromkeys(posted.strip() for posted in values if posted.strip()))


class ImportForm(forms.Form):
    """Import (or Preview) the ticked `record`s, or with `everything` every record the list's
    search finds."""

    record = ExternalIdsField(required=False)
    everything = forms.BooleanField(required=False)
    preview = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned["everything"] and not cleaned["record"]:
            raise forms.ValidationError("Tick the clients to import first, or Select all.")
        return cleaned


@firm_member_required
def import_choose_view(request: HttpRequest) -> HttpResponse:
    connections = list(active_connections(firm=request.firm))
    if len(connections) == 1:
        return redirect("sync:import_clients", connection_pk=connections[0].pk)
    return render(
        request, "sync/import_choose.html", {"nav": "clients", "connections": connections}
    )


@firm_member_required
@vary_on_headers("HX-Request")
def import_clients_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    connection = get_object_or_404(active_connections(firm=request.firm), pk=connection_pk)
    # The search and page are always in the query string, the form's action included, so
    # that every answer (a search, a page, an import refused) keeps the list where it was.
    search = request.GET.get("q", "").strip()
    form = ImportForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            external_ids = _import_scope(
                request.firm,
                connection,
                ticked=form.cleaned_data["record"],
                everything=form.cleaned_data["everything"],
                search=search,
            )
            run = sync_run_start(
                connection=connection,
                acting_user=request.user,
                kind=SyncKind.IMPORT,
                external_ids=external_ids,
                dry_run=form.cleaned_data["preview"],
            )
        except SyncError as error:
            form.add_error(None, error.message)
        else:
            return redirect("sync:run_detail", pk=run.pk)
    return _list_render(
        request,
        connection,
        search=search,
        ticked=form.cleaned_data.get("record", []) if form.is_bound else [],
        errors=[error for errors in form.errors.values() for error in errors],
        status=400 if form.errors else 200,
        refresh=True,
    )


@firm_member_required
@require_POST
def import_link_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    """Link instead: the row's record linked to the Tandem client it looks like."""
    connection = get_object_or_404(active_connections(firm=request.firm), pk=connection_pk)
    form = SuggestionsAcceptForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["one"]:
        return HttpResponse("Choose a row's Link instead.", status=400)
    [outcome] = link_suggestions_accept(
        firm=request.firm,
        connection=connection,
        accepted=form.cleaned_data["one"],
        acting_user=request.user,
    )
    if outcome.link:
        done = f"{outcome.client} linked to “{outcome.link.external_name}”."
    else:
        done = outcome.refusal
    if not request.htmx:
        (messages.success if outcome.link else messages.error)(request, done)
        url = reverse("sync:import_clients", args=[connection.pk])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    return _list_render(
        request,
        connection,
        search=request.GET.get("q", "").strip(),
        ticked=request.POST.getlist("record"),
        errors=[] if outcome.link else [done],
        done=done if outcome.link else "",
        fragment=True,
    )


def _list_render(
    request: HttpRequest,
    connection: Connection,
    *,
    search: str,
    ticked: list[str],
    errors: list[str],
    done: str = "",
    status: int = 200,
    refresh: bool = False,
    fragment: bool = False,
) -> HttpResponse:
    if refresh:
        try:
            directory_refresh_if_stale(connection=connection)
        except IntegrationError as error:
            errors = [*errors, error.message]
    page = Paginator(import_candidates(connection=connection, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    looks_like = link_suggestions(firm=request.firm, connection=connection).for_entries(
        entry.pk for entry in page
    )
    htmx = request.htmx
    if fragment or (htmx and not htmx.history_restore_request and htmx.target == RESULTS_ID):
        template = "sync/import_results.html"
    else:
        template = "sync/import_list.html"
    return render(
        request,
        template,
        {
            "nav": "clients",
            "connection": connection,
            "page": page,
            "rows": [(entry, looks_like.get(entry.pk)) for entry in page],
            "search": search,
            "ticked": set(ticked),
            "errors": errors,
            "done": done,
            "results_id": RESULTS_ID,
        },
        status=status,
    )


# Selectors ------------------------------------------------------------------------------------
def import_candidates(*, connection: Connection, search: str = "") -> QuerySet[DirectoryEntry]:
    """The connection's live records not linked to a Tandem client, by name; with `search`,
    those whose name, code or email contains each of its words."""
    entries = directory_entries(connection=connection).exclude(
        external_id__in=Link.objects.filter(connection=connection).values("external_id")
    )
    for word in search.split():
        entries = entries.filter(
            Q(sort_name__contains=word.casefold())
            | Q(fields__code__icontains=word)
            | Q(fields__email__icontains=word)
        )
    return entries


def _import_scope(
    firm: Firm, connection: Connection, *, ticked: list[str], everything: bool, search: str
) -> list[str] | None:
    """The external ids to import; None for every record not linked.

    Select all leaves out the records that look like a client already in Tandem, as the
    import of every record does, since importing them would make duplicates; ticking one
    imports it all the same. Raises SyncError when nothing is left to import.
    """
    if everything and not search:
        return None
    if everything:
        candidates = import_candidates(connection=connection, search=search)
        looks_like = link_suggestions(firm=firm, connection=connection).entry_ids()
        chosen = [
            external_id
            for entry_id, external_id in candidates.values_list("id", "external_id")
            if entry_id not in looks_like
        ]
        if not chosen:
            raise SyncError(
                f"Every client matching “{search}” looks like one already in Tandem: use Link "
                "instead, or tick the ones to import anyway."
            )
        return chosen
    waiting = set(
        import_candidates(connection=connection)
        .filter(external_id__in=ticked)
        .values_list("external_id", flat=True)
    )
    chosen = [external_id for external_id in ticked if external_id in waiting]
    if not chosen:
        raise SyncError("The ticked clients are in Tandem already: reload the list.")
    return chosen
