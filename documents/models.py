import uuid

from django.conf import settings
from django.db import models

from accounts.models import Firm
from clients.models import Client
from documents.filetypes import TYPE_LABELS


def document_storage_path(document: "Document", _uploaded_name: str) -> str:
    """A generated path: the uploaded name never reaches the file system."""
    return f"documents/{document.firm_id}/{document.client_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to=document_storage_path, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-uploaded_at"]
        indexes = [models.Index(fields=["client", "deleted_at", "-uploaded_at"])]

    def __str__(self) -> str:
        return self.original_name

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.content_type, self.content_type)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
