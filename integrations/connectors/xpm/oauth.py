"""Xero identity: which XPM organisations (tenants) an authorisation reaches, and revoking one."""

import httpx

from integrations.exceptions import BadResponse, ProviderUnavailable, RequestRejected
from integrations.oauth import ExternalAccount, OAuthClient

# Client data only: reading and changing clients is all Tandem does in XPM.
SCOPES = ("offline_access", "practicemanager.client")


class XeroOAuthClient(OAuthClient):
    def __init__(self, *, connections_url: str, **kwargs):
        super().__init__(scopes=SCOPES, **kwargs)
        self.connections_url = connections_url.rstrip("/")

    def accounts(self, access_token: str) -> list[ExternalAccount]:
        try:
            response = self.http.get(self.connections_url, headers=_bearer(access_token))
        except httpx.TransportError as error:
            raise ProviderUnavailable(self.provider, detail="no answer from Xero") from error
        if response.status_code >= 500:
            raise ProviderUnavailable(self.provider, detail=f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise RequestRejected(
                self.provider,
                detail=f"Xero would not list the organisations ({response.status_code})",
            )
        connections = self._json(response)
        try:
            return [
                ExternalAccount(
                    id=str(connection["tenantId"]),
                    name=str(connection.get("tenantName") or connection["tenantId"]),
                    provider_connection_id=str(connection["id"]),
                )
                for connection in connections
            ]
        except (KeyError, TypeError) as error:
            raise BadResponse(
                self.provider, detail="the organisation list was incomplete"
            ) from error

    def account_revoke(self, *, access_token: str, provider_connection_id: str) -> None:
        url = f"{self.connections_url}/{provider_connection_id}"
        try:
            response = self.http.delete(url, headers=_bearer(access_token))
        except httpx.TransportError as error:
            raise ProviderUnavailable(self.provider, detail="no answer from Xero") from error
        if response.status_code not in (200, 204, 404):
            raise RequestRejected(
                self.provider,
                detail=f"Xero would not remove the connection ({response.status_code})",
            )


def _bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
