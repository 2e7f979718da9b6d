from integrations.connectors.aps.connector import ApsConnector

__all__ = ["ApsConnector"]
