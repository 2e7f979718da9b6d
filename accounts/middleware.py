from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from accounts.models import Membership


class FirmMiddleware:
    """Resolves the signed-in user's firm once per request as `request.firm`.

    Views and services receive the firm explicitly from here; nothing reads it from a global.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None
        request.firm = None
        if request.user.is_authenticated:
            membership = Membership.objects.select_related("firm").filter(user=request.user).first()
            if membership is not None:
                request.membership = membership
                request.firm = membership.firm
        return self.get_response(request)
