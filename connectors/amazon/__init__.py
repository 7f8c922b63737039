"""The built-in Amazon SP-API channel connector (entry point ``amazon``)."""

from connectors.amazon.connector import AmazonConnector

connector = AmazonConnector()

__all__ = ["AmazonConnector", "connector"]
