"""The built-in eBay channel connector (entry point ``ebay``)."""

from connectors.ebay.connector import EbayConnector

connector = EbayConnector()

__all__ = ["EbayConnector", "connector"]
