from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import firm_member_required
from clients.selectors import client_get
from documents.exceptions import DocumentError
from documents.forms import DocumentUploadForm
from documents.selectors import client_documents, document_get
from documents.services import document_delete, document_restore, document_upload


@firm_member_required
@require_http_methods(["GET", "POST"])
def documents_tab(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=client_pk)
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = document_upload(
                firm=request.firm,
                client=client,
                uploaded_file=form.cleaned_data["file"],
                acting_user=request.user,
            )
        except DocumentError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, f"Uploaded {document}.")
            return redirect("documents:client_documents", client.pk)

    show_deleted = request.GET.get("deleted") == "1"
    return render(
        request,
        "documents/client_documents.html",
        {
            "client": client,
            "active_tab": "documents",
            "form": form,
            "show_deleted": show_deleted,
            "documents": client_documents(client=client, deleted=show_deleted),
        },
    )


@firm_member_required
@require_GET
def download(request: HttpRequest, pk: int) -> FileResponse:
    document = document_get(firm=request.firm, pk=pk)
    if document.is_deleted:
        raise Http404("The document is deleted.")
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = _attachment(document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@firm_member_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get(firm=request.firm, pk=pk)
    if request.method == "POST":
        try:
            document_delete(document=document, acting_user=request.user)
        except DocumentError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Deleted {document}. You can restore it from Deleted documents."
            )
        return redirect("documents:client_documents", document.client_id)
    return render(
        request,
        "documents/document_delete.html",
        {"client": document.client, "active_tab": "documents", "document": document},
    )


@firm_member_required
@require_POST
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    document = document_get(firm=request.firm, pk=pk)
    try:
        document_restore(document=document, acting_user=request.user)
    except DocumentError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Restored {document}.")
    return redirect(f"{reverse('documents:client_documents', args=[document.client_id])}?deleted=1")


def _attachment(name: str) -> str:
    """RFC 6266: a plain-ASCII fallback for old clients, and the exact name as `filename*`."""
    fallback = "".join(
        character
        if character.isascii() and character.isprintable() and character not in '"\\'
        else "_"
        for character in name
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
