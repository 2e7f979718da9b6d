"""A CMS connecting and disconnecting its accounts, after a person of the firm authorised it.

The CMS calls Tandem with the access token it got from Tandem's authorisation flow: the token's
user says which firm, the token's application which supplier. Connecting an account again
brings its connection back, with its links and sync history.
"""

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Membership, User
from integrations.connectors.cms.exceptions import CmsAccountRefused
from integrations.connectors.cms.selectors import PROVIDER, cms_account_key
from integrations.models import Connection, ConnectionStatus
from integrations.services import connection_disconnect

_EXTERNAL_ACCOUNT_ID_LENGTH = Connection._meta.get_field("external_account_id").max_length
_ACCOUNT_NAME_LENGTH = 200


def _admin_membership(user: User) -> Membership:
    membership = Membership.objects.select_related("firm").filter(user=user).first()
    if membership is None or not user.is_active:
        raise CmsAccountRefused(
            "The person who authorised this CMS is not a member of a firm in Tandem.",
            code="forbidden",
        )
    if not membership.is_admin:
        raise CmsAccountRefused(
            "Only a firm administrator can connect a CMS account to Tandem; ask one to connect it.",
            code="forbidden",
        )
    return membership


@transaction.atomic
def cms_account_connect(
    *, application, acting_user: User, account_id: str, account_name: str
) -> tuple[Connection, bool]:
    """Connect the CMS account `account_id` of `application`'s supplier to the acting user's
    firm, or bring its connection back to Active with the name the CMS gives it now.

    Returns the connection and whether it was connected just now (False: it already was, so a
    CMS retrying its call changes nothing but the name).
    """
    firm = _admin_membership(acting_user).firm
    account_id, account_name = account_id.strip(), account_name.strip()
    # The connection holds "<client id>:<account id>" in a column of limited length.
    longest = _EXTERNAL_ACCOUNT_ID_LENGTH - len(application.client_id) - 1
    if not account_id or len(account_id) > longest:
        raise CmsAccountRefused(
            f"account_id: give the account's id, 1 to {longest} characters.",
            field="account_id",
            code="invalid_request",
        )
    if not account_name or len(account_name) > _ACCOUNT_NAME_LENGTH:
        raise CmsAccountRefused(
            f"account_name: give the name people know the account by, 1 to "
            f"{_ACCOUNT_NAME_LENGTH} characters.",
            field="account_name",
            code="invalid_request",
        )
    external_account_id = cms_account_key(client_id=application.client_id, account_id=account_id)
    connection = (
        Connection.objects.select_for_update()
        .filter(firm=firm, provider=PROVIDER, external_account_id=external_account_id)
        .first()
    )
    if connection is not None and connection.is_active:
        if connection.external_account_name != account_name:
            audit_record(
                firm=firm,
                actor=acting_user,
                action="connection.rename",
                target=connection,
                changes={"account": [connection.external_account_name, account_name]},
            )
            connection.external_account_name = account_name
            connection.full_clean()
            connection.save(update_fields=["external_account_name"])
        return connection, False
    before = connection.status if connection else None
    if connection is None:
        connection = Connection(
            firm=firm, provider=PROVIDER, external_account_id=external_account_id
        )
    connection.external_account_name = account_name
    connection.status = ConnectionStatus.ACTIVE
    connection.connected_by = acting_user
    connection.connected_at = timezone.now()
    connection.last_error = ""
    connection.last_error_at = None
    connection.full_clean()
    connection.save()
    audit_record(
        firm=firm,
        actor=acting_user,
        action="connection.connect" if before is None else "connection.reauthorise",
        target=connection,
        changes={
            "supplier": application.name,
            "account": account_name,
            "status": [before, connection.status],
        },
    )
    return connection, True


def cms_account_disconnect(*, application, acting_user: User, account_id: str) -> Connection:
    """The CMS stopped syncing `account_id`: its connection is Disconnected, links kept."""
    firm = _admin_membership(acting_user).firm
    connection = Connection.objects.filter(
        firm=firm,
        provider=PROVIDER,
        external_account_id=cms_account_key(client_id=application.client_id, account_id=account_id),
    ).first()
    if connection is None or connection.status == ConnectionStatus.DISCONNECTED:
        raise CmsAccountRefused(
            "This account is not connected to Tandem.", field="account_id", code="not_found"
        )
    return connection_disconnect(connection=connection, acting_user=acting_user)
