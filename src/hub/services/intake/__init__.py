"""Order intake: the path of an order into the hub (drawn in full in a later commit)."""
