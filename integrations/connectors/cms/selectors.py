"""Reads about CMS connections: which firm's accounts are connected, and through which supplier.

A CMS connection is an `integrations.Connection` with provider "cms" whose external account id
is "<client id of the supplier's OAuth application>:<account id in the CMS>", so one firm may
connect several accounts of several suppliers.
"""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from oauth2_provider.models import get_application_model

from accounts.models import Firm
from integrations.models import Connection, ConnectionStatus

PROVIDER = "cms"


def cms_account_key(*, client_id: str, account_id: str) -> str:
    """The external account id of the connection to `account_id` through that application."""
    return f"{client_id}:{account_id}"


def cms_account_split(connection: Connection) -> tuple[str, str]:
    """(client id of the supplier's application, account id in the CMS) of `connection`."""
    client_id, _, account_id = connection.external_account_id.partition(":")
    return client_id, account_id


def cms_connection_list(*, firm: Firm) -> QuerySet[Connection]:
    return Connection.objects.filter(firm=firm, provider=PROVIDER).select_related("connected_by")


def cms_connection_active_list(*, firm: Firm) -> QuerySet[Connection]:
    return cms_connection_list(firm=firm).filter(status=ConnectionStatus.ACTIVE)


def cms_connection_get(*, firm: Firm, pk: int, active_only: bool = False) -> Connection:
    """The firm's CMS connection, or 404 (another firm's is indistinguishable from none)."""
    connections = (
        cms_connection_active_list(firm=firm) if active_only else cms_connection_list(firm=firm)
    )
    return get_object_or_404(connections, pk=pk)


def cms_application_get(*, connection: Connection):
    """The supplier's OAuth application `connection` was made through; None once removed."""
    client_id, _ = cms_account_split(connection)
    return get_application_model().objects.filter(client_id=client_id).first()


def cms_applications_by_connection(connections: Iterable[Connection]) -> dict[int, object]:
    """Connection pk -> its supplier's application (absent once removed), in one query."""
    client_id_of = {connection.pk: cms_account_split(connection)[0] for connection in connections}
    applications = get_application_model().objects.in_bulk(
        set(client_id_of.values()), field_name="client_id"
    )
    return {
        pk: applications[client_id]
        for pk, client_id in client_id_of.items()
        if client_id in applications
    }
