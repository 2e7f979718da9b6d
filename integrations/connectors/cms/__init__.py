from integrations.connectors.cms.connector import CmsConnector

__all__ = ["CmsConnector"]
