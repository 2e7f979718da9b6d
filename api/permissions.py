from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import ApiCredential

if TYPE_CHECKING:
    # Not imported at run time: DRF imports these classes while `rest_framework.views` loads.
    from rest_framework.views import APIView


class TokenRequired(BasePermission):
    """A personal access token or an OAuth access token; the browser's session is not one."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        return isinstance(request.auth, ApiCredential)


class ScopeRequired(BasePermission):
    """The scope the view asks for this method (`view.required_scope(method)`)."""

    def has_permission(self, request: Request, view: "APIView") -> bool:
        if not hasattr(view, "required_scope"):
            raise ImproperlyConfigured(
                f"{type(view).__name__} must say which scope each method needs: "
                "derive it from api.views.FirmApiView or define required_scope(method)."
            )
        scope = view.required_scope(request.method)
        if scope not in request.auth.scopes:
            raise exceptions.PermissionDenied(
                f"This token lacks the {scope} scope, which this call needs.",
                code="insufficient_scope",
            )
        return True


class CredentialRateThrottle(SimpleRateThrottle):
    """TANDEM_API_RATE per token (per application and user for OAuth, whose tokens rotate).

    Counts live in Django's cache: with several web processes, give them a shared cache.
    """

    scope = "credential"

    def get_rate(self) -> str:
        return settings.TANDEM_API_RATE

    def get_cache_key(self, request: Request, view: "APIView") -> str | None:
        if not isinstance(request.auth, ApiCredential):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key}
