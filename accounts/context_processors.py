from django.http import HttpRequest


def firm(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "firm": getattr(request, "firm", None),
        "membership": membership,
        "is_firm_admin": bool(membership and membership.is_admin),
    }
