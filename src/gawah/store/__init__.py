"""The database: engine and sessions, the relational model, and its Alembic migrations."""
