"""Bad input, generated: whatever arrives, Tandem answers with a clear refusal or takes it whole.

Covered elsewhere and not repeated here: the name normaliser (idempotent and total, in
matching/tests/test_normalise.py) and the sync planner (sync/tests/test_planner_properties.py).
Uploads that are empty, oversized, lying about their type or named `../../x` are pinned case by
case in documents/tests/test_services.py; here any name and content is tried. Examples are kept
few (60 a test): CI has two cores.
"""

import csv
import io
import string
from datetime import date

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, example, given, reject
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from clients.imports import CONTACT_COLUMNS
from clients.models import Client
from clients.tests.factories import CompanyFactory
from documents.exceptions import DocumentRefused
from documents.models import Document
from documents.services import document_upload
from integrations.connectors.aps.exceptions import BatchRefused
from integrations.connectors.aps.mapping import APS_FIELDS
from integrations.connectors.aps.services import aps_activate, aps_records_receive
from integrations.connectors.base import KINDS, ExternalRecord, RecordProblem
from integrations.connectors.cms.mapping import FEED_MAPPING, kind_read, updated_at_read
from integrations.connectors.xpm import XpmConnector
from integrations.connectors.xpm.mapping import XPM_FIELDS
from integrations.models import Connection, DirectoryEntry

FEW = hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a JSON body can hold, small.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=60)
    | st.sampled_from(["", " ", "Yes", "No", "2026-02-30", "1899-01-01", "x" * 300, "\x00"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def payloads(provider_fields, *always: str):
    """Objects with any of the provider's fields, holding anything JSON can."""
    return st.fixed_dictionaries(
        {name: st.text(string.ascii_letters + string.digits + "-", min_size=1) for name in always},
        optional={name: json_values for name in provider_fields},
    )


def provider_fields(mapping) -> list[str]:
    return sorted({rule.provider for rule in mapping.rules})


def is_storable(value) -> bool:
    return value is None or isinstance(value, str | date | bool)


def attempt(call, refusal: type[Exception]):
    """What `call` returned, or the `refusal` it raised; any other exception fails the test."""
    try:
        return call()
    except refusal as error:
        return error


# Connectors ------------------------------------------------------------------------------------


@FEW
@example(payload={"uuid": "c1", "name": "Kauri Holdings Ltd", "taxNumber": "123-456-789"})
@given(
    payload=payloads([*provider_fields(XPM_FIELDS), "isArchived", "businessStructure"], "uuid")
    | json_values
)
def test_any_xpm_payload_is_a_record_or_a_problem_saying_why(payload):
    connector = XpmConnector(Connection(provider="xpm", external_account_id="tenant"))

    outcome = connector._record(payload)

    assert isinstance(outcome, ExternalRecord | RecordProblem)
    if isinstance(outcome, RecordProblem):
        assert outcome.message.startswith(("XPM sent", "Tandem could not read"))
    else:
        assert outcome.fields["display_name"]
        assert all(is_storable(value) for value in outcome.fields.values())


@FEW
@given(payload=payloads(provider_fields(FEED_MAPPING)), kind=json_values, updated=json_values)
def test_any_cms_feed_value_reads_or_raises_the_documented_value_error(payload, kind, updated):
    for read, value in ((kind_read, kind), (updated_at_read, updated)):
        outcome = attempt(lambda read=read, value=value: read(value), ValueError)
        if isinstance(outcome, ValueError):
            assert str(outcome)

    fields, errors = FEED_MAPPING.to_canonical(payload, kind=None)

    assert all(isinstance(message, str) and message for message in errors.values())
    assert all(is_storable(value) for name, value in fields.items() if name not in errors)


@pytest.fixture
def aps_connection(firm, admin_user):
    return aps_activate(firm=firm, acting_user=admin_user)


@pytest.mark.django_db
def test_any_aps_batch_is_taken_record_by_record_or_refused_whole(aps_connection, admin_user):
    records = st.fixed_dictionaries(
        {},
        optional={
            "code": st.text(max_size=12) | json_values,
            "kind": st.sampled_from(sorted(KINDS)) | json_values,
            "fields": payloads(provider_fields(APS_FIELDS)) | json_values,
            "details": json_values,
        },
    )

    @FEW
    @given(batch=st.lists(records | json_values, max_size=4) | json_values)
    def receive(batch):
        before = DirectoryEntry.objects.count()
        outcome = attempt(
            lambda: aps_records_receive(
                connection=aps_connection, acting_user=admin_user, records=batch
            ),
            BatchRefused,
        )
        if isinstance(outcome, BatchRefused):
            assert outcome.message
            assert DirectoryEntry.objects.count() == before
            return
        assert outcome.accepted + len(outcome.refused) == len(batch)
        assert all(refusal.message for refusal in outcome.refused)

    receive()


# The contacts CSV importer ----------------------------------------------------------------------

cell_text = st.text(max_size=30) | st.sampled_from(["", "x" * 200, "2026-13-01", "a@", "+64 "])


def csv_bytes(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue().encode()


@pytest.mark.django_db
def test_any_file_imports_whole_or_is_refused_with_a_reason_leaving_nothing(firm, tmp_path):
    path = tmp_path / "contacts.csv"
    columns = st.lists(st.sampled_from(sorted(CONTACT_COLUMNS)), min_size=1, unique=True)
    well_formed = columns.flatmap(
        lambda names: st.lists(
            st.fixed_dictionaries({name: cell_text for name in names}), max_size=4
        ).map(lambda rows: csv_bytes(rows, names))
    )

    @FEW
    @example(content=b"first_name\n\xff\xfe caf\xe9\n")
    @example(content=b"first_name,last_name\nAna,Lee,extra\n")
    @example(content=b"first_name\n" + b"A" * 200_000 + b"\n")
    @example(content=b"")
    @given(content=well_formed | st.binary(max_size=200))
    def import_file(content):
        path.write_bytes(content)
        before = Client.objects.count(), AuditEvent.objects.count()
        outcome = attempt(
            lambda: call_command(
                "contacts_import",
                str(path),
                firm=firm.slug,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            ),
            CommandError,
        )
        if isinstance(outcome, CommandError):
            assert str(outcome)
            assert (Client.objects.count(), AuditEvent.objects.count()) == before

    import_file()


# Uploads ----------------------------------------------------------------------------------------


def stored_files(media) -> list:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


@pytest.mark.django_db
def test_any_upload_is_stored_inside_media_or_refused_leaving_nothing(firm, admin_user, settings):
    client = CompanyFactory(firm=firm)
    media = settings.MEDIA_ROOT

    @FEW
    @example(name="../../x", content=b"%PDF-1.4\n")
    @example(name="../../x.pdf", content=b"%PDF-1.4\n")
    @example(name="/etc/passwd.txt", content=b"root:x:0:0\n")
    @given(
        name=st.text(max_size=40) | st.sampled_from(["a.pdf", "../a.txt", "..\\..\\b.csv"]),
        content=st.binary(max_size=64) | st.sampled_from([b"%PDF-1.4\n", b"name,email\n"]),
    )
    def upload(name, content):
        try:
            uploaded = SimpleUploadedFile(name, content)
        except SuspiciousFileOperation:
            reject()  # Django refuses to wrap such a name before any of Tandem's code sees it
        before = stored_files(media), Document.objects.count()
        outcome = attempt(
            lambda: document_upload(
                firm=firm, client=client, uploaded_file=uploaded, acting_user=admin_user
            ),
            DocumentRefused,
        )
        if isinstance(outcome, DocumentRefused):
            assert outcome.message
            assert outcome.field == "file"
            assert (stored_files(media), Document.objects.count()) == before
            return
        document = outcome
        stored = (media / document.file.name).resolve()
        assert stored.is_relative_to(media.resolve())
        assert stored.read_bytes() == content
        assert "/" not in document.original_name
        assert document.original_name != ".."

    upload()
