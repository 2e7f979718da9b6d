from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Firm
from clients.models import Client
from documents.models import Document


def document_get(*, firm: Firm, pk: int) -> Document:
    """The firm's document, deleted or not, or 404: another firm's is the same as none."""
    return get_object_or_404(Document.objects.select_related("client"), firm=firm, pk=pk)


def client_documents(*, client: Client, deleted: bool = False) -> QuerySet[Document]:
    """The client's documents, newest first: the current ones, or with `deleted` the restorable."""
    return (
        Document.objects.filter(
            firm_id=client.firm_id, client=client, deleted_at__isnull=not deleted
        )
        .select_related("uploaded_by", "deleted_by")
        .order_by("-deleted_at" if deleted else "-uploaded_at", "-pk")
    )
