"""Suggested links of one Practice Management connection: accept a row with Link, or tick
many and Link selected; each row says what became of it."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.decorators import firm_member_required
from integrations.directory import directory_refresh_if_stale
from integrations.exceptions import IntegrationError
from sync.forms import SuggestionsAcceptForm
from sync.selectors import active_connections
from sync.suggestions import link_suggestions, link_suggestions_accept

PAGE_SIZE = 50


@firm_member_required
def suggested_links_view(request: HttpRequest, connection_pk: int) -> HttpResponse:
    connection = get_object_or_404(active_connections(firm=request.firm), pk=connection_pk)
    outcomes = []
    form = SuggestionsAcceptForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        outcomes = link_suggestions_accept(
            firm=request.firm,
            connection=connection,
            accepted=form.cleaned_data["accepted"],
            acting_user=request.user,
        )
        if request.htmx and form.cleaned_data["one"]:
            return render(request, "sync/_suggestion_outcome_row.html", {"outcome": outcomes[0]})
    problem = ""
    try:
        directory_refresh_if_stale(connection=connection)
    except IntegrationError as error:
        problem = error.message
    suggestions = link_suggestions(firm=request.firm, connection=connection)
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sync/suggested_links.html",
        {
            "nav": "clients",
            "connection": connection,
            "page": page,
            "form": form,
            "outcomes": outcomes,
            "problem": problem,
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
