"""JSON text for ``jsonb`` parameters: the rows a batch sends as one JSON array.

orjson writes UUIDs, dates and times itself; Decimals go out as their exact
digits (a string, which PostgreSQL casts to ``numeric`` without loss).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson


def _default(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(value: Any) -> str:
    return orjson.dumps(value, default=_default).decode()
