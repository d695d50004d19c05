"""The queue's name search: the same rows, in the same order, whether the name's members are
listed (a few of them) or searched for in the same statement (very many of them)."""

from __future__ import annotations

import copy
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from claimdesk.services.claims import queue, simulator
from claimdesk.services.uow import UnitOfWork
from tests.factories import scenario_data


def _member_claim(db, first: str, last: str, amount: str, status: str = "RECEIVED") -> uuid.UUID:
    sc = simulator.parse_scenario(copy.deepcopy(scenario_data("01")))
    with UnitOfWork(db.sessions) as uow:
        created = simulator.create_scenario_rows(uow.connection, sc, member_name=(first, last))
        uow.connection.execute(
            text(
                "UPDATE claims.claims SET amount_claimed = :a, status = :s, "
                "pend_reason = :r WHERE id = :id"
            ),
            {"a": Decimal(amount), "s": status, "r": "MANUAL_REVIEW" if status == "PENDED" else None, "id": created.claim_id},
        )
        uow.commit()
    return created.claim_id


@pytest.fixture(scope="module")
def named(db):
    """Five claims of members whose last names share a prefix of our own, and one that does not."""
    tag = uuid.uuid4().hex[:6]
    prefix = f"Qz{tag}"
    ids = {
        "a": _member_claim(db, "Ann", f"{prefix}alpha", "120.00"),
        "b": _member_claim(db, "Bob", f"{prefix}beta", "750.00"),
        "c": _member_claim(db, "Cy", f"{prefix}gamma", "980.50", status="PENDED"),
        "d": _member_claim(db, "Di", f"{prefix}delta", "640.00", status="FINALIZED"),
        "e": _member_claim(db, f"{prefix}first", "Other", "500.00"),  # matched by "first last"
        "x": _member_claim(db, "Xi", f"Qy{tag}", "700.00"),
    }
    return prefix, ids


def _expected(db, prefix: str, where: str, order: str, params: dict | None = None) -> list[uuid.UUID]:
    """The answer computed independently: every claim of a member whose name starts with the prefix."""
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT c.id FROM claims.claims c JOIN policy_admin.parties p ON p.id = c.claimant_party_id "
                    "WHERE (lower(p.last_name) LIKE :pfx OR lower(p.first_name || ' ' || p.last_name) LIKE :pfx) "
                    f"{where} ORDER BY {order}"
                ),
                {"pfx": prefix.lower() + "%", **(params or {})},
            ).scalars()
        )


CASES = [
    ("name alone", {}, "", "c.received_at, c.id"),
    ("open work and an amount range",
     {"statuses": queue.QUEUE_STATUSES, "amount_min": Decimal("500.00"), "amount_max": Decimal("1000.00")},
     "AND c.status IN ('RECEIVED', 'PENDED', 'REOPENED') AND c.amount_claimed BETWEEN 500.00 AND 1000.00", "c.received_at, c.id"),
    ("largest amount first", {"sort": "amount", "descending": True}, "", "c.amount_claimed DESC, c.id DESC"),
    ("by locator", {"sort": "locator"}, "", "c.locator, c.id"),
]


@pytest.mark.parametrize("listed", [True, False], ids=["members listed", "members searched in the statement"])
@pytest.mark.parametrize(("label", "filters", "where", "order"), CASES, ids=[c[0] for c in CASES])
def test_a_name_search_finds_every_claim_of_the_named_members_in_order(db, named, monkeypatch, listed, label, filters, where, order):
    prefix, ids = named
    if not listed:
        monkeypatch.setattr(queue, "NAME_MATCH_LIST_MAX", 0)
    f = queue.QueueFilter(text=prefix.lower(), **filters)
    expected = _expected(db, prefix, where, order)
    assert ids["x"] not in expected and expected, label
    # Two rows a page: the keyset paging walks the same order to the end.
    got, after = [], None
    while True:
        page = queue.list_queue(db.sessions, f, after=after, limit=2)
        got += [r.id for r in page]
        if len(page) < 2:
            break
        after = page[-1].key
    assert got == expected, label


@pytest.mark.parametrize("listed", [True, False], ids=["members listed", "members searched in the statement"])
def test_status_counts_under_a_name_search(db, named, monkeypatch, listed):
    prefix, _ids = named
    if not listed:
        monkeypatch.setattr(queue, "NAME_MATCH_LIST_MAX", 0)
    counts = queue.status_counts(db.sessions, queue.QueueFilter(text=prefix, amount_min=Decimal("500.00")))
    assert {k: v for k, v in counts.items() if v} == {"RECEIVED": 2, "PENDED": 1, "FINALIZED": 1}
