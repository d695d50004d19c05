"""Human-readable locators from one database sequence: ``CLM-00001234``."""

from __future__ import annotations

from sqlalchemy import Connection, text

PREFIXES = {
    "claim": "CLM",
    "member": "MBR",
    "party": "PTY",
    "policy": "POL",
    "term": "TRM",
    "provider": "PRV",
    "account": "ACC",
    "product": "PRD",
    "prior_auth": "PA",
    "charge": "CHG",
    "ledger": "LED",
    "document": "DOC",
    "quote": "QTE",
    "transaction": "TXN",
    "role": "ROL",
}


def format_locator(kind: str, number: int) -> str:
    return f"{PREFIXES[kind]}-{number:08d}"


def next_locators(conn: Connection, kind: str, count: int = 1) -> list[str]:
    rows = conn.execute(
        text("SELECT nextval('public.claimdesk_locator_seq') FROM generate_series(1, :n)"), {"n": count}
    ).scalars()
    return [format_locator(kind, n) for n in rows]


def next_locator(conn: Connection, kind: str) -> str:
    return next_locators(conn, kind, 1)[0]
