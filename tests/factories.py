"""Rows for tests, made through the same code the simulator uses (no hand-written fixtures)."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

from claimdesk.services.claims import simulator
from claimdesk.services.uow import UnitOfWork
from tests.conftest import SCENARIOS


def scenario_data(name: str = "01_office_visit_copay") -> dict[str, Any]:
    path = next(p for p in SCENARIOS if p.stem.startswith(name[:2]))
    return json.loads(Path(path).read_text())


def make_scenario(db, data: dict[str, Any] | None = None, **claim_changes: Any) -> simulator.Created:  # noqa: ANN001
    """Create a scenario's rows (member, policy, provider, claim) without pricing it."""
    data = copy.deepcopy(data or scenario_data())
    data["claim"].update(claim_changes)
    sc = simulator.parse_scenario(data)
    with UnitOfWork(db.sessions) as uow:
        created = simulator.create_scenario_rows(uow.connection, sc)
        uow.commit()
    return created


def make_claim(db, data: dict[str, Any] | None = None) -> uuid.UUID:  # noqa: ANN001
    return make_scenario(db, data).claim_id


def demo_database(pg_admin_url: str, prefix: str, **seed: Any):  # noqa: ANN201
    """A fresh database at head with the demo data ``seed`` asks for; returns (url, Database) as the superuser."""
    from claimdesk.db import connect
    from claimdesk.migrate import upgrade
    from claimdesk.services import demo
    from claimdesk.settings import Settings
    from tests.conftest import _as_url, _fresh_database

    url = _as_url(_fresh_database(pg_admin_url, prefix))
    db = connect(Settings(database_url=url), url=url, pool_size=2)
    upgrade(db.engine, "head")
    demo.seed(db.engine, **seed)
    return url, db


def login(db, url: str, group: str):  # noqa: ANN001, ANN201
    """A fresh login in ``claimdesk_<group>``, signed in: grants and row-level security apply to it."""
    from claimdesk.db import connect
    from claimdesk.settings import Settings

    name = f"t_{group}_{uuid.uuid4().hex[:8]}"
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN IN ROLE claimdesk_{group}')
    return connect(Settings(database_url=url), url=url.replace("postgres@", f"{name}@", 1), pool_size=2)
