"""The work queue: who works which claim next, and the read model behind the queue table.

Lists page by key (``WHERE (sort_key, id) > (...)``), never by OFFSET, so the
millionth row costs what the first does.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from ..errors import ValidationError
from ..money import fmt_grouped
from ..search import like_prefix
from ..uow import UnitOfWork
from . import lifecycle as lc

SORTS = {
    "received": "c.received_at",
    "amount": "c.amount_claimed",
    "incident": "c.incident_date",
    "locator": "c.locator",
}
QUEUE_STATUSES = (lc.RECEIVED, lc.PENDED, lc.REOPENED)


@dataclass(frozen=True)
class QueueFilter:
    statuses: tuple[str, ...] = ()
    pend_reason: str | None = None
    assignee: str | None = None  # a login name, or "" for unassigned
    incident_from: dt.date | None = None
    incident_to: dt.date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    text: str = ""
    sort: str = "received"
    descending: bool = False

    def validate(self) -> QueueFilter:
        if "\x00" in self.text:
            # PostgreSQL text cannot hold NUL; a pasted one is noise, not a search term.
            return QueueFilter(**{**self.__dict__, "text": self.text.replace("\x00", "")}).validate()
        bad = [s for s in self.statuses if s not in lc.STATUSES]
        if bad:
            raise ValidationError(f"unknown status {bad[0]!r}", where="status filter")
        if self.sort not in SORTS:
            raise ValidationError(f"cannot sort by {self.sort!r}", where="sort")
        if self.incident_from and self.incident_to and self.incident_from > self.incident_to:
            raise ValidationError("the 'from' date is after the 'to' date", where="incident date filter")
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            raise ValidationError("the minimum amount is above the maximum", where="amount filter")
        if len(self.text) > 200:
            raise ValidationError("the search text is longer than 200 characters", where="search")
        return self


@dataclass(frozen=True)
class QueueRow:
    id: uuid.UUID
    key: tuple[Any, ...]
    locator: str
    member: str
    member_locator: str
    provider: str
    incident_date: dt.date
    amount_claimed: Decimal
    currency: str
    status: str
    pend_reason: str | None
    assignee: str | None
    received_at: dt.datetime
    version: int
    display: dict[str, str] = field(default_factory=dict, compare=False)


_LOCATOR = re.compile(r"^[A-Z]{2,3}-\d{1,8}$")


# A name prefix matching more members than this is searched with a subquery instead of a list.
NAME_MATCH_LIST_MAX = 5000


def _named_members(conn, f: QueueFilter) -> list[uuid.UUID] | None:  # noqa: ANN001
    """The members a name search matches, when it is a name search that matches few enough of them.

    The queue then checks each claim against this list (a hash lookup) instead of
    looking the claim's member up by name: the difference between 140 ms and about 25 ms
    for a name, an amount range and open work together at 1,000,000 claims.
    """
    term = f.text.strip()
    if not term or _LOCATOR.match(term.upper()):
        return None
    ids = conn.execute(
        text(
            "SELECT id FROM policy_admin.parties WHERE lower(last_name) LIKE :name_prefix "
            "OR lower(first_name || ' ' || last_name) LIKE :name_prefix LIMIT :most"
        ),
        {"name_prefix": like_prefix(term), "most": NAME_MATCH_LIST_MAX + 1},
    ).scalars().all()
    return ids if len(ids) <= NAME_MATCH_LIST_MAX else None


def _where(f: QueueFilter, members: list[uuid.UUID] | None = None) -> tuple[list[str], dict[str, Any]]:
    where: list[str] = []
    params: dict[str, Any] = {}
    if f.statuses:
        where.append("c.status = ANY(:statuses)")
        params["statuses"] = list(f.statuses)
    if f.pend_reason:
        where.append("c.pend_reason = :pend_reason")
        params["pend_reason"] = f.pend_reason
    if f.assignee is not None:
        if f.assignee == "":
            where.append("c.assignee IS NULL")
        else:
            where.append("c.assignee = :assignee")
            params["assignee"] = f.assignee
    if f.incident_from:
        where.append("c.incident_date >= :incident_from")
        params["incident_from"] = f.incident_from
    if f.incident_to:
        where.append("c.incident_date <= :incident_to")
        params["incident_to"] = f.incident_to
    if f.amount_min is not None:
        where.append("c.amount_claimed >= :amount_min")
        params["amount_min"] = f.amount_min
    if f.amount_max is not None:
        where.append("c.amount_claimed <= :amount_max")
        params["amount_max"] = f.amount_max
    term = f.text.strip()
    if term:
        # Any text is a value, never SQL: bound parameters, LIKE wildcards escaped.
        if _LOCATOR.match(term.upper()):
            where.append("(c.locator = :locator OR p.locator = :locator)")
            params["locator"] = term.upper()
        elif members is not None:
            where.append("c.claimant_party_id = ANY(:members)")
            params["members"] = members
        else:
            where.append(
                "c.claimant_party_id IN (SELECT id FROM policy_admin.parties WHERE lower(last_name) LIKE :name_prefix "
                "OR lower(first_name || ' ' || last_name) LIKE :name_prefix)"
            )
            params["name_prefix"] = like_prefix(term)
    return where, params


def list_queue(sessions, f: QueueFilter, after: tuple[Any, ...] | None = None, limit: int = 200) -> list[QueueRow]:  # noqa: ANN001
    f = f.validate()
    sort = SORTS[f.sort]
    op = "<" if f.descending else ">"
    order = "DESC" if f.descending else "ASC"
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        _custom_plans(conn)
        where, params = _where(f, _named_members(conn, f))
        if after is not None:
            where.append(f"({sort}, c.id) {op} (:after_value, :after_id)")
            params["after_value"], params["after_id"] = after
        # Two steps: the page's keys first, from the claims' own indexes (index-only where the
        # queue's partial index covers the filters), then the rows and names for those keys only.
        by_member_locator = any("p." in w for w in where)
        sql = f"""
            WITH page AS (
                SELECT c.id, {sort} AS sort_value
                FROM claims.claims c
                {"JOIN policy_admin.parties p ON p.id = c.claimant_party_id" if by_member_locator else ""}
                {"WHERE " + " AND ".join(where) if where else ""}
                ORDER BY {sort} {order}, c.id {order}
                LIMIT :limit
            )
            SELECT c.id, page.sort_value, c.locator, c.incident_date, c.amount_claimed, c.currency, c.status,
                   c.pend_reason, c.assignee, c.received_at, c.version,
                   coalesce(p.first_name || ' ' || p.last_name, p.name, p.locator) AS member, p.locator AS member_locator,
                   pr.name AS provider, now() AS now
            FROM page
            JOIN claims.claims c ON c.id = page.id
            JOIN policy_admin.parties p ON p.id = c.claimant_party_id
            JOIN provider.providers pr ON pr.id = c.provider_id
            ORDER BY page.sort_value {order}, c.id {order}
        """
        params["limit"] = max(1, min(limit, 1000))
        rows = conn.execute(text(sql), params).mappings().all()
    return [_row(r, r["now"]) for r in rows]


def _custom_plans(conn) -> None:  # noqa: ANN001
    """Plan each queue query for its own values.

    A reused generic plan cannot see that the statuses match the open-work
    index's condition, nor turn a list of members into a hash lookup.
    """
    conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _row(r: Any, now: dt.datetime) -> QueueRow:
    row = QueueRow(
        id=r["id"],
        key=(r["sort_value"], r["id"]),
        locator=r["locator"],
        member=r["member"],
        member_locator=r["member_locator"],
        provider=r["provider"],
        incident_date=r["incident_date"],
        amount_claimed=r["amount_claimed"],
        currency=r["currency"],
        status=r["status"],
        pend_reason=r["pend_reason"],
        assignee=r["assignee"],
        received_at=r["received_at"],
        version=r["version"],
    )
    row.display.update(
        locator=row.locator,
        member=row.member,
        provider=row.provider,
        incident_date=row.incident_date.isoformat(),
        amount_claimed=f"{fmt_grouped(row.amount_claimed)} {row.currency}",
        status=row.status.replace("_", " ").title(),
        pend_reason=(row.pend_reason or "").replace("_", " ").title(),
        assignee=row.assignee or "",
        age=format_age(now - row.received_at),
    )
    return row


def format_age(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (60 * 24)} d"


def status_counts(sessions, f: QueueFilter) -> dict[str, int]:  # noqa: ANN001
    """Claims per status under every filter but the status one."""
    f = QueueFilter(**{**f.validate().__dict__, "statuses": ()})
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        _custom_plans(conn)
        where, params = _where(f, _named_members(conn, f))
        needs_party = any("p." in w for w in where)
        sql = (
            "SELECT c.status, count(*) FROM claims.claims c "
            + ("JOIN policy_admin.parties p ON p.id = c.claimant_party_id " if needs_party else "")
            + ("WHERE " + " AND ".join(where) if where else "")
            + " GROUP BY c.status"
        )
        counts = dict(conn.execute(text(sql), params).all())
    return {s: counts.get(s, 0) for s in lc.STATUSES}


@dataclass(frozen=True)
class Lease:
    claim_id: uuid.UUID
    locator: str
    version: int
    lease_expires_at: dt.datetime


def get_next_claim(sessions, lease_minutes: int = 30, statuses: tuple[str, ...] = QUEUE_STATUSES) -> Lease | None:  # noqa: ANN001
    """Lease the oldest workable claim nobody holds. A short transaction: no lock survives it.

    SKIP LOCKED lets many workstations ask at once without waiting on each
    other or receiving the same claim.
    """
    with UnitOfWork(sessions) as uow:
        row = uow.connection.execute(
            text(
                """
                UPDATE claims.claims c SET assignee = session_user,
                       lease_expires_at = now() + make_interval(mins => :minutes),
                       version = c.version + 1, updated_at = now(), updated_by = session_user
                WHERE c.id = (
                    SELECT id FROM claims.claims
                    WHERE status = ANY(:statuses)
                      AND (assignee IS NULL OR lease_expires_at IS NULL OR lease_expires_at < now())
                    ORDER BY received_at, id
                    FOR UPDATE SKIP LOCKED
                    LIMIT 1
                )
                RETURNING c.id, c.locator, c.version, c.lease_expires_at
                """
            ),
            {"minutes": lease_minutes, "statuses": list(statuses)},
        ).first()
        if row is None:
            return None
        uow.connection.execute(
            text(
                "INSERT INTO claims.claim_events (claim_id, event_type, note, detail) "
                "VALUES (:id, 'ASSIGNED', 'taken from the work queue', jsonb_build_object('lease_expires_at', CAST(:until AS text)))"
            ),
            {"id": row.id, "until": row.lease_expires_at.isoformat()},
        )
        uow.commit()
    return Lease(row.id, row.locator, row.version, row.lease_expires_at)


def release_claim(sessions, claim_id: uuid.UUID) -> None:  # noqa: ANN001
    """Give a leased claim back to the queue (closing it without finishing)."""
    with UnitOfWork(sessions) as uow:
        uow.connection.execute(
            text(
                "UPDATE claims.claims SET assignee = NULL, lease_expires_at = NULL, version = version + 1, updated_at = now(), "
                "updated_by = session_user WHERE id = :id AND assignee = session_user"
            ),
            {"id": claim_id},
        )
        uow.commit()
