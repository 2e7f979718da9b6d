from accounts.models import Firm
from integrations.connectors.aps.connector import ApsConnector
from integrations.models import Connection, ConnectionStatus


def aps_connection_get(*, firm: Firm) -> Connection | None:
    """The firm's active APS connection, which its agent sends clients to."""
    return Connection.objects.filter(
        firm=firm, provider=ApsConnector.key, status=ConnectionStatus.ACTIVE
    ).first()
