"""Errors typed by what they mean to the person in front of the screen.

The UI shows each kind its own way: a validation error next to the field, a
conflict with who changed what and when, a permission error as a refusal, a
connection error as "reconnecting" with the user's work kept.
"""

from __future__ import annotations

import datetime as dt


class ClaimDeskError(Exception):
    """Base for every error a person is meant to read."""


class ValidationError(ClaimDeskError):
    """Input is malformed or breaks a rule; ``where`` names the field, row or file position."""

    def __init__(self, message: str, *, where: str | None = None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class NotFound(ClaimDeskError):
    """A locator or id names nothing."""


class InvalidTransition(ValidationError):
    """A lifecycle action that the claim's current status does not allow."""


class ConflictError(ClaimDeskError):
    """Somebody else saved the row first; nothing was overwritten."""

    def __init__(self, what: str, changed_by: str | None, changed_at: dt.datetime | None, *, message: str | None = None):
        self.what = what
        self.changed_by = changed_by
        self.changed_at = changed_at
        who = changed_by or "another user"
        when = f" at {changed_at:%Y-%m-%d %H:%M:%S %Z}".rstrip() if changed_at else ""
        super().__init__(message or f"{what} was changed by {who}{when}; reload it and apply your change again.")


def leased(locator: str, assignee: str, until: dt.datetime) -> ConflictError:
    """Someone else holds the claim's lease: only they (or a supervisor) may save it now."""
    return ConflictError(
        f"Claim {locator}",
        assignee,
        until,
        message=f"Claim {locator} is being worked by {assignee} until {until:%H:%M %Z}; only they or a supervisor can change it now.",
    )


class PermissionDenied(ClaimDeskError):
    """The database refused the action for the signed-in role."""


class ConnectionLost(ClaimDeskError):
    """The database could not be reached; the caller's work is intact and can be retried."""


class DatabaseRevisionMismatch(ClaimDeskError):
    """The cluster's schema revision is not the one this ClaimDesk expects."""


class BusinessWarning(ClaimDeskError):
    """Not an error: something a person should confirm before going on."""
