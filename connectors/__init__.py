"""Built-in connectors, one self-contained folder each, registered under ``hub.connectors``."""
