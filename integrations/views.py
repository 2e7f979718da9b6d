from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import firm_admin_required, firm_member_required
from integrations import services
from integrations.connectors.base import Connector
from integrations.connectors.registry import connector_class, provider_keys
from integrations.exceptions import IntegrationError, UnknownProvider
from integrations.forms import AccountChoiceForm
from integrations.models import Connection
from integrations.selectors import connection_get, connection_list


@firm_member_required
def addon_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/addon_list.html",
        {"connections": connection_list(firm=request.firm), "nav": "addons"},
    )


@firm_admin_required
def addon_add(request: HttpRequest) -> HttpResponse:
    providers = [connector_class(key) for key in provider_keys()]
    return render(request, "integrations/addon_add.html", {"providers": providers, "nav": "addons"})


@firm_admin_required
@require_POST
def addon_connect(request: HttpRequest, provider: str) -> HttpResponse:
    _provider_or_404(provider)
    try:
        url = services.connection_authorise_start(
            session=request.session,
            firm=request.firm,
            acting_user=request.user,
            provider=provider,
            redirect_uri=_callback_uri(request, provider),
        )
    except IntegrationError as error:
        return _back_to_addons(request, error)
    return redirect(url)


@firm_admin_required
def authorise_callback(request: HttpRequest, provider: str) -> HttpResponse:
    try:
        outcome = services.connection_authorise_complete(
            session=request.session,
            firm=request.firm,
            acting_user=request.user,
            provider=provider,
            params=request.GET,
        )
    except IntegrationError as error:
        return _back_to_addons(request, error)
    if isinstance(outcome, Connection):
        return _connected(request, outcome)
    return redirect("integrations:select_account", provider=provider)


@firm_admin_required
def account_select(request: HttpRequest, provider: str) -> HttpResponse:
    connector = _provider_or_404(provider)
    accounts = services.connection_account_choices(
        session=request.session, firm=request.firm, acting_user=request.user, provider=provider
    )
    if not accounts:
        messages.info(request, "No authorisation is waiting for an account to be chosen.")
        return redirect("integrations:addons")
    form = AccountChoiceForm(request.POST if request.method == "POST" else None, accounts=accounts)
    if form.is_valid():
        try:
            connection = services.connection_account_select(
                session=request.session,
                firm=request.firm,
                acting_user=request.user,
                provider=provider,
                account_id=form.cleaned_data["account"],
            )
        except IntegrationError as error:
            return _back_to_addons(request, error)
        return _connected(request, connection)
    return render(
        request,
        "integrations/account_select.html",
        {"form": form, "connector": connector, "nav": "addons"},
    )


@firm_admin_required
@require_POST
def connection_reauthorise(request: HttpRequest, pk: int) -> HttpResponse:
    connection = connection_get(firm=request.firm, pk=pk)
    try:
        url = services.connection_reauthorise_start(
            session=request.session,
            connection=connection,
            acting_user=request.user,
            redirect_uri=_callback_uri(request, connection.provider),
        )
    except IntegrationError as error:
        return _back_to_addons(request, error)
    return redirect(url)


@firm_admin_required
def connection_disconnect(request: HttpRequest, pk: int) -> HttpResponse:
    connection = connection_get(firm=request.firm, pk=pk)
    if request.method == "POST":
        services.connection_disconnect(connection=connection, acting_user=request.user)
        messages.success(
            request,
            f"{connection.provider_name} ({connection.external_account_name}) is disconnected. "
            "Its links and sync history are kept.",
        )
        return redirect("integrations:addons")
    return render(
        request,
        "integrations/connection_disconnect.html",
        {"connection": connection, "nav": "addons"},
    )


def _connected(request: HttpRequest, connection: Connection) -> HttpResponse:
    messages.success(
        request,
        f"{connection.provider_name} is connected to {connection.external_account_name}.",
    )
    return redirect("integrations:addons")


def _back_to_addons(request: HttpRequest, error: IntegrationError) -> HttpResponse:
    messages.error(request, error.message)
    return redirect("integrations:addons")


def _provider_or_404(provider: str) -> type[Connector]:
    try:
        return connector_class(provider)
    except UnknownProvider:
        raise Http404("No such add-on.") from None


def _callback_uri(request: HttpRequest, provider: str) -> str:
    return request.build_absolute_uri(reverse(f"integrations:{provider}_callback"))
