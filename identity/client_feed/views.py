from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from identity.client_feed import CONTRACT_PATH


@require_safe
def contract(request: HttpRequest) -> HttpResponse:
    """The client-feed contract, public: suppliers read it before they have an account."""
    return HttpResponse(
        CONTRACT_PATH.read_bytes(),
        content_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="client-feed.openapi.yaml"'},
    )
