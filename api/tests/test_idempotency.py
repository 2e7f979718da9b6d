"""`Idempotency-Key` on create calls: a retry answers what the first call did."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from api.models import IdempotencyKey
from clients.models import Client
from clients.tests.factories import CompanyFactory
from documents.models import Document
from documents.tests.files import PDF

NEW_CLIENT = {"kind": "company", "display_name": "Rimu Joinery Limited"}


def create(api, key: str | None = "k-1", **changes):
    """Creates NEW_CLIENT, with `changes`, sending `key` as the Idempotency-Key."""
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return api.post("/api/v1/clients/", {**NEW_CLIENT, **changes}, format="json", **headers)


def test_a_retried_create_answers_the_first_response_and_creates_nothing_more(api, firm):
    first, retry = create(api), create(api)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Location"] == first["Location"]
    assert retry["Idempotent-Replayed"] == "true"
    assert Client.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused(api, firm):
    create(api)

    response = create(api, display_name="Another Name")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Client.objects.count() == 1


def test_without_a_key_every_call_creates(api, firm):
    create(api, key=None)
    create(api, key=None)

    assert Client.objects.count() == 2


def test_keys_of_different_tokens_never_meet(firm, admin_user, token_for, bearer):
    mine, theirs = bearer(token_for(admin_user)), bearer(token_for(admin_user))

    create(mine)
    create(theirs)

    assert Client.objects.count() == 2


def test_a_refused_create_keeps_no_key_so_the_corrected_retry_works(api, firm):
    refused = create(api, email="not an email")
    corrected = create(api, email="office@rimu.nz")

    assert refused.status_code == 422
    assert corrected.status_code == 201
    assert Client.objects.get().email == "office@rimu.nz"


def test_an_upload_retried_with_its_key_stores_one_document(api, firm):
    client = CompanyFactory(firm=firm)

    def upload(content: bytes):
        return api.post(
            f"/api/v1/clients/{client.pk}/documents/",
            {"file": SimpleUploadedFile("accounts.pdf", content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="upload-1",
        )

    first, retry = upload(PDF), upload(PDF)
    other_file = upload(PDF + b"% another version\n")

    assert first.json() == retry.json()
    assert other_file.status_code == 422, "the same name with other content is another request"
    assert Document.objects.count() == 1


@pytest.mark.parametrize("key", ["", "é-not-ascii", "x" * 256])
def test_a_malformed_key_is_refused(api, firm, key):
    response = create(api, key=key)

    assert response.status_code == 400
    assert response.json()["code"] == "idempotency_key_invalid"
    assert not Client.objects.exists()


def test_a_key_older_than_its_lifetime_is_forgotten(api, firm, settings):
    settings.TANDEM_API_IDEMPOTENCY_HOURS = 0
    create(api)

    create(api)

    assert Client.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_calls_at_once_create_one_client(firm, admin_user, token_for, bearer):
    """The second call waits on the key's unique index until the first commits, then replays
    its answer (on SQLite, the write lock orders them the same way)."""
    raw = token_for(admin_user)
    barrier = threading.Barrier(2)
    responses = []

    def create_at_once():
        api = bearer(raw)
        barrier.wait()
        try:
            responses.append(create(api))
        finally:
            connection.close()

    threads = [threading.Thread(target=create_at_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(response.status_code for response in responses) == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert Client.objects.count() == 1
