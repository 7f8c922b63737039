"""Generic JSON webhooks: any partner that POSTs JSON with an HMAC header, via a mapping file."""

from connectors.generic_json.connector import GenericJsonConnector

connector = GenericJsonConnector()

__all__ = ["GenericJsonConnector", "connector"]
