"""Seeded practices: the same arguments give the same data, and the data looks like a practice."""

import re
from collections import Counter

import pytest

from sandbox.xpm.seed import practice_seed
from sandbox.xpm.store import PracticeStore


@pytest.fixture(scope="module")
def practice() -> PracticeStore:
    return practice_seed(seed=7, clients=3000)


def snapshot(store: PracticeStore) -> list:
    return [
        (
            client.fields,
            client.modified,
            [(link.contact_uuid, link.position, link.is_primary) for link in client.contact_links],
            [(r.type, r.related_uuid) for r in client.relationships],
            client.notes,
            client.group_uuids,
        )
        for client in store.clients
    ]


def test_the_same_seed_and_size_give_the_same_practice(practice):
    again = practice_seed(seed=7, clients=3000)

    assert snapshot(again) == snapshot(practice)
    assert [c.dto() for c in again.contacts.values()] == [
        c.dto() for c in practice.contacts.values()
    ]
    assert again.near_duplicates == practice.near_duplicates


def test_another_seed_gives_another_practice(practice):
    other = practice_seed(seed=8, clients=3000)

    assert [c.name for c in other.clients] != [c.name for c in practice.clients]


def test_there_are_companies_trusts_partnerships_and_people(practice):
    structures = Counter(c.fields["businessStructure"] for c in practice.clients)

    assert set(structures) == {"Company", "Trust", "Partnership", "Individual"}
    assert min(structures.values()) > 100


def test_names_use_nz_and_au_legal_forms(practice):
    names = [c.name for c in practice.clients]

    for pattern in (
        r" Limited$",
        r" Ltd$",
        r" Pty Ltd$",
        r" Pty Limited$",
        r"^The .* Family Trust$",
    ):
        assert any(re.search(pattern, name) for name in names), pattern


def test_phone_and_tax_numbers_follow_nz_and_au_formats(practice):
    nz = [c.fields for c in practice.clients if c.fields["country"] == "New Zealand"]
    au = [c.fields for c in practice.clients if c.fields["country"] == "Australia"]

    assert nz
    assert au
    assert all(re.fullmatch(r"\d{3}-\d{3}-\d{3}", f["taxNumber"]) for f in nz)
    assert all(re.fullmatch(r"\d{3} \d{3} \d{3}", f["taxNumber"]) for f in au)
    assert all(
        re.fullmatch(r"0\d \d{3} \d{4}", f["phone"].strip()) for f in nz if " " in f["phone"]
    )
    assert all(re.fullmatch(r"\(0\d\) \d{4} \d{4}", f["phone"]) for f in au if " " in f["phone"])
    assert any(f.get("companyNumber") for f in nz)
    assert any(re.fullmatch(r"\d{2} \d{3} \d{3} \d{3}", f.get("businessNumber", "")) for f in au)


def test_entities_have_related_people_and_contacts(practice):
    types = Counter(r.type for c in practice.clients for r in c.relationships)

    assert {"Director", "Shareholder", "Trustee", "Beneficiary", "Partner"} <= set(types)
    people = {c.uuid for c in practice.clients if c.fields["businessStructure"] == "Individual"}
    assert all(r.related_uuid in people for c in practice.clients for r in c.relationships)
    assert all(
        practice.client_dto(c, detailed=False)["contacts"]
        for c in practice.clients
        if c.relationships
    )


def test_some_clients_are_archived_and_some_are_in_groups(practice):
    assert 50 < sum(c.is_archived for c in practice.clients) < 300
    assert practice.groups
    assert any(c.group_uuids for c in practice.clients)


def test_near_duplicates_are_noisy_copies_of_their_original(practice):
    kinds = Counter(d.kind for d in practice.near_duplicates)

    assert {"typo", "case", "suffix", "word_order", "missing_middle_name"} <= set(kinds)
    for duplicate in practice.near_duplicates:
        copy = practice.client_get(duplicate.uuid)
        original = practice.client_get(duplicate.original_uuid)
        assert copy.name != original.name
        assert copy.fields["taxNumber"] == original.fields["taxNumber"]


def test_a_missing_middle_name_copy_drops_only_the_middle_name(practice):
    duplicate = next(d for d in practice.near_duplicates if d.kind == "missing_middle_name")
    copy = practice.client_get(duplicate.uuid)
    original = practice.client_get(duplicate.original_uuid)

    assert original.name == " ".join(
        (original.fields["firstName"], original.fields["middleName"], original.fields["lastName"])
    )
    assert copy.name == f"{original.fields['firstName']} {original.fields['lastName']}"


def test_emails_use_example_domains_only(practice):
    emails = [c.fields["email"] for c in practice.clients] + [
        c.email for c in practice.contacts.values() if c.email
    ]

    assert all(re.search(r"@([a-z0-9.]+\.)?example\.(com|co\.nz|com\.au)$", e) for e in emails)
