from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import LoginView, LogoutView
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import services
from accounts.decorators import firm_admin_required
from accounts.exceptions import AccountsError, InvitationUnusable
from accounts.forms import (
    AuditFilterForm,
    EmailAuthenticationForm,
    InvitationAcceptForm,
    InvitationCreateForm,
    RoleForm,
    UserAddForm,
)
from accounts.models import AuditEvent, Membership, Role
from accounts.selectors import (
    audit_event_list,
    invitation_get,
    invitation_open_list,
    invitation_usable_get,
    member_list,
    membership_get,
)

AUDIT_PAGE_SIZE = 50

login_view = LoginView.as_view(
    template_name="accounts/login.html",
    authentication_form=EmailAuthenticationForm,
    redirect_authenticated_user=True,
)
logout_view = LogoutView.as_view()


@firm_admin_required
def users(request: HttpRequest) -> HttpResponse:
    return _users_page(request)


@firm_admin_required
@require_POST
def user_add(request: HttpRequest) -> HttpResponse:
    form = UserAddForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            user = services.user_add(
                firm=request.firm, acting_user=request.user, **form.cleaned_data
            )
        except AccountsError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"{user} can now log in with {user.email}.")
            return redirect("accounts:users")
    return _users_page(request, add_form=form)


@firm_admin_required
@require_POST
def invitation_create(request: HttpRequest) -> HttpResponse:
    form = InvitationCreateForm(request.POST, prefix="invite")
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                firm=request.firm, acting_user=request.user, **form.cleaned_data
            )
        except AccountsError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"An invitation is on its way to {invitation.email}.")
            return redirect("accounts:users")
    return _users_page(request, invite_form=form)


@firm_admin_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = invitation_get(firm=request.firm, pk=pk)
    try:
        services.invitation_revoke(
            firm=request.firm, acting_user=request.user, invitation=invitation
        )
    except AccountsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("accounts:users")


@firm_admin_required
@require_POST
def membership_role_change(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_get(firm=request.firm, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        return _member_row_response(request, membership, error=form.errors["role"][0])
    try:
        membership = services.membership_role_change(
            firm=request.firm,
            acting_user=request.user,
            membership=membership,
            role=form.cleaned_data["role"],
        )
    except AccountsError as error:
        return _member_row_response(request, membership, error=error.message)
    notice = f"{membership.user} is now {membership.get_role_display().lower()}."
    if membership.user == request.user and not membership.is_admin:
        # They have just given up the right to see this page.
        messages.success(request, notice)
        home = resolve_url(settings.LOGIN_REDIRECT_URL)
        return HttpResponseClientRedirect(home) if request.htmx else redirect(home)
    return _member_row_response(request, membership, notice=notice)


@firm_admin_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_get(firm=request.firm, pk=pk)
    try:
        services.user_deactivate(firm=request.firm, acting_user=request.user, user=membership.user)
    except AccountsError as error:
        return _member_row_response(request, membership, error=error.message)
    return _member_row_response(
        request, membership, notice=f"{membership.user} can no longer log in."
    )


@firm_admin_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = membership_get(firm=request.firm, pk=pk)
    try:
        services.user_reactivate(firm=request.firm, acting_user=request.user, user=membership.user)
    except AccountsError as error:
        return _member_row_response(request, membership, error=error.message)
    return _member_row_response(request, membership, notice=f"{membership.user} can log in again.")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_usable_get(token=token)
    except InvitationUnusable as error:
        return _invitation_unusable(request, error)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password"],
            )
        except InvitationUnusable as error:
            return _invitation_unusable(request, error)
        except AccountsError as error:
            _form_error(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {invitation.firm}.")
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request, "accounts/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@firm_admin_required
def audit(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, firm=request.firm)
    if form.is_valid():
        events = audit_event_list(firm=request.firm, filters=form.filters())
    else:
        # A filter that cannot apply (an edited or stale link) shows nothing rather than all.
        events = AuditEvent.objects.none()
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"nav": "audit", "form": form, "page": page})


def _users_page(
    request: HttpRequest,
    *,
    add_form: UserAddForm | None = None,
    invite_form: InvitationCreateForm | None = None,
) -> HttpResponse:
    context = {
        "nav": "users",
        "members": member_list(firm=request.firm),
        "invitations": invitation_open_list(firm=request.firm),
        "add_form": add_form or UserAddForm(prefix="add"),
        "invite_form": invite_form or InvitationCreateForm(prefix="invite"),
        "role_choices": Role.choices,
        "invitation_lifetime": services.INVITATION_LIFETIME,
    }
    return render(request, "accounts/users.html", context)


def _member_row_response(
    request: HttpRequest, membership: Membership, *, error: str = "", notice: str = ""
) -> HttpResponse:
    """With htmx, the member's table row afresh (with the outcome); otherwise back to the page."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, notice)
        return redirect("accounts:users")
    context = {
        "member": membership_get(firm=request.firm, pk=membership.pk),
        "role_choices": Role.choices,
        "row_error": error,
        "row_notice": notice,
    }
    return render(request, "accounts/_member_row.html", context)


def _invitation_unusable(request: HttpRequest, error: InvitationUnusable) -> HttpResponse:
    status = 404 if error.code == "invitation_unknown" else 410
    return render(request, "accounts/invitation_unusable.html", {"error": error}, status=status)


def _form_error(form: Form, error: AccountsError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)
