"""Job handlers and other helpers that tests load into real hub processes."""
