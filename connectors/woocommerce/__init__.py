"""The built-in WooCommerce channel connector (entry point ``woocommerce``)."""

from connectors.woocommerce.connector import WooCommerceConnector

connector = WooCommerceConnector()

__all__ = ["WooCommerceConnector", "connector"]
