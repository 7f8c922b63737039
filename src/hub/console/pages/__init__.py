"""The console's pages, one module per page (and its actions)."""
