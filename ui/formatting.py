"""Dates as people read them: one place, so every screen lines up the same way."""

from __future__ import annotations

import re

from PySide6.QtCore import QLocale


def date_format(locale: QLocale) -> str:
    """The locale's short date with a four-digit year and padded day and month, so a column lines up.

    The C locale (no locale set, as on a bare server) gets ISO dates rather than its odd short form.
    """
    if locale.language() == QLocale.Language.C:
        return "yyyy-MM-dd"
    fmt = locale.dateFormat(QLocale.FormatType.ShortFormat)
    fmt = re.sub(r"(?<!y)yy(?!y)", "yyyy", fmt)
    fmt = re.sub(r"(?<!d)d(?!d)", "dd", fmt)
    return re.sub(r"(?<!M)M(?!M)", "MM", fmt)
