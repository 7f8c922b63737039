"""Pure domain: canonical Structs and rules. No I/O, no database, no web framework."""
