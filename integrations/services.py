"""Connecting, reauthorising and disconnecting add-ons, and keeping their tokens fresh.

Authorising is a round trip through the provider's sign-in page, so its state lives in the
person's session between the steps: the OAuth `state` and PKCE verifier while they are away, then
(encrypted) the tokens while they choose an account when the authorisation reaches several.
"""

import json
import logging
import secrets
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Firm, User
from integrations import crypto
from integrations.connectors.registry import connector_class
from integrations.exceptions import (
    AuthorisationExpired,
    AuthorisationFailed,
    IntegrationError,
    ProviderError,
)
from integrations.models import Connection, ConnectionStatus, Credential
from integrations.oauth import ExternalAccount, OAuthClient, TokenSet, pkce_pair

logger = logging.getLogger(__name__)

# Refresh this long before the access token expires, so a call never leaves with a token that
# dies on the way.
ACCESS_TOKEN_MARGIN = timedelta(minutes=2)
AUTHORISATION_SESSION_KEY = "integrations.authorisation"
ACCOUNT_CHOICE_SESSION_KEY = "integrations.account_choice"
AUTHORISATION_MAX_SECONDS = 15 * 60

Session = MutableMapping[str, Any]


# Authorising ---------------------------------------------------------------------------------
def connection_authorise_start(
    *,
    session: Session,
    firm: Firm,
    acting_user: User,
    provider: str,
    redirect_uri: str,
    connection: Connection | None = None,
) -> str:
    """The provider's sign-in URL to send the person to; `connection` when reauthorising it."""
    oauth = _oauth_client(provider)
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair()
    session.pop(ACCOUNT_CHOICE_SESSION_KEY, None)
    session[AUTHORISATION_SESSION_KEY] = {
        "provider": provider,
        "state": state,
        "code_verifier": verifier,
        "redirect_uri": redirect_uri,
        "firm_id": firm.pk,
        "user_id": acting_user.pk,
        "connection_id": connection.pk if connection else None,
        "started_at": time.time(),
    }
    return oauth.authorize_url(redirect_uri=redirect_uri, state=state, code_challenge=challenge)


def connection_reauthorise_start(
    *, session: Session, connection: Connection, acting_user: User, redirect_uri: str
) -> str:
    return connection_authorise_start(
        session=session,
        firm=connection.firm,
        acting_user=acting_user,
        provider=connection.provider,
        redirect_uri=redirect_uri,
        connection=connection,
    )


def connection_authorise_complete(
    *,
    session: Session,
    firm: Firm,
    acting_user: User,
    provider: str,
    params: Mapping[str, str],
) -> Connection | list[ExternalAccount]:
    """Finish the authorisation the provider sent the person back from (`params` is the query).

    Returns the connection, or the accounts to choose from when the authorisation reaches
    several; `connection_account_select` then takes the choice.
    """
    pending = session.pop(AUTHORISATION_SESSION_KEY, None)
    name = connector_class(provider).display_name
    if (
        not pending
        or pending["provider"] != provider
        or pending["firm_id"] != firm.pk
        or pending["user_id"] != acting_user.pk
        or not secrets.compare_digest(str(params.get("state", "")), pending["state"])
    ):
        raise AuthorisationFailed(
            f"Tandem could not match this answer from {name} to an authorisation started in "
            "this browser, so nothing was connected. Please start again from Add add-on."
        )
    if time.time() - pending["started_at"] > AUTHORISATION_MAX_SECONDS:
        raise AuthorisationFailed(
            f"The authorisation took longer than {AUTHORISATION_MAX_SECONDS // 60} minutes, so "
            "nothing was connected. Please start again."
        )
    if params.get("error"):
        if params["error"] == "access_denied":
            raise AuthorisationFailed(
                f"Access to {name} was not allowed, so nothing was connected."
            )
        detail = params.get("error_description") or params["error"]
        raise AuthorisationFailed(f"{name} did not authorise Tandem ({detail}).")
    if not params.get("code"):
        raise AuthorisationFailed(f"{name} sent no authorisation code. Please start again.")

    oauth = _oauth_client(provider)
    try:
        tokens = oauth.exchange_code(
            code=params["code"],
            redirect_uri=pending["redirect_uri"],
            code_verifier=pending["code_verifier"],
        )
        accounts = _accounts(oauth, tokens, name)
    finally:
        oauth.close()

    if pending["connection_id"] is not None:
        connection = Connection.objects.get(pk=pending["connection_id"], firm=firm)
        account = next((a for a in accounts if a.id == connection.external_account_id), None)
        if account is None:
            raise AuthorisationFailed(
                f"That authorisation does not include {connection.external_account_name}. "
                f"Reauthorise again and allow access to {connection.external_account_name}."
            )
        return _connection_save(
            firm=firm, acting_user=acting_user, provider=provider, account=account, tokens=tokens
        )
    if len(accounts) == 1:
        return _connection_save(
            firm=firm,
            acting_user=acting_user,
            provider=provider,
            account=accounts[0],
            tokens=tokens,
        )
    session[ACCOUNT_CHOICE_SESSION_KEY] = {
        "provider": provider,
        "firm_id": firm.pk,
        "user_id": acting_user.pk,
        "accounts": [asdict(account) for account in accounts],
        "tokens": crypto.encrypt(
            json.dumps(
                {
                    "access_token": tokens.access_token,
                    "refresh_token": tokens.refresh_token,
                    "expires_at": tokens.expires_at.isoformat(),
                }
            )
        ),
    }
    return accounts


def connection_account_choices(
    *, session: Session, firm: Firm, acting_user: User, provider: str
) -> list[ExternalAccount]:
    """The accounts waiting for this person to choose one; empty when nothing is waiting."""
    choice = session.get(ACCOUNT_CHOICE_SESSION_KEY)
    if (
        not choice
        or choice["provider"] != provider
        or choice["firm_id"] != firm.pk
        or choice["user_id"] != acting_user.pk
    ):
        return []
    return [ExternalAccount(**account) for account in choice["accounts"]]


def connection_account_select(
    *, session: Session, firm: Firm, acting_user: User, provider: str, account_id: str
) -> Connection:
    accounts = connection_account_choices(
        session=session, firm=firm, acting_user=acting_user, provider=provider
    )
    account = next((a for a in accounts if a.id == account_id), None)
    if account is None:
        raise AuthorisationFailed(
            "That account is not one this authorisation reaches. Please start again.",
            field="account",
        )
    stored = json.loads(crypto.decrypt(session.pop(ACCOUNT_CHOICE_SESSION_KEY)["tokens"]))
    tokens = TokenSet(
        access_token=stored["access_token"],
        refresh_token=stored["refresh_token"],
        expires_at=datetime.fromisoformat(stored["expires_at"]),
    )
    return _connection_save(
        firm=firm, acting_user=acting_user, provider=provider, account=account, tokens=tokens
    )


@transaction.atomic
def _connection_save(
    *, firm: Firm, acting_user: User, provider: str, account: ExternalAccount, tokens: TokenSet
) -> Connection:
    """Connect `account`, or bring its existing connection back to Active with new tokens."""
    connection = (
        Connection.objects.select_for_update()
        .filter(firm=firm, provider=provider, external_account_id=account.id)
        .first()
    )
    before = connection.status if connection else None
    if connection is None:
        connection = Connection(firm=firm, provider=provider, external_account_id=account.id)
    connection.external_account_name = account.name
    connection.provider_connection_id = account.provider_connection_id
    connection.status = ConnectionStatus.ACTIVE
    connection.connected_by = acting_user
    connection.connected_at = timezone.now()
    connection.last_error = ""
    connection.last_error_at = None
    connection.full_clean()
    connection.save()
    credential = Credential(
        connection=connection,
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        access_token_expires_at=tokens.expires_at,
        refreshed_at=timezone.now(),
    )
    # The connection is the primary key: validating its uniqueness would refuse the update.
    credential.full_clean(exclude=["connection"])
    credential.save()
    audit_record(
        firm=firm,
        actor=acting_user,
        action="connection.connect" if before is None else "connection.reauthorise",
        target=connection,
        changes={"account": account.name, "status": [before, connection.status]},
    )
    return connection


def connection_disconnect(*, connection: Connection, acting_user: User) -> Connection:
    """Stop using the connection: revoke it at the provider if it still answers, forget the
    tokens, keep the row (and every link to it) as Disconnected."""
    _revoke_at_provider(connection)
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection.pk)
        before = connection.status
        Credential.objects.filter(connection=connection).delete()
        connection.status = ConnectionStatus.DISCONNECTED
        connection.last_error = ""
        connection.last_error_at = None
        connection.save(update_fields=["status", "last_error", "last_error_at"])
        audit_record(
            firm=connection.firm,
            actor=acting_user,
            action="connection.disconnect",
            target=connection,
            changes={"status": [before, connection.status]},
        )
    return connection


def _revoke_at_provider(connection: Connection) -> None:
    if not connection.is_active or not connection.provider_connection_id:
        return
    oauth = connector_class(connection.provider).oauth_client()
    if oauth is None:
        return
    try:
        credential = connection_access_token(connection=connection)
        oauth.account_revoke(
            access_token=credential.access_token,
            provider_connection_id=connection.provider_connection_id,
        )
    except IntegrationError as error:
        # Disconnecting must work even when the provider does not answer: Tandem forgets the
        # tokens either way, and the practice can remove the app at the provider too.
        logger.warning("Could not revoke %s at the provider: %s", connection, error.message)
    finally:
        oauth.close()


# Tokens --------------------------------------------------------------------------------------
def connection_access_token(*, connection: Connection, rejected: str | None = None) -> Credential:
    """The connection's credential with an access token good for a while yet.

    `rejected` is an access token the provider just refused: a fresh one is fetched unless
    another caller already replaced it.
    """
    credential = Credential.objects.filter(pk=connection.pk).first()
    if credential is None:
        raise AuthorisationExpired(connector_class(connection.provider).short_name)
    if credential.access_token != rejected and not credential.expires_within(ACCESS_TOKEN_MARGIN):
        return credential
    return connection_credential_refresh(connection=connection, rejected=rejected)


def connection_credential_refresh(
    *, connection: Connection, rejected: str | None = None
) -> Credential:
    """Refresh the tokens: exactly once however many callers need it at the same moment.

    Callers queue on the credential's row lock (on SQLite, IMMEDIATE transactions queue all
    writers), and each re-checks after the wait, so only the first one calls the provider and
    the rest use its tokens. The refresh token rotates: the new one is saved before the lock
    goes, so nobody ever sends a spent one.
    """
    oauth = _oauth_client(connection.provider)
    try:
        with transaction.atomic():
            credential = (
                Credential.objects.select_for_update()
                .select_related("connection")
                .filter(pk=connection.pk)
                .first()
            )
            if credential is None or credential.connection.status != ConnectionStatus.ACTIVE:
                raise AuthorisationExpired(oauth.provider)
            fresh = not credential.expires_within(ACCESS_TOKEN_MARGIN)
            if fresh and credential.access_token != rejected:
                return credential
            tokens = oauth.refresh(credential.refresh_token)
            credential.access_token = tokens.access_token
            credential.refresh_token = tokens.refresh_token
            credential.access_token_expires_at = tokens.expires_at
            credential.refreshed_at = timezone.now()
            credential.save()
            return credential
    except AuthorisationExpired as error:
        connection_problem_record(connection=connection, error=error)
        raise
    finally:
        oauth.close()


# Problems ------------------------------------------------------------------------------------
def connection_problem_record(*, connection: Connection, error: ProviderError) -> None:
    """Show `error` on the connection; an expired authorisation also needs reauthorising."""
    now = timezone.now()
    rows = Connection.objects.filter(pk=connection.pk)
    with transaction.atomic():
        expired = isinstance(error, AuthorisationExpired) and bool(
            rows.filter(status=ConnectionStatus.ACTIVE).update(
                status=ConnectionStatus.NEEDS_REAUTHORISATION
            )
        )
        rows.update(last_error=error.message, last_error_at=now)
        if expired:
            connection.status = ConnectionStatus.NEEDS_REAUTHORISATION
            audit_record(
                firm=connection.firm,
                actor=None,
                action="connection.authorisation_expired",
                target=connection,
                changes={"status": [ConnectionStatus.ACTIVE, connection.status]},
            )
    connection.last_error, connection.last_error_at = error.message, now


def connection_problem_clear(*, connection: Connection) -> None:
    Connection.objects.filter(pk=connection.pk).update(last_error="", last_error_at=None)
    connection.last_error, connection.last_error_at = "", None


def _oauth_client(provider: str) -> OAuthClient:
    oauth = connector_class(provider).oauth_client()
    if oauth is None:
        raise AuthorisationFailed(
            f"{connector_class(provider).display_name} is not connected through a sign-in page."
        )
    return oauth


def _accounts(oauth: OAuthClient, tokens: TokenSet, name: str) -> list[ExternalAccount]:
    try:
        accounts = oauth.accounts(tokens.access_token)
    except ProviderError as error:
        raise AuthorisationFailed(
            f"{name} did not say which organisations Tandem may use: {error.message} "
            "Nothing was connected; please start again."
        ) from error
    if not accounts:
        raise AuthorisationFailed(
            f"No {name} organisation was allowed, so nothing was connected. Allow access to at "
            "least one."
        )
    return accounts
