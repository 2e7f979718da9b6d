"""One practice's clients, contacts and groups, and their XPM v3.1 JSON shapes.

Clients keep their base fields under the API's own names with empty values left out, and
cache their serialised `ClientBaseDto`, so a page of 1,000 clients is one `bytes.join`.
"""

import base64
import binascii
import itertools
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sandbox.xpm import bodies

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
WEB_URL = "https://practicemanager.xero.com/Client/{seq}/Detail"

# Base fields a client update may set, by their stored (response) names: the update request's
# fields renamed where the request spells them differently (see app._client_changes).
# `isArchived` is here for tests; the API archives through its own endpoint.
UPDATABLE_FIELDS = frozenset(
    bodies.STORED_NAMES.get(name, name) for name in bodies.CLIENT_UPDATE_FIELDS if name != "uuid"
) | {"isArchived"}


def json_bytes(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(slots=True)
class Contact:
    uuid: str
    name: str
    email: str | None = None
    mobile: str | None = None
    phone: str | None = None
    salutation: str | None = None
    addressee: str | None = None
    is_deleted: bool = False

    def dto(self) -> dict:
        return _without_empty(
            {
                "uuid": self.uuid,
                "name": self.name,
                "salutation": self.salutation,
                "addressee": self.addressee,
                "mobile": self.mobile,
                "email": self.email,
                "phone": self.phone,
                "isDeleted": "Yes" if self.is_deleted else "No",
            }
        )


@dataclass(slots=True)
class ContactLink:
    contact_uuid: str
    position: str = ""
    is_primary: bool = False


@dataclass(slots=True)
class Relationship:
    uuid: str
    type: str
    related_uuid: str
    number_of_shares: int | None = None
    percentage: float | None = None
    start_date: str | None = None
    end_date: str | None = None


@dataclass(slots=True)
class Group:
    uuid: str
    name: str
    taxable: str
    web_url: str

    def dto(self) -> dict:
        return {
            "uuid": self.uuid,
            "name": self.name,
            "webUrl": self.web_url,
            "taxable": self.taxable,
        }


@dataclass(slots=True)
class Client:
    """A client as XPM holds it. `fields` are `ClientBaseDto` values keyed by API name."""

    seq: int
    uuid: str
    fields: dict
    modified: datetime
    mobile: str | None = None
    contact_links: list[ContactLink] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    group_uuids: list[str] = field(default_factory=list)
    person_contact_uuid: str | None = None
    base_json: bytes | None = None

    @property
    def name(self) -> str:
        return self.fields.get("name", "")

    @property
    def is_archived(self) -> bool:
        return self.fields.get("isArchived") == "Yes"

    @property
    def is_deleted(self) -> bool:
        return self.fields.get("isDeleted") == "Yes"


class PageTokenError(ValueError):
    """A pageToken this sandbox never issued, or one issued for another listing."""


def page_token_encode(kind: str, position: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode().rstrip("=")


def page_token_decode(kind: str, token: str) -> int:
    try:
        padded = token + "=" * (-len(token) % 4)
        token_kind, _, position = base64.urlsafe_b64decode(padded).decode().partition(":")
        if token_kind != kind:
            raise PageTokenError(token)
        return int(position)
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise PageTokenError(token) from error


class PracticeStore:
    """Clients are append-only in `seq` order, which makes page tokens stable keyset cursors."""

    def __init__(
        self,
        *,
        clients: list[Client],
        contacts: dict[str, Contact],
        groups: dict[str, Group],
        staff: dict[str, dict] | None = None,
        near_duplicates: list | None = None,
    ) -> None:
        self.lock = threading.RLock()
        self.clients = clients
        self.contacts = contacts
        self.groups = groups
        self.staff = staff or {}
        self.near_duplicates = near_duplicates or []
        self._by_uuid = {client.uuid: client for client in clients}
        self._contact_order = list(contacts)

    # Reads

    def client_get(self, client_uuid: str) -> Client | None:
        client = self._by_uuid.get(client_uuid)
        return None if client is None or client.is_deleted else client

    def clients_live(self) -> list[Client]:
        with self.lock:
            return [client for client in self.clients if not client.is_deleted]

    def clients_modified_since(self, since: datetime) -> list[Client]:
        with self.lock:
            return [c for c in self.clients if not c.is_deleted and c.modified >= since]

    def clients_search(self, query: str) -> list[Client]:
        needle = query.casefold()
        with self.lock:
            return [
                client
                for client in self.clients
                if not client.is_deleted and needle in client.name.casefold()
            ]

    def clients_page(self, *, start: int, size: int) -> tuple[list[Client], int | None]:
        """Non-archived, non-deleted clients from position `start`, and the next page's start."""
        with self.lock:
            return _keyset_page(
                self.clients, start, size, lambda c: not c.is_archived and not c.is_deleted
            )

    def contacts_page(self, *, start: int, size: int) -> tuple[list[Contact], int | None]:
        with self.lock:
            uuids, end = _keyset_page(
                self._contact_order, start, size, lambda u: not self.contacts[u].is_deleted
            )
        return [self.contacts[uuid] for uuid in uuids], end

    def groups_of(self, client: Client) -> list[Group]:
        return [self.groups[uuid] for uuid in client.group_uuids if uuid in self.groups]

    # Writes

    def client_touch(self, client_uuid: str, when: datetime) -> Client:
        with self.lock:
            client = self._by_uuid[client_uuid]
            client.modified = when.replace(microsecond=0)
            client.base_json = None
            return client

    def client_update(self, client_uuid: str, changes: dict, when: datetime) -> Client:
        """Set the given base fields (a None value clears one) and bump the modified time."""
        unknown = set(changes) - UPDATABLE_FIELDS
        if unknown:
            raise KeyError(f"Not client fields: {', '.join(sorted(unknown))}")
        with self.lock:
            client = self._by_uuid[client_uuid]
            for name, value in changes.items():
                if value is None or value == "":
                    client.fields.pop(name, None)
                else:
                    client.fields[name] = value
            return self.client_touch(client_uuid, when)

    def client_add(self, *, fields: dict, contacts: Iterable[Contact], when: datetime) -> Client:
        with self.lock:
            seq = len(self.clients)
            client = Client(seq=seq, uuid=fields["uuid"], fields=fields, modified=when)
            client.fields.setdefault("isArchived", "No")
            client.fields.setdefault("isDeleted", "No")
            client.fields.setdefault("isProspect", "No")
            client.fields["webUrl"] = WEB_URL.format(seq=100000 + seq)
            for index, contact in enumerate(contacts):
                self.contact_add(contact)
                client.contact_links.append(ContactLink(contact.uuid, is_primary=index == 0))
            self.clients.append(client)
            self._by_uuid[client.uuid] = client
            return self.client_touch(client.uuid, when)

    def client_contacts_link(
        self, client_uuid: str, links: list[tuple[str, str, bool]], when: datetime
    ) -> Client:
        """Link existing contacts as (contact uuid, position, is primary) and bump the client."""
        with self.lock:
            client = self._by_uuid[client_uuid]
            for contact_uuid, position, is_primary in links:
                if is_primary:
                    for link in client.contact_links:
                        link.is_primary = False
                client.contact_links.append(ContactLink(contact_uuid, position, is_primary))
            return self.client_touch(client_uuid, when)

    def contact_add(self, contact: Contact) -> None:
        with self.lock:
            self.contacts[contact.uuid] = contact
            self._contact_order.append(contact.uuid)

    # Shapes

    def base_json(self, client: Client) -> bytes:
        cached = client.base_json
        if cached is None:
            cached = client.base_json = json_bytes(client.fields)
        return cached

    def json_warm(self) -> None:
        for client in self.clients:
            self.base_json(client)

    def contact_dtos(self, client: Client) -> list[dict]:
        result = []
        for link in client.contact_links:
            contact = self.contacts.get(link.contact_uuid)
            if contact is None or contact.is_deleted:
                continue
            dto = contact.dto()
            dto["isPrimary"] = "Yes" if link.is_primary else "No"
            if link.position:
                dto["position"] = link.position
            result.append(dto)
        return result

    def client_dto(self, client: Client, *, detailed: bool) -> dict:
        """`ClientDto` (base fields and contacts), or with `detailed` the `ClientDetailedDto`."""
        dto = dict(client.fields)
        dto["contacts"] = self.contact_dtos(client)
        if detailed:
            dto["notes"] = list(client.notes)
            dto["groups"] = [{"uuid": g.uuid, "name": g.name} for g in self.groups_of(client)]
            dto["relationships"] = [self.relationship_dto(r) for r in client.relationships]
        return dto

    def relationship_dto(self, relationship: Relationship) -> dict:
        related = self._by_uuid.get(relationship.related_uuid)
        return _without_empty(
            {
                "uuid": relationship.uuid,
                "type": relationship.type,
                "relatedClient": {"uuid": relationship.related_uuid, "name": related.name}
                if related
                else None,
                "numberOfShares": relationship.number_of_shares,
                "percentage": relationship.percentage,
                "startDate": relationship.start_date,
                "endDate": relationship.end_date,
            }
        )


def _keyset_page(rows: list, start: int, size: int, listed) -> tuple[list, int | None]:
    page = []
    position = start
    while position < len(rows) and len(page) < size:
        row = rows[position]
        position += 1
        if listed(row):
            page.append(row)
    has_more = any(listed(row) for row in itertools.islice(rows, position, None))
    return page, position if has_more else None


def _without_empty(values: dict) -> dict:
    return {key: value for key, value in values.items() if value is not None and value != ""}
