"""Text a person types into a search field, made safe for SQL ``LIKE``."""

from __future__ import annotations


def like_prefix(term: str) -> str:
    """The LIKE pattern for a case-folded prefix: any text is a value, never SQL, and its wildcards are escaped."""
    return term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
