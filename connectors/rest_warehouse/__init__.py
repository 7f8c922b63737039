"""The generic REST warehouse connector, driven by a mapping file (entry ``rest_warehouse``)."""

from connectors.rest_warehouse.connector import RestWarehouseConnector

connector = RestWarehouseConnector()

__all__ = ["RestWarehouseConnector", "connector"]
