"""Alembic environment: runs on the engine ClaimDesk hands it (see claimdesk.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from claimdesk.models import SCHEMAS, metadata

config = context.config


def include_name(name, type_, parent_names):  # noqa: ANN001
    if type_ == "schema":
        return name in SCHEMAS
    if type_ == "index" and name and name.startswith("ixr_"):
        return False  # raw-SQL expression indexes, see 0005
    return True


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        raise RuntimeError("ClaimDesk migrations run through `claimdesk db ...`, which supplies the connection")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_schemas=True,
            include_name=include_name,
            version_table_schema="public",
            compare_type=True,
            compare_server_default=False,
        )
        with context.begin_transaction():
            # Two workstations upgrading the embedded server at once take turns.
            connection.execute(text("SELECT pg_advisory_xact_lock(724311)"))
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
