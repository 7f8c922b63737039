"""Storage: tables, the engine, repositories. SQLite by default, PostgreSQL in production."""
