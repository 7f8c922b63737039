"""Infrastructure written once and shared by the core and, through ``hub.sdk``, connectors:
the YAML reader, the file watcher for hot reload, the token bucket. No hub imports here."""
