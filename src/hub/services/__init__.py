"""Use cases: each opens one transaction, changes state, writes events and jobs, commits."""
