"""The built-in Shopify channel connector (entry point ``shopify``)."""

from connectors.shopify.connector import ShopifyConnector

connector = ShopifyConnector()

__all__ = ["ShopifyConnector", "connector"]
