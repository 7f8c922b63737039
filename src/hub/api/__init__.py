"""The HTTP API: thin litestar controllers over the services."""
