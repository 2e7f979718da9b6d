"""Provider key -> connector class, each imported only when first asked for.

The only list of providers in Tandem: views, the sync engine and matching look connectors up
here and never name a provider themselves.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from integrations.exceptions import UnknownProvider

if TYPE_CHECKING:
    from integrations.connectors.base import Connector

PROVIDERS: dict[str, str] = {
    "xpm": "integrations.connectors.xpm.XpmConnector",
    "aps": "integrations.connectors.aps.ApsConnector",
    "cms": "integrations.connectors.cms.CmsConnector",
}


@cache
def connector_class(provider: str) -> type[Connector]:
    try:
        dotted_path = PROVIDERS[provider]
    except KeyError:
        raise UnknownProvider(provider) from None
    return import_string(dotted_path)


def provider_keys() -> list[str]:
    return list(PROVIDERS)


def provider_name(provider: str) -> str:
    try:
        return connector_class(provider).display_name
    except UnknownProvider:
        return provider
