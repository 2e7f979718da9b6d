"""The interface every external system is reached through.

Like vdirsyncer's `Storage`: a small required core (`search`, `list_clients`, `get_client`, and
`update_client` where the system accepts writes), defaults built on it (`get_clients`,
`iter_pages`), and declarations the rest of Tandem reads instead of asking which provider it is
talking to: capabilities, the field mapping, the configuration (Singer-style JSON schema).
"""

from __future__ import annotations

import enum
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

from clients.models import Client, ClientKind
from clients.validation import EDITABLE_FIELDS, client_fields_clean, field_label
from integrations.exceptions import NotSupported, ProviderError
from integrations.services import connection_problem_clear, connection_problem_record

if TYPE_CHECKING:
    from integrations.models import Connection
    from integrations.oauth import OAuthClient

# The client fields external systems hold: all a person may edit but Tandem's own notes and
# preferred name.
CANONICAL_FIELDS: tuple[str, ...] = tuple(
    name for name in EDITABLE_FIELDS if name not in ("preferred_name", "notes")
)
KINDS: frozenset[str] = frozenset(ClientKind.values)
# Read once: a listing checks every value of every record against them.
_MAX_LENGTHS: dict[str, int | None] = {
    name: Client._meta.get_field(name).max_length for name in EDITABLE_FIELDS
}


class Capability(enum.Flag):
    NONE = 0
    SEARCH = enum.auto()
    LIST_MODIFIED_SINCE = enum.auto()
    PUSH = enum.auto()
    CONTACTS = enum.auto()


@dataclass(frozen=True)
class ExternalRecord:
    """A client as the external system holds it, in Tandem's canonical field names.

    `fields` holds only the canonical fields the provider knows (see its field mapping), with ""
    for an empty text and None for an empty date. `kind` is None when the provider does not say.
    """

    external_id: str
    kind: str | None
    fields: Mapping[str, Any]
    modified_at: datetime | None = None
    archived: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def display_name(self) -> str:
        return self.fields.get("display_name", "")


@dataclass(frozen=True)
class ExternalRelation:
    """A client's tie to a person or another client, as the external system holds it.

    `role` is a `clients.models.RelationshipRole` value (the provider's position or relationship
    type read as the closest one). Either `person` is set (a contact of the client, as an
    individual's record) or `related_external_id` is (another client of the system, named
    `related_name`).
    """

    role: str
    person: ExternalRecord | None
    related_external_id: str | None
    related_name: str = ""


@dataclass(frozen=True)
class RecordProblem:
    """A record the provider sent that Tandem could not take in, and why (for the person)."""

    external_id: str
    label: str
    message: str
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Page:
    records: tuple[ExternalRecord, ...]
    next_token: str | None = None
    problems: tuple[RecordProblem, ...] = ()


# Field mapping -------------------------------------------------------------------------------
Converter = Callable[[Any], Any]


def as_is(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Field:
    """One provider field <-> one canonical field.

    `read` turns the provider's value into the canonical one and raises ValueError, with a
    reason a person understands, when the value makes no sense; `write` goes the other way.
    `write_as` is the provider's name for the field in write requests where it differs.
    """

    canonical: str
    provider: str
    read: Converter = as_is
    write: Converter = as_is
    write_as: str | None = None

    @property
    def canonical_fields(self) -> tuple[str, ...]:
        return (self.canonical,)

    def to_canonical(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {self.canonical: self.read(payload.get(self.provider))}

    def to_provider(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {self.write_as or self.provider: self.write(values[self.canonical])}


@dataclass(frozen=True)
class CombinedField:
    """Several canonical fields held in one provider field (e.g. address lines in one text).

    `read` returns one value per canonical field, in order; `write` takes them in that order.
    """

    canonical_fields: tuple[str, ...]
    provider: str
    read: Callable[[Any], tuple[Any, ...]]
    write: Callable[..., Any]
    write_as: str | None = None

    def to_canonical(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return dict(zip(self.canonical_fields, self.read(payload.get(self.provider)), strict=True))

    def to_provider(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            self.write_as or self.provider: self.write(
                *(values[name] for name in self.canonical_fields)
            )
        }


class Rule(Protocol):
    """One piece of a field mapping; `Field` and `CombinedField` cover most, a provider may add
    its own (one that reads several provider fields, say)."""

    provider: str

    @property
    def canonical_fields(self) -> tuple[str, ...]: ...

    def to_canonical(self, payload: Mapping[str, Any]) -> dict[str, Any]: ...

    def to_provider(self, values: Mapping[str, Any]) -> dict[str, Any]: ...


class FieldMapping:
    """The declared correspondence between a provider's client fields and Tandem's, both ways."""

    def __init__(self, *rules: Rule):
        self.rules = rules
        self.canonical_fields = frozenset(name for rule in rules for name in rule.canonical_fields)
        unknown = self.canonical_fields - set(CANONICAL_FIELDS)
        if unknown:
            raise ValueError(f"Not canonical client fields: {', '.join(sorted(unknown))}")
        # (canonical field, provider field, read) of a plain `Field`, read in place rather than
        # through its one-entry dict: a listing reads every field of 100,000 records.
        self._readers = tuple(
            (rule.canonical, rule.provider, rule.read, rule)
            if type(rule) is Field
            else (None, None, None, rule)
            for rule in rules
        )

    def pairs(self) -> list[tuple[str, tuple[str, ...]]]:
        """(provider field, canonical fields) for every rule, for documentation and screens."""
        return [(rule.provider, rule.canonical_fields) for rule in self.rules]

    def to_canonical(
        self, payload: Mapping[str, Any], *, kind: str | None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The canonical values of `payload` (see `canonical_clean`), and per canonical field
        why it could not be read."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for canonical, provider, read, rule in self._readers:
            try:
                if canonical is None:
                    values.update(rule.to_canonical(payload))
                else:
                    values[canonical] = read(payload.get(provider))
            except (ValueError, TypeError) as error:
                for name in rule.canonical_fields:
                    errors[name] = f"{field_label(name)}: {error}"
        cleaned, clean_errors = canonical_clean(values, kind=kind)
        return cleaned, errors | clean_errors

    def rules_touching(self, changes: Iterable[str]) -> list[Rule]:
        changed = set(changes)
        return [rule for rule in self.rules if changed & set(rule.canonical_fields)]

    def missing_for_write(self, changes: Mapping[str, Any]) -> set[str]:
        """Canonical fields a write of `changes` also needs (the rest of a combined field)."""
        needed = {name for rule in self.rules_touching(changes) for name in rule.canonical_fields}
        return needed - set(changes)

    def to_provider(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """The provider's write payload for `changes`, which must hold every field that
        `missing_for_write` names."""
        unmapped = set(changes) - self.canonical_fields
        if unmapped:
            raise ValueError(f"Fields this provider does not hold: {', '.join(sorted(unmapped))}")
        payload: dict[str, Any] = {}
        for rule in self.rules_touching(changes):
            payload.update(rule.to_provider(changes))
        return payload


def canonical_clean(
    values: Mapping[str, Any], *, kind: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    """`values` in the form Tandem stores them (the clients app's own field rules: phone numbers
    in E.164, emails in lower case...), or, per field, why a value cannot be stored.

    Canonical values are then comparable with a Client's, field by field. A record of unknown
    kind may carry a person's names: only a known entity kind rules them out.
    """
    kind = kind or ClientKind.INDIVIDUAL
    errors: dict[str, str] = {}
    try:
        cleaned = client_fields_clean(kind=kind, fields=values)
    except ValidationError as error:
        # The rules judge each field on its own, so the others clean without it.
        errors = {name: " ".join(messages) for name, messages in error.message_dict.items()}
        good = {name: value for name, value in values.items() if name not in errors}
        cleaned = client_fields_clean(kind=kind, fields=good)
    for name, value in cleaned.items():
        max_length = _MAX_LENGTHS[name]
        if max_length and isinstance(value, str) and len(value) > max_length:
            errors[name] = (
                f"{field_label(name)}: {len(value)} characters; at most {max_length} fit."
            )
    if not errors:
        return cleaned, errors
    return {name: value for name, value in cleaned.items() if name not in errors}, errors


# The connector -------------------------------------------------------------------------------
def records_problems(method: Callable) -> Callable:
    """Decorates a connector call so that the connection shows its last problem (until a call
    succeeds again), where the Add-ons page and the people using the add-on can see it."""

    @functools.wraps(method)
    def wrapper(self: Connector, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
        except ProviderError as error:
            connection_problem_record(connection=self.connection, error=error)
            raise
        if self.connection.last_error:
            connection_problem_clear(connection=self.connection)
        return result

    return wrapper


class Connector(ABC):
    """Reaches the clients of one connected account (`connection`) of one external system."""

    key: ClassVar[str]
    display_name: ClassVar[str]
    short_name: ClassVar[str]
    description: ClassVar[str]
    capabilities: ClassVar[Capability] = Capability.NONE
    field_mapping: ClassVar[FieldMapping]
    # JSON schema of the configuration; each property names the Django setting it is read from
    # under "x-setting".
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    # Templates list connector classes (the Add add-on page); they must not try to call them.
    do_not_call_in_templates: ClassVar[bool] = True

    def __init__(self, connection: Connection):
        self.connection = connection

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if Capability.PUSH in cls.capabilities and cls.update_client is Connector.update_client:
            raise TypeError(f"{cls.__name__} declares PUSH but does not implement update_client.")

    @classmethod
    def config(cls) -> dict[str, Any]:
        properties = cls.config_schema.get("properties", {})
        values = {
            name: getattr(settings, spec["x-setting"], None) for name, spec in properties.items()
        }
        missing = [
            properties[name]["x-setting"]
            for name in cls.config_schema.get("required", [])
            if not values[name]
        ]
        if missing:
            raise ImproperlyConfigured(
                f"The {cls.display_name} add-on needs these settings: {', '.join(missing)}."
            )
        return values

    @classmethod
    def oauth_client(cls) -> OAuthClient | None:
        """How a firm authorises Tandem, for providers connected with OAuth 2.0."""
        return None

    @property
    def api_calls(self) -> int:
        """Calls made to the provider through this connector so far (0 where it calls none)."""
        return 0

    def supports(self, capability: Capability) -> bool:
        return capability in self.capabilities

    # The required core
    @abstractmethod
    def search(self, query: str, page_token: str | None = None) -> Page:
        """Records matching `query`; an empty query browses every record."""

    @abstractmethod
    def list_clients(
        self, page_token: str | None = None, modified_since: datetime | None = None
    ) -> Page:
        """One page of records (with `modified_since`, only those changed since then)."""

    @abstractmethod
    def get_client(self, external_id: str) -> ExternalRecord:
        """One record; raises RecordNotFound when the provider has none with this id."""

    def update_client(self, external_id: str, changes: Mapping[str, Any]) -> ExternalRecord:
        """Write canonical `changes` (and "kind") to the provider; returns the record as stored."""
        raise NotSupported(self.short_name, capability="change its clients")

    def client_relations(self, external_id: str) -> list[ExternalRelation]:
        """The contacts of one client with their roles, and its relationships to other clients
        (capability `CONTACTS`)."""
        raise NotSupported(self.short_name, capability="read its clients' contacts")

    # Defaults built on the core
    def get_clients(self, external_ids: Iterable[str]) -> list[ExternalRecord]:
        return [self.get_client(external_id) for external_id in external_ids]

    def iter_pages(self, modified_since: datetime | None = None) -> Iterator[Page]:
        page_token = None
        while True:
            page = self.list_clients(page_token=page_token, modified_since=modified_since)
            yield page
            if page.next_token is None:
                return
            page_token = page.next_token

    def close(self) -> None:  # noqa: B027 - a default: most connectors hold nothing open
        """Release what the connector holds open (HTTP connections)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
