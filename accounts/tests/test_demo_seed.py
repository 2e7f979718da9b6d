from io import StringIO
from itertools import combinations

import pytest
from django.core.management import call_command

from accounts.management.commands.demo_seed import (
    ADMIN_EMAIL,
    ALSO_IN_XPM_COUNT,
    STAFF_EMAIL,
    XPM_SANDBOX_CLIENTS,
    XPM_SANDBOX_SEED,
    _legal_suffix_swapped,
    demo_logins,
)
from accounts.models import AuditEvent, Firm, Membership, Role, User
from clients.models import Client, ClientKind, Relationship, RelationshipRole
from documents.models import Document
from sandbox.xpm.seed import practice_seed
from scheduling.models import Appointment, AppointmentStatus

SEEDED_MODELS = (Firm, User, Membership, Client, Relationship, Appointment, Document, AuditEvent)


def seed() -> str:
    output = StringIO()
    call_command("demo_seed", stdout=output)
    return output.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


@pytest.mark.django_db
def test_a_second_run_adds_nothing():
    seed()
    first = counts()

    second_output = seed()

    assert counts() == first
    assert "already seeded" in second_output


@pytest.mark.django_db
def test_the_demo_practice_has_people_clients_appointments_and_documents():
    seed()

    firm = Firm.objects.get(slug="demo")
    assert firm.name == "Harbour Accounting"
    admin_login, staff_login = demo_logins()
    admin = User.objects.get(email=ADMIN_EMAIL)
    staff = User.objects.get(email=STAFF_EMAIL)
    assert admin.check_password(admin_login.password)
    assert staff.check_password(staff_login.password)
    assert (admin.membership.firm, admin.membership.role) == (firm, Role.ADMIN)
    assert (staff.membership.firm, staff.membership.role) == (firm, Role.STAFF)

    clients = Client.objects.filter(firm=firm)
    assert 250 <= clients.count() <= 400
    assert set(clients.values_list("kind", flat=True)) == set(ClientKind.values)
    assert clients.filter(kind=ClientKind.COMPANY, display_name__regex=r" (Ltd|Limited)$").exists()
    roles = Relationship.objects.filter(firm=firm).values_list("role", flat=True)
    assert set(roles) >= set(RelationshipRole.values) - {RelationshipRole.CONTACT}

    appointments = Appointment.objects.filter(firm=firm)
    assert set(appointments.values_list("status", flat=True)) == set(AppointmentStatus.values)
    booked = appointments.filter(status=AppointmentStatus.BOOKED)
    assert any(
        first.staff_id == second.staff_id
        and first.starts_at < second.ends_at
        and second.starts_at < first.ends_at
        for first, second in combinations(booked, 2)
    ), "the schedule should show a double-booking"

    documents = Document.objects.filter(firm=firm)
    pdfs = documents.filter(original_name__endswith=".pdf")
    assert pdfs.exists()
    for pdf in pdfs:
        with pdf.file.open("rb") as stored:
            assert stored.read(5) == b"%PDF-"
    uploads = AuditEvent.objects.filter(firm=firm, action="document.upload", actor=admin)
    assert uploads.count() == documents.count()


def test_demo_passwords_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TANDEM_DEMO_ADMIN_PASSWORD", "a-different-admin-pass")
    monkeypatch.setenv("TANDEM_DEMO_STAFF_PASSWORD", "a-different-staff-pass")

    assert [login.password for login in demo_logins()] == [
        "a-different-admin-pass",
        "a-different-staff-pass",
    ]


@pytest.mark.django_db
def test_some_demo_clients_are_also_clients_of_the_demo_xpm_practice():
    seed()
    xpm_names = {
        record.name
        for record in practice_seed(seed=XPM_SANDBOX_SEED, clients=XPM_SANDBOX_CLIENTS).clients
    }

    also_in_xpm = [
        name
        for name in Client.objects.values_list("display_name", flat=True)
        if name in xpm_names or _legal_suffix_swapped(name) in xpm_names
    ]

    assert len(also_in_xpm) == ALSO_IN_XPM_COUNT
