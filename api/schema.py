"""How the OpenAPI schema describes Tandem's authentication, scopes and problem responses."""

from typing import Any

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from api.problems import PROBLEM_CONTENT_TYPE

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

PROBLEM_DESCRIPTIONS = {
    400: "The request is malformed: a missing or wrongly typed field or parameter.",
    401: "No token, or one that is unknown, revoked or expired.",
    403: "The token lacks the scope this call needs.",
    404: "This practice has nothing with that id.",
    409: "The records are not in a state that allows this, e.g. a sync run is already active.",
    413: "The file is larger than the practice accepts.",
    415: "The body is not in a media type this call accepts.",
    422: "The values were refused; `field` and `errors` say which and why.",
    429: "Too many requests for this token; wait the seconds `Retry-After` says.",
}


class ProblemErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="The input at fault, if one is.")
    detail = serializers.CharField()
    code = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem; `code` is stable, `detail` is for people."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    field = serializers.CharField(required=False, help_text="The one input at fault, if one is.")
    errors = ProblemErrorSerializer(many=True, required=False)


class TandemAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        problem = self.resolve_serializer(ProblemSerializer(), "response").ref
        for status_code in self._problem_statuses():
            response: dict[str, Any] = {
                "description": PROBLEM_DESCRIPTIONS[status_code],
                "content": {PROBLEM_CONTENT_TYPE: {"schema": problem}},
            }
            if status_code == 429:
                response["headers"] = {
                    "Retry-After": {
                        "schema": {"type": "integer"},
                        "description": "Seconds until the token may call again.",
                    }
                }
            responses.setdefault(str(status_code), response)
        return responses

    def _problem_statuses(self) -> list[int]:
        statuses = [400, 401, 403, 429]
        if "{" in self.path:
            statuses.append(404)
        if self.method in WRITE_METHODS:
            statuses += [409, 415, 422]
        if "multipart/form-data" in self.map_parsers():
            statuses.append(413)
        return sorted(statuses)


class PersonalAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.PersonalAccessTokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (`tnd_...`) made under Account > API tokens; "
            "it carries the scopes chosen when it was made.",
        }


class FirmOAuth2Scheme(DjangoOAuthToolkitScheme):
    target_class = "api.authentication.FirmOAuth2Authentication"

    def get_security_requirement(self, auto_schema: AutoSchema) -> dict[str, list[str]]:
        return {self.name: [auto_schema.view.required_scope(auto_schema.method)]}
