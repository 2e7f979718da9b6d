"""The Clients pages. Each view validates input with a form and calls one service or selector.

The lists and the relationship picker answer htmx requests aimed at their results with just
that fragment, and the same URL without htmx with the whole page, so they work without
JavaScript and can be bookmarked.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.decorators import firm_member_required
from clients.exceptions import ClientError, ClientMergeError
from clients.forms import ClientForm, ClientListForm, ContactMergeForm, RelationshipForm
from clients.models import Client, ClientKind
from clients.selectors import (
    CLIENT_SORTS,
    client_get,
    client_list,
    client_merge_get,
    client_merges,
    client_relationships,
    contact_duplicate_groups,
    contact_list,
    contacts_for_merge,
    relationship_candidates,
    relationship_get,
)
from clients.services import (
    client_archive,
    client_create,
    client_merge,
    client_merge_undo,
    client_restore,
    client_update,
    relationship_create,
    relationship_delete,
)
from clients.validation import phone_display
from sync.selectors import active_connections, clients_with_link_status

PAGE_SIZE = 50
CANDIDATES_SHOWN = 10
MERGES_SHOWN = 20

KIND_DESCRIPTIONS = {
    ClientKind.COMPANY: "A registered company, with directors and shareholders.",
    ClientKind.TRUST: "A trust, with trustees and beneficiaries.",
    ClientKind.PARTNERSHIP: "A partnership, with its partners.",
    ClientKind.INDIVIDUAL: "A person: a client in their own right, or a contact of an entity.",
}


@firm_member_required
@vary_on_headers("HX-Request")
def client_list_view(request: HttpRequest) -> HttpResponse:
    form = ClientListForm(request.GET)
    filters = form.filters()
    return _list_render(
        request,
        form,
        client_list(firm=request.firm, **filters),
        sort=filters["sort"],
        template="clients/client_list.html",
        results_template="clients/_client_results.html",
        results_id="client-results",
    )


@firm_member_required
@vary_on_headers("HX-Request")
def contact_list_view(request: HttpRequest) -> HttpResponse:
    form = ClientListForm(request.GET)
    filters = form.filters()
    del filters["kind"]
    return _list_render(
        request,
        form,
        contact_list(firm=request.firm, **filters),
        sort=filters["sort"],
        template="clients/contact_list.html",
        results_template="clients/_contact_results.html",
        results_id="contact-results",
    )


@firm_member_required
def client_create_view(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind") or request.GET.get("kind")
    kinds = [(choice, KIND_DESCRIPTIONS[choice]) for choice in ClientKind]
    if kind not in ClientKind.values:
        return _render(request, "clients/client_create.html", kinds=kinds, kind=None)
    form = ClientForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(
                firm=request.firm, acting_user=request.user, kind=kind, **form.client_values
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{client} was created.")
            return redirect("clients:detail", client.pk)
    return _render(
        request,
        "clients/client_create.html",
        kinds=kinds,
        kind=ClientKind(kind),
        form=form,
    )


@firm_member_required
def client_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    return _render(
        request,
        "clients/client_detail.html",
        client=client,
        relationships=client_relationships(client=client),
        physical_address=client.address("physical"),
        postal_address=client.address("postal"),
        merges=client_merges(firm=request.firm).filter(survivor=client, undone_at__isnull=True),
    )


@firm_member_required
def client_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    form = ClientForm(request.POST or None, kind=client.kind, initial=_form_initial(client))
    if request.method == "POST" and form.is_valid():
        try:
            client_update(client=client, acting_user=request.user, **form.client_values)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved the details of {client}.")
            return redirect("clients:edit", client.pk)
    return _render(
        request, "clients/client_edit.html", client=client, active_tab="details", form=form
    )


@firm_member_required
@vary_on_headers("HX-Request")
def client_relationships_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    return _relationships_render(
        request, client, RelationshipForm(candidates=Client.objects.none())
    )


@firm_member_required
@require_POST
def relationship_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    form = RelationshipForm(request.POST, candidates=relationship_candidates(client=client))
    if form.is_valid():
        other = form.cleaned_data["other"]
        entity, individual = (other, client) if client.is_individual else (client, other)
        try:
            relationship = relationship_create(
                entity=entity,
                individual=individual,
                role=form.cleaned_data["role"],
                acting_user=request.user,
            )
        except ClientError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{relationship}.")
            return redirect("clients:relationships", client.pk)
    return _relationships_render(request, client, form)


@firm_member_required
@require_POST
def relationship_delete_view(request: HttpRequest, pk: int, relationship_pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    relationship = relationship_get(client=client, pk=relationship_pk)
    description = str(relationship)
    relationship_delete(relationship=relationship, acting_user=request.user)
    messages.success(request, f"Removed: {description}.")
    return redirect("clients:relationships", client.pk)


@firm_member_required
@require_POST
def client_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _archived_state_change(
        request,
        pk,
        change=client_archive,
        success="{client} was archived. It no longer shows in the everyday lists.",
    )


@firm_member_required
@require_POST
def client_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _archived_state_change(
        request, pk, change=client_restore, success="{client} was restored."
    )


@firm_member_required
def contact_duplicates_view(request: HttpRequest) -> HttpResponse:
    return _render(
        request,
        "clients/contact_duplicates.html",
        groups=contact_duplicate_groups(firm=request.firm),
        merges=client_merges(firm=request.firm)[:MERGES_SHOWN],
    )


@firm_member_required
@require_http_methods(["GET", "POST"])
def contact_merge_view(request: HttpRequest) -> HttpResponse:
    """Merges the contacts named by the `contact` parameters (from a Duplicates group)."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        pks = [int(pk) for pk in data.getlist("contact")]
    except ValueError:
        raise Http404("Not a contact.") from None
    contacts = contacts_for_merge(firm=request.firm, pks=pks)
    if len(contacts) < 2 or len(contacts) != len(set(pks)):
        raise Http404("Choose at least two of the firm's contacts to merge.")
    form = ContactMergeForm(request.POST or None, contacts=contacts)
    if request.method == "POST" and form.is_valid():
        try:
            merge = client_merge(
                firm=request.firm, acting_user=request.user, **form.merge_arguments()
            )
        except (ClientMergeError, ValidationError) as error:
            form.add_error(None, error.message if isinstance(error, ClientError) else error)
        else:
            merged = ", ".join(str(contact) for contact in merge.duplicates.all())
            messages.success(request, f"Merged {merged} into {merge.survivor}.")
            return redirect("clients:detail", merge.survivor_id)
    return _render(request, "clients/contact_merge.html", form=form, contacts=contacts)


@firm_member_required
@require_POST
def client_merge_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    merge = client_merge_get(firm=request.firm, pk=pk)
    try:
        client_merge_undo(merge=merge, acting_user=request.user)
    except ClientMergeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Undid the merge into {merge.survivor}.")
    return redirect("clients:detail", merge.survivor_id)


def _render(request: HttpRequest, template: str, **context: Any) -> HttpResponse:
    return render(request, template, {"nav": "clients", **context})


def _archived_state_change(
    request: HttpRequest, pk: int, *, change: Callable[..., Client], success: str
) -> HttpResponse:
    client = client_get(firm=request.firm, pk=pk)
    try:
        change(client=client, acting_user=request.user)
    except ClientError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success.format(client=client))
    return redirect("clients:detail", client.pk)


def _list_render(
    request: HttpRequest,
    form: ClientListForm,
    clients: QuerySet[Client],
    *,
    sort: str,
    template: str,
    results_template: str,
    results_id: str,
) -> HttpResponse:
    connections = list(active_connections(firm=request.firm))
    clients = clients_with_link_status(clients, connections=connections)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    if _wants_fragment(request, results_id):
        template = results_template
    return _render(
        request,
        template,
        form=form,
        page=page,
        sort=sort,
        sort_columns=_sort_columns(sort),
        results_id=results_id,
        connections=connections,
    )


def _sort_columns(sort: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the sort its header link asks for (the same column again reverses
    it) and its `aria-sort` state."""
    columns = {}
    for key in CLIENT_SORTS:
        # "updated" lists the most recently changed first; the others start from A.
        first = "descending" if key == "updated" else "ascending"
        other = "ascending" if first == "descending" else "descending"
        state = first if sort == key else other if sort == f"-{key}" else "none"
        columns[key] = {"next": f"-{key}" if sort == key else key, "state": state}
    return columns


def _relationships_render(
    request: HttpRequest, client: Client, form: RelationshipForm
) -> HttpResponse:
    # The add form carries the search too, so a refused add shows the same choices again.
    search = (request.GET.get("q") or request.POST.get("q") or "").strip()
    candidates = (
        relationship_candidates(client=client, search=search)[:CANDIDATES_SHOWN] if search else None
    )
    template = (
        "clients/_relationship_candidates.html"
        if _wants_fragment(request, "relationship-candidates")
        else "clients/client_relationships.html"
    )
    return _render(
        request,
        template,
        client=client,
        active_tab="relationships",
        relationships=client_relationships(client=client),
        form=form,
        search=search,
        candidates=candidates,
    )


def _wants_fragment(request: HttpRequest, target_id: str) -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target_id


def _form_initial(client: Client) -> dict[str, Any]:
    initial = model_to_dict(client)
    initial["phone"] = phone_display(client.phone)
    initial["mobile"] = phone_display(client.mobile)
    return initial
