import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from clients.tests.factories import CompanyFactory
from documents.selectors import client_documents, document_get
from documents.services import document_delete, document_upload
from documents.tests import files


@pytest.fixture
def acme(firm):
    return CompanyFactory(firm=firm, display_name="Acme Ltd")


@pytest.fixture
def upload(firm, acme, staff_user):
    def _upload(name: str, client=acme):
        return document_upload(
            firm=client.firm,
            client=client,
            uploaded_file=SimpleUploadedFile(name, files.PDF),
            acting_user=staff_user,
        )

    return _upload


def test_document_get_finds_the_firms_documents_deleted_or_not(
    firm, other_firm, upload, admin_user
):
    current = upload("current.pdf")
    deleted = document_delete(document=upload("deleted.pdf"), acting_user=admin_user)

    assert document_get(firm=firm, pk=current.pk) == current
    assert document_get(firm=firm, pk=deleted.pk) == deleted
    with pytest.raises(Http404):
        document_get(firm=other_firm, pk=current.pk)


def test_client_documents_lists_current_or_deleted_newest_first(acme, upload, admin_user, firm):
    older = upload("older.pdf")
    newer = upload("newer.pdf")
    first_deleted = document_delete(document=upload("first.pdf"), acting_user=admin_user)
    last_deleted = document_delete(document=upload("last.pdf"), acting_user=admin_user)
    upload("another client.pdf", client=CompanyFactory(firm=firm))

    assert list(client_documents(client=acme)) == [newer, older]
    assert list(client_documents(client=acme, deleted=True)) == [last_deleted, first_deleted]
