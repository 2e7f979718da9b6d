"""APS on Tandem's pages: activating it, setting up the agent, and approving its sign-in."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import firm_admin_required
from integrations.connectors.aps.exceptions import ApsError
from integrations.connectors.aps.forms import DeviceApprovalForm
from integrations.connectors.aps.selectors import aps_connection_get
from integrations.connectors.aps.services import agent_device_approve, aps_activate


@firm_admin_required
@require_POST
def activate_view(request: HttpRequest) -> HttpResponse:
    aps_activate(firm=request.firm, acting_user=request.user)
    messages.success(
        request, "APS is activated. Install the Tandem sync agent at your practice to send it."
    )
    return redirect("aps:setup")


@firm_admin_required
def setup_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/aps_setup.html",
        {
            "nav": "addons",
            "connection": aps_connection_get(firm=request.firm),
            "server_url": request.build_absolute_uri("/").rstrip("/"),
        },
    )


@firm_admin_required
def device_view(request: HttpRequest) -> HttpResponse:
    """Where a firm administrator types the code the agent shows, and approves its sign-in."""
    form = DeviceApprovalForm(
        request.POST or None, initial={"user_code": request.GET.get("user_code", "")}
    )
    if form.is_valid():
        approve = "deny" not in request.POST
        try:
            agent_device_approve(
                firm=request.firm,
                acting_user=request.user,
                user_code=form.cleaned_data["user_code"],
                approve=approve,
            )
        except ApsError as error:
            form.add_error("user_code" if error.field else None, error.message)
        else:
            if approve:
                messages.success(
                    request,
                    "The Tandem sync agent is signed in: it sends your APS clients to Tandem now.",
                )
            else:
                messages.info(request, "The agent's sign-in was denied: it cannot send anything.")
            return redirect("aps:setup")
    return render(request, "integrations/aps_device.html", {"nav": "addons", "form": form})
