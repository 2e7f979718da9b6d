from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Firm
from integrations.models import Connection, ConnectionStatus


def connection_list(*, firm: Firm) -> QuerySet[Connection]:
    return Connection.objects.filter(firm=firm).select_related("connected_by")


def connection_get(*, firm: Firm, pk: int) -> Connection:
    """The firm's connection, or 404: another firm's connection is indistinguishable from none."""
    return get_object_or_404(Connection, firm=firm, pk=pk)


def connection_reauthorisation_list(
    *, firm: Firm, provider: str | None = None
) -> QuerySet[Connection]:
    """Connections whose authorisation expired or was revoked: someone must Reauthorise."""
    connections = connection_list(firm=firm).filter(status=ConnectionStatus.NEEDS_REAUTHORISATION)
    return connections.filter(provider=provider) if provider else connections
