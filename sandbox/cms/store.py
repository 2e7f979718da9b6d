"""The CMS's data: users, accounts, their clients in feed order, and Tandem connections.

One lock guards everything; the sandbox serves a handful of accounts of a few dozen clients,
so simplicity wins over finer locking. Clients are kept sorted by (updated_at, id), the feed's
order, so a page is a bisect and a slice.
"""

import base64
import binascii
import bisect
import dataclasses
import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sandbox.xpm.clock import Clock

if TYPE_CHECKING:
    from sandbox.cms.tandem import TandemGrant

ADDRESS_PARTS = ("line1", "line2", "city", "region", "post_code", "country")
# The feed's Client fields besides id, kind, archived and updated_at, in contract order.
TEXT_FIELDS: tuple[str, ...] = (
    "display_name",
    "first_name",
    "middle_name",
    "last_name",
    "code",
    "email",
    "phone",
    "mobile",
    "website",
    *(f"physical_{part}" for part in ADDRESS_PARTS),
    *(f"postal_{part}" for part in ADDRESS_PARTS),
    "tax_number",
    "company_number",
)
KINDS = ("individual", "company", "trust", "partnership")
EDITABLE = frozenset({*TEXT_FIELDS, "kind", "date_of_birth"})
# A change never moves a client's updated_at backwards, even if the clock does.
TICK = timedelta(microseconds=1)


class StoreError(ValueError):
    """A change the CMS refuses: an unknown account, client or field, or a bad value."""


class PageTokenError(ValueError):
    """A page token this CMS never issued."""


@dataclass
class User:
    email: str
    password: str
    name: str
    account_ids: tuple[str, ...]


@dataclass
class Account:
    id: str
    name: str


@dataclass
class Client:
    id: str
    kind: str
    fields: dict[str, str]
    date_of_birth: str | None
    archived: bool
    updated_at: datetime

    @property
    def order_key(self) -> tuple[datetime, str]:
        return (self.updated_at, self.id)

    def record(self) -> dict:
        """The client as the feed's `Client` schema has it."""
        return {
            "id": self.id,
            "kind": self.kind,
            **{name: self.fields.get(name, "") for name in TEXT_FIELDS[:4]},
            "date_of_birth": self.date_of_birth,
            **{name: self.fields.get(name, "") for name in TEXT_FIELDS[4:]},
            "archived": self.archived,
            "updated_at": timestamp_format(self.updated_at),
        }


@dataclass
class Connection:
    """A CMS account connected to Tandem by the Tandem user `tandem_sub`."""

    account_id: str
    tandem_sub: str
    connection_id: str
    connected_by: str
    connected_at: datetime
    # The tokens to tell Tandem about a disconnect; None when recorded by a test hook.
    grant: "TandemGrant | None" = field(default=None, repr=False)


def timestamp_format(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def timestamp_parse(text: str) -> datetime:
    """An RFC 3339 instant; one without an offset is refused rather than guessed."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time.") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset; add Z or +HH:MM.")
    return moment


def page_token_encode(*, since: datetime | None, after: Client) -> str:
    position = {
        "s": timestamp_format(since) if since else None,
        "u": timestamp_format(after.updated_at),
        "i": after.id,
    }
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def page_token_decode(token: str) -> tuple[datetime | None, tuple[datetime, str]]:
    """(updated_since, the position after which the page starts) from a token."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        position = json.loads(raw)
        since = timestamp_parse(position["s"]) if position["s"] else None
        return since, (timestamp_parse(position["u"]), str(position["i"]))
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise PageTokenError("page_token is not one this feed issued.") from None


class CmsStore:
    def __init__(
        self,
        *,
        users: list[User],
        accounts: list[Account],
        clients: dict[str, list[Client]],
        clock: Clock,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.users = {user.email.lower(): user for user in users}
        self.accounts = {account.id: account for account in accounts}
        self._clients = {
            account_id: {c.id: c for c in found} for account_id, found in clients.items()
        }
        self._order = {
            account_id: sorted(c.order_key for c in found) for account_id, found in clients.items()
        }
        self.connections: dict[str, Connection] = {}

    # People

    def user_authenticate(self, email: str, password: str) -> User | None:
        user = self.users.get(email.strip().lower())
        return user if user is not None and user.password == password else None

    def user_get(self, email: str) -> User | None:
        return self.users.get(email.strip().lower())

    # Clients

    def clients(self, account_id: str) -> list[Client]:
        """The account's clients in feed order."""
        with self.lock:
            found = self._account_clients(account_id)
            return [found[client_id] for _, client_id in self._order[account_id]]

    def client_get(self, account_id: str, client_id: str) -> Client | None:
        with self.lock:
            return self._account_clients(account_id).get(client_id)

    def clients_page(
        self,
        account_id: str,
        *,
        since: datetime | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> tuple[list[Client], str | None]:
        """Up to `limit` clients after `after` updated at or after `since`, and the next token."""
        with self.lock:
            found = self._account_clients(account_id)
            order = self._order[account_id]
            # A token's position already lies at or after its `since`.
            if after is not None:
                start = bisect.bisect_right(order, after)
            elif since is not None:
                start = bisect.bisect_left(order, (since, ""))
            else:
                start = 0
            keys = order[start : start + limit + 1]
            page = [found[client_id] for _, client_id in keys[:limit]]
            more = len(keys) > limit
            token = page_token_encode(since=since, after=page[-1]) if more else None
            return page, token

    def client_add(self, account_id: str, *, kind: str, display_name: str, **fields) -> Client:
        with self.lock:
            self._account_clients(account_id)
            client = Client(
                id=str(uuid.uuid4()),
                kind=kind,
                fields={},
                date_of_birth=None,
                archived=False,
                updated_at=self._next_moment(account_id),
            )
            self._values_apply(client, {"kind": kind, "display_name": display_name, **fields})
            self._clients[account_id][client.id] = client
            bisect.insort(self._order[account_id], client.order_key)
            return client

    def client_update(self, account_id: str, client_id: str, **changes) -> Client:
        """Set the given fields and move the client's updated_at to now."""
        with self.lock:
            client = self._client(account_id, client_id)
            # Checked on a copy, so a refused change leaves the client as it was.
            checked = dataclasses.replace(client, fields=dict(client.fields))
            self._values_apply(checked, changes)
            return self._touch(
                account_id,
                client,
                {
                    "kind": checked.kind,
                    "fields": checked.fields,
                    "date_of_birth": checked.date_of_birth,
                },
            )

    def client_archive(self, account_id: str, client_id: str, *, archived: bool = True) -> Client:
        with self.lock:
            client = self._client(account_id, client_id)
            return self._touch(account_id, client, {"archived": archived})

    def _touch(self, account_id: str, client: Client, values: dict) -> Client:
        order = self._order[account_id]
        del order[bisect.bisect_left(order, client.order_key)]
        for name, value in values.items():
            setattr(client, name, value)
        client.updated_at = self._next_moment(account_id)
        bisect.insort(order, client.order_key)
        return client

    def _next_moment(self, account_id: str) -> datetime:
        now = datetime.fromtimestamp(self.clock(), UTC)
        order = self._order[account_id]
        return max(now, order[-1][0] + TICK) if order else now

    def _values_apply(self, client: Client, values: dict) -> None:
        unknown = set(values) - EDITABLE
        if unknown:
            raise StoreError(f"Not client fields: {', '.join(sorted(unknown))}.")
        for name, value in values.items():
            if name == "kind":
                if value not in KINDS:
                    raise StoreError(f"kind must be one of {', '.join(KINDS)}, not {value!r}.")
                client.kind = value
            elif name == "date_of_birth":
                if value is not None:
                    try:
                        date.fromisoformat(value)
                    except (TypeError, ValueError):
                        raise StoreError(f"date_of_birth {value!r} is not YYYY-MM-DD.") from None
                client.date_of_birth = value
            elif not isinstance(value, str):
                raise StoreError(f'{name} must be text; use "" for none.')
            else:
                client.fields[name] = value
        if not client.fields.get("display_name"):
            raise StoreError("display_name cannot be empty.")

    def _client(self, account_id: str, client_id: str) -> Client:
        client = self._account_clients(account_id).get(client_id)
        if client is None:
            raise StoreError(f"Account {account_id} has no client {client_id}.")
        return client

    def _account_clients(self, account_id: str) -> dict[str, Client]:
        if account_id not in self._clients:
            raise StoreError(f"No account {account_id}.")
        return self._clients[account_id]

    # Connections to Tandem

    def connection_record(self, connection: Connection) -> None:
        with self.lock:
            self._account_clients(connection.account_id)
            self.connections[connection.account_id] = connection

    def connection_forget(self, account_id: str) -> Connection | None:
        with self.lock:
            return self.connections.pop(account_id, None)

    def connection_for(self, *, account_id: str, tandem_sub: str) -> Connection | None:
        with self.lock:
            connection = self.connections.get(account_id)
            if connection is None or connection.tandem_sub != tandem_sub:
                return None
            return connection
