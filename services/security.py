"""Who is signed in and what they may do: PostgreSQL role membership is the source of truth."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from psycopg import sql
from sqlalchemy import Engine, text

from .errors import ValidationError
from .uow import UnitOfWork

# Group roles created by migrations; people log in as members of one or more.
GROUP_ROLES = {
    "claimdesk_adjudicator": "adjudicator",
    "claimdesk_supervisor": "supervisor",
    "claimdesk_enrollment": "enrollment",
    "claimdesk_billing": "billing",
    "claimdesk_auditor": "auditor",
    "claimdesk_admin": "admin",
}
# Which screens each role may open (the database refuses the rest anyway).
SCREENS = {
    "adjudicator": {"claims", "eligibility", "providers", "documents"},
    "supervisor": {"claims", "eligibility", "providers", "billing", "documents"},
    "enrollment": {"enrollment", "eligibility", "documents"},
    "billing": {"billing", "documents"},
    "auditor": {"claims", "eligibility", "enrollment", "providers", "billing", "documents"},
    "admin": {"claims", "eligibility", "enrollment", "providers", "billing", "documents"},
}


@dataclass(frozen=True)
class Identity:
    user: str
    roles: tuple[str, ...]
    superuser: bool

    @property
    def screens(self) -> set[str]:
        allowed: set[str] = set()
        for role in self.roles:
            allowed |= SCREENS.get(role, set())
        return allowed


def current_identity(sessions) -> Identity:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        user, superuser = conn.execute(
            text("SELECT session_user, rolsuper FROM pg_roles WHERE rolname = session_user")
        ).one()
        groups = conn.execute(
            text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names) AND pg_has_role(session_user, oid, 'member')"),
            {"names": list(GROUP_ROLES)},
        ).scalars().all()
    # pg_has_role says yes to every role for a superuser: that is an administrator, not six jobs.
    roles = ("admin",) if superuser else tuple(sorted({GROUP_ROLES[g] for g in groups}))
    return Identity(user, roles, bool(superuser))


_NAME = re.compile(r"^[a-z][a-z0-9_.]{1,62}$")


def reads_claims(conn) -> bool:  # noqa: ANN001
    """Whether the signed-in role may read claims (enrollment may not): screens leave them out instead of failing."""
    return conn.execute(
        text("SELECT CASE WHEN has_schema_privilege('claims', 'USAGE') THEN has_table_privilege('claims.claims', 'SELECT') ELSE false END")
    ).scalar_one()


def add_user(engine: Engine, name: str, roles: list[str]) -> str:
    """Create a login role for a person in the given groups; returns a one-time initial password."""
    if not _NAME.match(name):
        raise ValidationError("must be 2-63 lower-case letters, digits, '_' or '.', starting with a letter", where="user name")
    groups = []
    for role in roles:
        group = f"claimdesk_{role}" if not role.startswith("claimdesk_") else role
        if group not in GROUP_ROLES:
            raise ValidationError(f"{role!r} is not a role ({', '.join(GROUP_ROLES.values())})", where="--role")
        groups.append(group)
    password = secrets.token_urlsafe(18)
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first():
            raise ValidationError(f"a login named {name} already exists", where="user name")
        raw = conn.connection.driver_connection
        # Utility statements take no bind parameters: quote client-side, and keep
        # the statement out of the server log so the password is never written.
        with raw.cursor() as cur:
            cur.execute("SET LOCAL log_statement = 'none'") if _is_superuser(cur) else None
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
            for group in groups:
                cur.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(name)))
    return password


def _is_superuser(cur) -> bool:  # noqa: ANN001
    cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    return bool(cur.fetchone()[0])
