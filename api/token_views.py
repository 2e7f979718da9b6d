"""The API tokens page under the account menu: a person makes tokens for their own scripts
(each shown once, since only its hash is kept) and revokes them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import firm_member_required
from api.exceptions import TokenStateError
from api.forms import PersonalAccessTokenForm
from api.selectors import personal_access_token_get, personal_access_tokens_for_user
from api.services import NewToken, personal_access_token_create, personal_access_token_revoke


@firm_member_required
def token_list_view(request: HttpRequest) -> HttpResponse:
    form = PersonalAccessTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = personal_access_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
            )
        except (ValidationError, TokenStateError) as error:
            form.add_error(None, error.message if isinstance(error, TokenStateError) else error)
        else:
            # Rendered, not redirected: the secret must not travel through the session.
            return _render(request, PersonalAccessTokenForm(), new=new)
    return _render(request, form)


@firm_member_required
@require_POST
def token_revoke_view(request: HttpRequest, token_pk: int) -> HttpResponse:
    token = personal_access_token_get(user=request.user, pk=token_pk)
    try:
        personal_access_token_revoke(token=token, acting_user=request.user)
    except TokenStateError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Revoked {token.name}: it no longer works.")
    return redirect("api_tokens:list")


def _render(
    request: HttpRequest, form: PersonalAccessTokenForm, *, new: NewToken | None = None
) -> HttpResponse:
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "new": new,
            "tokens": personal_access_tokens_for_user(user=request.user),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
