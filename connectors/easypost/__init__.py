"""The built-in EasyPost carrier connector (entry point ``easypost``): rates, labels and
tracking webhooks."""

from connectors.easypost.connector import EasyPostConnector

connector = EasyPostConnector()

__all__ = ["EasyPostConnector", "connector"]
