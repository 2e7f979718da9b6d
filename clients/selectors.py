from django.shortcuts import get_object_or_404

from accounts.models import Firm
from clients.models import Client


def client_get(*, firm: Firm, pk: int) -> Client:
    """The firm's client, or 404: another firm's client is indistinguishable from none."""
    return get_object_or_404(Client, firm=firm, pk=pk)
