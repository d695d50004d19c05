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
