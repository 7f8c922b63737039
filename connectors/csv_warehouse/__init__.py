"""The built-in CSV folder warehouse connector (entry point ``csv_warehouse``)."""

from connectors.csv_warehouse.connector import CsvWarehouseConnector

connector = CsvWarehouseConnector()

__all__ = ["CsvWarehouseConnector", "connector"]
