"""The built-in Square (POS) channel connector (entry point ``square``)."""

from connectors.square.connector import SquareConnector

connector = SquareConnector()

__all__ = ["SquareConnector", "connector"]
