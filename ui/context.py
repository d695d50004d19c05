"""What every screen is given: the database, the settings, who is signed in."""

from __future__ import annotations

from dataclasses import dataclass, field

from claimdesk.db import Database
from claimdesk.settings import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Database | None  # None while offline (only the documents spool works then)
    user: str = ""
    roles: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sessions(self):  # noqa: ANN201 - sessionmaker for the services
        if self.db is None:
            from claimdesk.services.errors import ConnectionLost

            raise ConnectionLost("ClaimDesk is offline: the database cannot be reached.")
        return self.db.sessions

    @property
    def online(self) -> bool:
        return self.db is not None

    def has_role(self, *names: str) -> bool:
        return any(n in self.roles for n in names) or "admin" in self.roles
