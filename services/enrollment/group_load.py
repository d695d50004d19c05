"""Loading a group scheme's members from a CSV file: every row checked first, then all or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from ..errors import ValidationError
from ..locators import next_locator, next_locators
from ..uow import UnitOfWork

REQUIRED = ("first_name", "last_name", "date_of_birth")
OPTIONAL = ("email", "phone")
MAX_ROWS = 50_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAME = re.compile(r"^[^\x00-\x1f]{1,80}$")


@dataclass(frozen=True)
class MemberRow:
    line: int
    first_name: str
    last_name: str
    date_of_birth: dt.date
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class LoadResult:
    job_locator: str
    scheme_code: str
    loaded: int
    message: str
    changes: frozenset[str] = frozenset({"schemes", "parties"})
    member_locators: tuple[str, ...] = ()


def parse_members_csv(content: str, today: dt.date, source: str = "CSV") -> list[MemberRow]:
    """Every row checked; a ValidationError lists each bad row (up to twenty) and nothing is kept."""
    if "\x00" in content:
        raise ValidationError("contains NUL characters; is it really a CSV file?", where=source)
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(f"the header lacks {', '.join(missing)} (it needs {', '.join(REQUIRED)})", where=f"{source} line 1")
    reader.fieldnames = header
    rows: list[MemberRow] = []
    problems: list[str] = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    for record in reader:
        line = reader.line_num
        if len(rows) + len(problems) >= MAX_ROWS:
            raise ValidationError(f"holds more than {MAX_ROWS:,} members; split the file", where=source)
        if None in record:
            problems.append(f"line {line}: has more columns than the header")
            continue
        values = {k: (v or "").strip() for k, v in record.items()}
        try:
            rows.append(_row(line, values, today, seen))
        except ValidationError as exc:
            problems.append(str(exc))
    if problems:
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise ValidationError("; ".join(problems[:20]) + more, where=source)
    if not rows:
        raise ValidationError("has no member rows", where=source)
    return rows


def _row(line: int, v: dict[str, str], today: dt.date, seen: dict) -> MemberRow:  # noqa: ANN001
    for key in ("first_name", "last_name"):
        if not _NAME.match(v.get(key, "")):
            raise ValidationError(f"{key} must be 1-80 printable characters", where=f"line {line}")
    try:
        born = dt.date.fromisoformat(v["date_of_birth"])
    except ValueError:
        raise ValidationError(f"date_of_birth {v['date_of_birth']!r} is not a date (YYYY-MM-DD)", where=f"line {line}") from None
    if born > today or born < today.replace(year=today.year - 120):
        raise ValidationError(f"date_of_birth {born} is not a plausible birth date", where=f"line {line}")
    email = v.get("email") or None
    if email and not _EMAIL.match(email):
        raise ValidationError(f"email {email!r} is not an e-mail address", where=f"line {line}")
    phone = v.get("phone") or None
    if phone and not re.fullmatch(r"[0-9+() .-]{5,25}", phone):
        raise ValidationError(f"phone {phone!r} is not a phone number", where=f"line {line}")
    key = (v["first_name"].lower(), v["last_name"].lower(), born)
    if key in seen:
        raise ValidationError(f"repeats the member on line {seen[key]}", where=f"line {line}")
    seen[key] = line
    return MemberRow(line, v["first_name"], v["last_name"], born, email, phone)


def _refuse_members_already_in(conn, scheme_id, scheme_code: str, rows: list[MemberRow], source: str) -> None:  # noqa: ANN001
    """A person (same name and date of birth) already in the scheme is named by line; a second load of a file adds nobody twice."""
    found = conn.execute(
        text(
            "SELECT r.line, p.locator FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(line int, first_name text, last_name text, born date) "
            "JOIN policy_admin.parties p ON lower(p.first_name) = lower(r.first_name) AND lower(p.last_name) = lower(r.last_name) "
            "AND p.date_of_birth = r.born "
            "JOIN group_scheme.scheme_members m ON m.member_party_locator = p.locator AND m.scheme_id = :s "
            "ORDER BY r.line"
        ),
        {"s": scheme_id, "rows": json.dumps([{"line": r.line, "first_name": r.first_name, "last_name": r.last_name,
                                              "born": r.date_of_birth.isoformat()} for r in rows])},
    ).all()
    if found:
        named = {r.line: r for r in rows}
        problems = [f"line {f.line}: {named[f.line].first_name} {named[f.line].last_name}, born {named[f.line].date_of_birth}, "
                    f"is already in {scheme_code} as {f.locator}" for f in found[:20]]
        more = f" (and {len(found) - 20} more)" if len(found) > 20 else ""
        raise ValidationError("; ".join(problems) + more + "; nothing was loaded", where=source)


def load_members(sessions, scheme_code: str, path: Path) -> LoadResult:  # noqa: ANN001
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"is not UTF-8 text (byte {exc.start})", where=str(path)) from None
    except OSError as exc:
        raise ValidationError(f"cannot be read ({exc.strerror})", where=str(path)) from None
    return load_members_text(sessions, scheme_code, content, source=path.name)


def load_members_text(sessions, scheme_code: str, content: str, source: str = "CSV") -> LoadResult:  # noqa: ANN001
    with UnitOfWork(sessions) as uow:
        conn = uow.connection
        scheme = conn.execute(
            text("SELECT id, status FROM group_scheme.schemes WHERE code = :c"), {"c": str(scheme_code).strip()}
        ).first()
        if scheme is None:
            raise ValidationError(f"no group scheme {scheme_code!r}", where="scheme")
        if scheme.status != "ACTIVE":
            raise ValidationError(f"scheme {scheme_code} is {scheme.status}; members can only join an active scheme", where="scheme")
        today = conn.execute(text("SELECT current_date")).scalar_one()
        rows = parse_members_csv(content, today, source)
        _refuse_members_already_in(conn, scheme.id, scheme_code, rows, source)
        locators = next_locators(conn, "member", len(rows))
        conn.execute(
            text(
                "INSERT INTO policy_admin.parties (locator, type, first_name, last_name, date_of_birth, email, phone) "
                "SELECT locator, 'INDIVIDUAL', first_name, last_name, date_of_birth, email, phone "
                "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(locator text, first_name text, last_name text, "
                "date_of_birth date, email text, phone text)"
            ),
            {"rows": json.dumps([{"locator": loc, "first_name": r.first_name, "last_name": r.last_name, "date_of_birth": r.date_of_birth.isoformat(),
                                  "email": r.email, "phone": r.phone} for loc, r in zip(locators, rows, strict=True)])},
        )
        conn.execute(
            text("INSERT INTO group_scheme.scheme_members (scheme_id, member_party_locator, status) SELECT :s, unnest(CAST(:locs AS text[])), 'ACTIVE'"),
            {"s": scheme.id, "locs": locators},
        )
        job = next_locator(conn, "transaction")
        conn.execute(
            text(
                "INSERT INTO group_scheme.bulk_enrollment_jobs (locator, scheme_id, status, total, processed, failed_count, errors) "
                "VALUES (:l, :s, 'COMPLETED', :n, :n, 0, '[]'::jsonb)"
            ),
            {"l": job, "s": scheme.id, "n": len(rows)},
        )
        conn.execute(
            text("INSERT INTO enrollment.outbox (topic, key, payload) VALUES ('group_scheme.members_loaded', :c, CAST(:p AS jsonb))"),
            {"c": scheme_code, "p": json.dumps({"scheme": scheme_code, "job": job, "members": len(rows)})},
        )
        uow.commit()
    shown = ", ".join(locators[:10]) + (f" and {len(locators) - 10:,} more" if len(locators) > 10 else "")
    return LoadResult(job, scheme_code, len(rows), f"{len(rows)} members joined {scheme_code} (job {job}): {shown}",
                      member_locators=tuple(locators))
