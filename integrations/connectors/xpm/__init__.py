from integrations.connectors.xpm.connector import XpmConnector

__all__ = ["XpmConnector"]
