"""Parameters a batch sends as text: JSON for ``jsonb`` rows, literals for ``uuid[]``.

orjson writes UUIDs, dates and times itself; Decimals go out as their exact
digits (a string, which PostgreSQL casts to ``numeric`` without loss).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import orjson


def _default(value: Any) -> str:
    if type(value) is Decimal or isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=_default).decode()


def uuid_array(ids: Iterable[uuid.UUID | str]) -> str:
    """A ``uuid[]`` literal, for ``CAST(:ids AS uuid[])``: cheaper to send than a list of UUID objects."""
    # orjson writes UUIDs in C: '["a","b"]' becomes '{a,b}' (neither form has other quotes or brackets).
    return "{" + orjson.dumps(list(ids))[1:-1].decode().replace('"', "") + "}"
