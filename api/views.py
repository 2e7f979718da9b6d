"""The REST API: thin views over the same services and selectors the browser uses.

Every view scopes its reads by the firm of the calling token (`self.firm`); another firm's
object is a 404 like a missing one. Each call needs one scope: `read_scope` for GET,
`write_scope` for the rest.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import resolve, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as RequestInvalid
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api import serializers as s
from api.idempotency import idempotent
from api.scopes import Scope
from clients.models import Client
from clients.selectors import (
    client_get,
    client_list,
    client_merge_get,
    client_relationships,
    contact_duplicate_groups,
    contacts_for_merge,
    relationship_candidates,
    relationship_get,
)
from clients.services import (
    client_archive,
    client_create,
    client_merge,
    client_merge_undo,
    client_restore,
    client_update,
    relationship_create,
    relationship_delete,
)
from documents.filetypes import TYPE_LABELS
from documents.models import Document
from documents.selectors import client_documents, document_get
from documents.services import document_upload
from integrations.selectors import connection_get, connection_list
from scheduling.selectors import client_appointments, staff_list
from scheduling.services import appointment_book
from sync.runs import sync_run_apply, sync_run_retry_failed, sync_run_start
from sync.selectors import (
    active_connections,
    link_get,
    link_list,
    sync_run_active,
    sync_run_get,
    sync_run_records,
    sync_runs_for_connection,
)
from sync.services import link_create, link_delete
from sync.suggestions import link_suggestions

IDEMPOTENCY_DOC = (
    " Send an `Idempotency-Key` header to make retries safe: the same key with the same "
    "request answers what the first call did and creates nothing more."
)


class RefusingCursorPagination(CursorPagination):
    """A cursor this API did not give is bad input (400), not a missing page."""

    def decode_cursor(self, request: Request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise RequestInvalid(
                {"cursor": "Cursor: not one this API gave; start again without it."}
            ) from None


class ClientCursorPagination(RefusingCursorPagination):
    """Clients by name: a cursor stays right while clients are added or renamed around it,
    where a page number would skip or repeat rows."""

    ordering = ("sort_name", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class RunCursorPagination(RefusingCursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class RecordCursorPagination(RefusingCursorPagination):
    ordering = ("id",)
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 200


class SuggestionPagination(PageNumberPagination):
    page_size = 50


class FirmApiView(GenericAPIView):
    # The schema describes every call; OPTIONS answers 405 rather than guess at serializers.
    metadata_class = None
    read_scope = Scope.CLIENTS_READ
    write_scope = Scope.CLIENTS_WRITE

    def required_scope(self, method: str) -> str:
        return self.read_scope if method in SAFE_METHODS else self.write_scope

    @property
    def firm(self):
        return self.request.auth.firm

    def client(self) -> Client:
        return client_get(firm=self.firm, pk=self.kwargs["client_pk"])

    def created(self, data: Any, url_name: str, *args: Any, code: int = 201) -> Response:
        location = self.request.build_absolute_uri(reverse(f"api:{url_name}", args=args))
        return Response(data, status=code, headers={"Location": location})


def _refused(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


# Clients ---------------------------------------------------------------------------------------
class ClientsView(FirmApiView):
    pagination_class = ClientCursorPagination

    @extend_schema(
        operation_id="clients_list",
        parameters=[s.ClientFilterSerializer],
        responses=s.ClientSummarySerializer(many=True),
        summary="List clients",
    )
    def get(self, request: Request) -> Response:
        query = s.ClientFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(client_list(firm=self.firm, **query.filters()))
        return self.get_paginated_response(s.ClientSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="clients_create",
        request=s.ClientCreateSerializer,
        responses={201: s.ClientSerializer},
        summary="Create a client",
        description="An individual without a display name gets one from its names."
        + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = s.ClientCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        client = client_create(firm=self.firm, acting_user=request.user, **body.validated_data)
        return self.created(s.ClientSerializer(client).data, "client", client.pk)


class ClientView(FirmApiView):
    @extend_schema(operation_id="clients_get", responses=s.ClientSerializer, summary="Get a client")
    def get(self, request: Request, client_pk: int) -> Response:
        return Response(s.ClientSerializer(self.client()).data)

    @extend_schema(
        operation_id="clients_update",
        request=s.ClientUpdateSerializer,
        responses=s.ClientSerializer,
        summary="Change a client's details",
        description="Only the fields sent change. The kind is fixed at creation.",
    )
    def patch(self, request: Request, client_pk: int) -> Response:
        client = self.client()
        body = s.ClientUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        client_update(client=client, acting_user=request.user, **body.validated_data)
        return Response(s.ClientSerializer(client).data)


class ClientArchiveView(FirmApiView):
    @extend_schema(
        operation_id="clients_archive",
        request=None,
        responses={200: s.ClientSerializer},
        summary="Archive a client",
        description="Takes the client off the everyday lists; nothing about it is deleted.",
    )
    def post(self, request: Request, client_pk: int) -> Response:
        client = client_archive(client=self.client(), acting_user=request.user)
        return Response(s.ClientSerializer(client).data)


class ClientRestoreView(FirmApiView):
    @extend_schema(
        operation_id="clients_restore",
        request=None,
        responses={200: s.ClientSerializer},
        summary="Restore an archived client",
    )
    def post(self, request: Request, client_pk: int) -> Response:
        client = client_restore(client=self.client(), acting_user=request.user)
        return Response(s.ClientSerializer(client).data)


# Relationships ---------------------------------------------------------------------------------
class RelationshipsView(FirmApiView):
    @extend_schema(
        operation_id="relationships_list",
        responses=s.RelationshipSerializer(many=True),
        summary="List a client's relationships",
        description="An entity's people, or the entities an individual holds roles in.",
    )
    def get(self, request: Request, client_pk: int) -> Response:
        relationships = client_relationships(client=self.client())
        return Response(s.RelationshipSerializer(relationships, many=True).data)

    @extend_schema(
        operation_id="relationships_create",
        request=s.RelationshipCreateSerializer,
        responses={201: s.RelationshipSerializer},
        summary="Add a relationship",
        description="Records that an individual holds a role (director, trustee...) in an "
        "entity." + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request, client_pk: int) -> Response:
        client = self.client()
        body = s.RelationshipCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other_pk = body.validated_data["other"]
        other = relationship_candidates(client=client).filter(pk=other_pk).first()
        if other is None:
            wanted = "company, trust or partnership" if client.is_individual else "individual"
            raise _refused(
                "other", f"Other: no active {wanted} of this practice has the id {other_pk}."
            )
        entity, individual = (other, client) if client.is_individual else (client, other)
        relationship = relationship_create(
            entity=entity,
            individual=individual,
            role=body.validated_data["role"],
            acting_user=request.user,
        )
        return self.created(
            s.RelationshipSerializer(relationship).data,
            "relationship",
            client.pk,
            relationship.pk,
        )


class RelationshipView(FirmApiView):
    @extend_schema(
        operation_id="relationships_delete", responses={204: None}, summary="Remove a relationship"
    )
    def delete(self, request: Request, client_pk: int, relationship_pk: int) -> Response:
        relationship = relationship_get(client=self.client(), pk=relationship_pk)
        relationship_delete(relationship=relationship, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Appointments ----------------------------------------------------------------------------------
class AppointmentsView(FirmApiView):
    @extend_schema(
        operation_id="appointments_list",
        responses=s.AppointmentSerializer(many=True),
        summary="List a client's appointments",
        description="Upcoming soonest first, then past most recent first.",
    )
    def get(self, request: Request, client_pk: int) -> Response:
        appointments = client_appointments(client=self.client())
        return Response(s.AppointmentSerializer(appointments, many=True).data)

    @extend_schema(
        operation_id="appointments_book",
        request=s.AppointmentBookSerializer,
        responses={201: s.BookingSerializer},
        summary="Book an appointment",
        description="Double-booking is allowed; `clashes` lists what the new appointment "
        "overlaps." + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request, client_pk: int) -> Response:
        client = self.client()
        body = s.AppointmentBookSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        staff = staff_list(firm=self.firm).filter(pk=values.pop("staff")).first()
        if staff is None:
            raise _refused("staff", "Staff: choose an active member of this practice.")
        booking = appointment_book(
            firm=self.firm, client=client, staff=staff, acting_user=request.user, **values
        )
        return Response(s.BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


# Documents -------------------------------------------------------------------------------------
class DocumentsView(FirmApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="documents_list",
        responses=s.DocumentSerializer(many=True),
        summary="List a client's documents",
    )
    def get(self, request: Request, client_pk: int) -> Response:
        documents = client_documents(client=self.client())
        return Response(s.DocumentSerializer(documents, many=True).data)

    @extend_schema(
        operation_id="documents_upload",
        request={"multipart/form-data": s.DocumentUploadSerializer},
        responses={201: s.DocumentSerializer},
        summary="Upload a document",
        description="The file's type is checked by its content as well as its name."
        + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request, client_pk: int) -> Response:
        client = self.client()
        body = s.DocumentUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = document_upload(
            firm=self.firm,
            client=client,
            uploaded_file=body.validated_data["file"],
            acting_user=request.user,
        )
        return self.created(s.DocumentSerializer(document).data, "document", client.pk, document.pk)


class DocumentMixin:
    def document(self) -> Document:
        """The client's current document, or 404 (a deleted one is restored in the browser)."""
        document = document_get(firm=self.firm, pk=self.kwargs["document_pk"])
        if document.client_id != self.kwargs["client_pk"] or document.is_deleted:
            raise Http404("No such document of this client.")
        return document


class DocumentView(DocumentMixin, FirmApiView):
    @extend_schema(
        operation_id="documents_get", responses=s.DocumentSerializer, summary="Get a document"
    )
    def get(self, request: Request, client_pk: int, document_pk: int) -> Response:
        return Response(s.DocumentSerializer(self.document()).data)


class DocumentDownloadView(DocumentMixin, FirmApiView):
    @extend_schema(
        operation_id="documents_download",
        responses={
            (200, content_type): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, in the type its content was found to be (its metadata's "
                "`content_type`), its name in Content-Disposition.",
            )
            for content_type in sorted(TYPE_LABELS)
        },
        summary="Download a document",
    )
    def get(self, request: Request, client_pk: int, document_pk: int) -> FileResponse:
        document = self.document()
        response = FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


# Connections and links -------------------------------------------------------------------------
class ConnectionsView(FirmApiView):
    @extend_schema(
        operation_id="connections_list",
        responses=s.ConnectionSerializer(many=True),
        summary="List the practice's connections",
        description="Every add-on account the practice connected, disconnected ones included.",
    )
    def get(self, request: Request) -> Response:
        return Response(s.ConnectionSerializer(connection_list(firm=self.firm), many=True).data)


class ConnectionView(FirmApiView):
    @extend_schema(
        operation_id="connections_status",
        responses=s.ConnectionStatusSerializer,
        summary="Get a connection's status",
    )
    def get(self, request: Request, connection_pk: int) -> Response:
        connection = connection_get(firm=self.firm, pk=connection_pk)
        directory = getattr(connection, "directory", None)
        context = {
            "links": link_list(firm=self.firm).filter(connection=connection).count(),
            "directory_refreshed_at": directory.refreshed_at if directory else None,
            "active_run": sync_run_active(connection=connection),
        }
        serializer = s.ConnectionStatusSerializer(connection, context=context)
        return Response(serializer.data)


class LinkSuggestionsView(FirmApiView):
    pagination_class = SuggestionPagination

    @extend_schema(
        operation_id="links_suggestions",
        responses=s.LinkSuggestionSerializer(many=True),
        summary="Suggested links of a connection",
        description="For each unlinked client, the connection's record most like it, best "
        "first, from Tandem's copy of the connection's list.",
    )
    def get(self, request: Request, connection_pk: int) -> Response:
        connection = get_object_or_404(active_connections(firm=self.firm), pk=connection_pk)
        page = self.paginate_queryset(link_suggestions(firm=self.firm, connection=connection))
        return self.get_paginated_response(s.LinkSuggestionSerializer(page, many=True).data)


class LinksView(FirmApiView):
    @extend_schema(
        operation_id="links_list",
        responses=s.LinkSerializer(many=True),
        summary="List a client's links",
    )
    def get(self, request: Request, client_pk: int) -> Response:
        links = link_list(firm=self.firm).filter(client=self.client())
        return Response(s.LinkSerializer(links, many=True).data)

    @extend_schema(
        operation_id="links_create",
        request=s.LinkCreateSerializer,
        responses={201: s.LinkSerializer},
        summary="Link a client to a record of a connection",
        description="Linking changes no values; a sync does, with a plan." + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request, client_pk: int) -> Response:
        client = self.client()
        body = s.LinkCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        connection_pk = body.validated_data["connection"]
        connection = connection_list(firm=self.firm).filter(pk=connection_pk).first()
        if connection is None:
            raise _refused(
                "connection", f"Connection: this practice has no connection {connection_pk}."
            )
        link = link_create(
            firm=self.firm,
            client=client,
            connection=connection,
            external_id=body.validated_data["external_id"],
            acting_user=request.user,
        )
        return self.created(s.LinkSerializer(link).data, "link", client.pk, link.pk)


class LinkView(FirmApiView):
    @extend_schema(
        operation_id="links_delete",
        responses={204: None},
        summary="Disconnect a client from a record",
        description="Removes the link only: nothing of the client or the record is changed.",
    )
    def delete(self, request: Request, client_pk: int, link_pk: int) -> Response:
        link = link_get(client=self.client(), pk=link_pk)
        link_delete(link=link, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Duplicates and merges -------------------------------------------------------------------------
class DuplicatesView(FirmApiView):
    @extend_schema(
        operation_id="duplicates_list",
        responses=s.DuplicateGroupSerializer(many=True),
        summary="Likely duplicate contacts",
        description="Groups of active individuals that are probably one person, most certain "
        "group first, with the reasons.",
    )
    def get(self, request: Request) -> Response:
        groups = contact_duplicate_groups(firm=self.firm)
        return Response(s.DuplicateGroupSerializer(groups, many=True).data)


class MergesView(FirmApiView):
    @extend_schema(
        operation_id="merges_create",
        request=s.MergeCreateSerializer,
        responses={201: s.MergeSerializer},
        summary="Merge duplicate contacts",
        description="The duplicates' appointments, documents, links and roles move to the "
        "survivor; the duplicates are archived, never deleted, so the merge can be undone."
        + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request) -> Response:
        body = s.MergeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        pks = [data["survivor"], *data["duplicates"]]
        contacts = {contact.pk: contact for contact in contacts_for_merge(firm=self.firm, pks=pks)}
        missing = [pk for pk in pks if pk not in contacts]
        if missing:
            field = "survivor" if data["survivor"] in missing else "duplicates"
            raise _refused(
                field,
                f"{field.capitalize()}: this practice has no contact with the id {missing[0]}.",
            )
        field_choices = {}
        for name, pk in data["field_choices"].items():
            if pk not in contacts:
                raise _refused(
                    f"field_choices.{name}", f"{name}: choose one of the contacts merged."
                )
            field_choices[name] = contacts[pk]
        merge = client_merge(
            firm=self.firm,
            survivor=contacts[data["survivor"]],
            duplicates=[contacts[pk] for pk in data["duplicates"]],
            field_choices=field_choices,
            acting_user=request.user,
        )
        return self.created(s.MergeSerializer(merge).data, "merge", merge.pk)


class MergeView(FirmApiView):
    @extend_schema(operation_id="merges_get", responses=s.MergeSerializer, summary="Get a merge")
    def get(self, request: Request, merge_pk: int) -> Response:
        return Response(s.MergeSerializer(client_merge_get(firm=self.firm, pk=merge_pk)).data)


class MergeUndoView(FirmApiView):
    @extend_schema(
        operation_id="merges_undo",
        request=None,
        responses={200: s.MergeSerializer},
        summary="Undo a merge",
        description="Refused, changing nothing, when later changes stand in the way.",
    )
    def post(self, request: Request, merge_pk: int) -> Response:
        merge = client_merge_get(firm=self.firm, pk=merge_pk)
        merge = client_merge_undo(merge=merge, acting_user=request.user)
        return Response(s.MergeSerializer(merge).data)


# Sync runs -------------------------------------------------------------------------------------
class SyncRunApiView(FirmApiView):
    read_scope = Scope.SYNC_RUN
    write_scope = Scope.SYNC_RUN


class SyncRunsView(SyncRunApiView):
    pagination_class = RunCursorPagination

    @extend_schema(
        operation_id="sync_runs_list",
        responses=s.SyncRunSerializer(many=True),
        summary="List a connection's sync runs",
        description="Newest first.",
    )
    def get(self, request: Request, connection_pk: int) -> Response:
        connection = connection_get(firm=self.firm, pk=connection_pk)
        page = self.paginate_queryset(sync_runs_for_connection(connection=connection))
        return self.get_paginated_response(s.SyncRunSerializer(page, many=True).data)

    @extend_schema(
        operation_id="sync_runs_start",
        request=s.SyncRunStartSerializer,
        responses={202: s.SyncRunSerializer},
        summary="Start a sync run",
        description="Queues an import or a refresh; follow its progress at the Location "
        "returned. One run per connection is queued or running at a time." + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request, connection_pk: int) -> Response:
        connection = connection_get(firm=self.firm, pk=connection_pk)
        body = s.SyncRunStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        run = sync_run_start(connection=connection, acting_user=request.user, **body.validated_data)
        return self.created(s.SyncRunSerializer(run).data, "sync_run", run.pk, code=202)


class SyncRunView(SyncRunApiView):
    @extend_schema(
        operation_id="sync_runs_get",
        responses=s.SyncRunSerializer,
        summary="Get a sync run's status and progress",
    )
    def get(self, request: Request, run_pk: int) -> Response:
        return Response(s.SyncRunSerializer(sync_run_get(firm=self.firm, pk=run_pk)).data)


class SyncRunRecordsView(SyncRunApiView):
    pagination_class = RecordCursorPagination

    @extend_schema(
        operation_id="sync_runs_records",
        parameters=[s.SyncRunRecordFilterSerializer],
        responses=s.SyncRunRecordSerializer(many=True),
        summary="What a sync run did with each record",
        description="Records left as they were are only counted on the run.",
    )
    def get(self, request: Request, run_pk: int) -> Response:
        run = sync_run_get(firm=self.firm, pk=run_pk)
        query = s.SyncRunRecordFilterSerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        records = sync_run_records(run=run, outcome=query.validated_data.get("outcome"))
        page = self.paginate_queryset(records)
        return self.get_paginated_response(s.SyncRunRecordSerializer(page, many=True).data)


class SyncRunRetryView(SyncRunApiView):
    @extend_schema(
        operation_id="sync_runs_retry_failed",
        request=None,
        responses={202: s.SyncRunSerializer},
        summary="Retry a run's failed records",
        description="Starts a new run over the failed records' external ids." + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request, run_pk: int) -> Response:
        run = sync_run_get(firm=self.firm, pk=run_pk)
        retry = sync_run_retry_failed(run=run, acting_user=request.user)
        return self.created(s.SyncRunSerializer(retry).data, "sync_run", retry.pk, code=202)


class SyncRunApplyView(SyncRunApiView):
    @extend_schema(
        operation_id="sync_runs_apply",
        request=None,
        responses={202: s.SyncRunSerializer},
        summary="Apply a dry run",
        description="Starts the same run for real." + IDEMPOTENCY_DOC,
    )
    @idempotent
    def post(self, request: Request, run_pk: int) -> Response:
        run = sync_run_get(firm=self.firm, pk=run_pk)
        applied = sync_run_apply(run=run, acting_user=request.user)
        return self.created(s.SyncRunSerializer(applied).data, "sync_run", applied.pk, code=202)


@extend_schema(exclude=True)
class UnknownPathView(APIView):
    """Any other path under the API: a problem response like every other refusal, not the
    browser's HTML page."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    def dispatch_unknown(self, request: Request, unknown: str) -> Response:
        with_slash = f"{request.path}/"
        if resolve(with_slash).url_name != "unknown":
            raise NotFound(f"The API has no such path: did you mean {with_slash} ?")
        raise NotFound("The API has no such path; see /api/v1/docs/.")

    get = post = put = patch = delete = dispatch_unknown
