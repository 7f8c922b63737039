"""The built-in ShipBob (3PL) connector (entry point ``shipbob``)."""

from connectors.shipbob.connector import ShipBobConnector

connector = ShipBobConnector()

__all__ = ["ShipBobConnector", "connector"]
