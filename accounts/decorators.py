"""Access rules for firm pages: a firm member for every page, a firm administrator for some."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def firm_member_required(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.firm is None:
            raise PermissionDenied("This account does not belong to a firm.")
        return view(request, *args, **kwargs)

    return wrapper


def firm_admin_required(view: View) -> View:
    @firm_member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.membership.is_admin:
            raise PermissionDenied("Only a firm administrator can do this.")
        return view(request, *args, **kwargs)

    return wrapper
