"""One object of every kind a URL can name, made for one firm, and a snapshot of a firm's rows.

The tenant isolation test requests every URL with one firm's objects as the other firm; these
helpers make the objects and tell whether anything of the first firm changed.
"""

from typing import Any

from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ForeignKey, Model

from accounts.models import Firm, Role, User
from accounts.services import invitation_create
from accounts.tests.factories import member_create
from api.services import personal_access_token_create
from clients.services import client_merge
from clients.tests.factories import CompanyFactory, IndividualFactory, RelationshipFactory
from documents.services import document_upload
from documents.tests.files import PDF
from integrations.tests.factories import ConnectionFactory
from scheduling.tests.factories import AppointmentFactory
from sync.tests.factories import DirectoryEntryFactory, LinkFactory, SyncRunFactory


def firm_objects_create(firm: Firm, *, label: str) -> dict[str, Model]:
    """One of each kind for `firm`, every name carrying `label` so a page showing it is caught."""
    admin = member_create(
        firm=firm, role=Role.ADMIN, email=f"{label.lower()}-admin@example.com", first_name=label
    )
    staff = member_create(firm=firm, email=f"{label.lower()}-staff@example.com", first_name=label)
    company = CompanyFactory(firm=firm, display_name=f"{label} Orchards Limited")
    individual = IndividualFactory(firm=firm, first_name=label, last_name="Tupaea")
    twin, twin_copy = (
        IndividualFactory(firm=firm, first_name=label, last_name="Twin", email=f"{label}@twin.nz")
        for _ in range(2)
    )
    connection = ConnectionFactory(firm=firm, external_account_name=f"{label} PM account")
    return {
        "client": company,
        "individual": individual,
        "relationship": RelationshipFactory(entity=company, individual=individual),
        "appointment": AppointmentFactory(client=company),
        "document": document_upload(
            firm=firm,
            client=company,
            uploaded_file=SimpleUploadedFile(f"{label} accounts.pdf", PDF),
            acting_user=admin,
        ),
        "membership": staff.membership,
        "invitation": invitation_create(
            firm=firm, acting_user=admin, email=f"{label.lower()}-invitee@example.com", role="staff"
        ),
        "connection": connection,
        "directory_entry": DirectoryEntryFactory(
            connection=connection, display_name=f"{label} Directory Holdings"
        ),
        "link": LinkFactory(
            connection=connection, client=company, external_name=f"{label} Linked Record"
        ),
        "sync_run": SyncRunFactory(connection=connection, dry_run=True, failed=1),
        "api_token": personal_access_token_create(
            user=admin, name=f"{label} script", scopes=["clients:read"], expires_at=None
        ).token,
        "merge": client_merge(
            firm=firm, survivor=twin, duplicates=[twin_copy], field_choices={}, acting_user=admin
        ),
    }


def firm_names_shown(objects: dict[str, Model]) -> list[str]:
    """The names of `firm_objects_create`'s objects that its pages and API answers show, so
    another firm's must never."""
    return [
        objects["client"].display_name,
        objects["individual"].display_name,
        objects["document"].original_name,
        objects["connection"].external_account_name,
        objects["directory_entry"].display_name,
        objects["link"].external_name,
        str(objects["merge"].survivor),
    ]


def _firm_path(model: type[Model]) -> str | None:
    """The lookup from `model` to the firm owning its rows, if it has one."""
    if model is Firm:
        return "pk"
    if model is User:
        return "membership__firm"
    foreign_keys = [field for field in model._meta.fields if isinstance(field, ForeignKey)]
    for field in foreign_keys:
        if field.related_model is Firm:
            return field.name
    for field in foreign_keys:
        for parent in field.related_model._meta.fields:
            if isinstance(parent, ForeignKey) and parent.related_model is Firm:
                return f"{field.name}__{parent.name}"
    return None


def firm_snapshot(firm: Firm) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every model that belongs to `firm`, every column: any change shows."""
    snapshot = {}
    for model in apps.get_models():
        path = _firm_path(model)
        if path is not None:
            rows = model._default_manager.filter(**{path: firm.pk}).order_by("pk").values_list()
            snapshot[model._meta.label] = list(rows)
    return snapshot
