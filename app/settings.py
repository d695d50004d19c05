"""Where the database is and how ClaimDesk behaves, from the environment and a settings file.

Order: environment variables, then ``claimdesk.toml`` in the user's config
directory. Passwords are never read from either file: they live in the OS
keyring (service ``claimdesk``).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from claimdesk.services.errors import ValidationError

APP_NAME = "ClaimDesk"
KEYRING_SERVICE = "claimdesk"


def data_dir() -> Path:
    override = os.environ.get("CLAIMDESK_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_file() -> Path:
    override = os.environ.get("CLAIMDESK_CONFIG")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "claimdesk.toml"


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    sslmode: str | None = None
    sslrootcert: str | None = None
    data_dir: Path = field(default_factory=data_dir)
    lease_minutes: int = 30
    connect_timeout: int = 5

    @property
    def embedded(self) -> bool:
        return not self.database_url


def load_settings() -> Settings:
    """Read the settings file (if any), then let the environment override it."""
    values: dict = {}
    path = config_file()
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ValidationError(f"cannot be read as TOML ({exc})", where=str(path)) from None
        db = raw.get("database", {})
        if "password" in db:
            raise ValidationError(
                "holds a database password; remove it: ClaimDesk keeps passwords in the OS keyring only",
                where=str(path),
            )
        values["database_url"] = db.get("url")
        values["sslmode"] = db.get("sslmode")
        values["sslrootcert"] = db.get("sslrootcert")
        claims = raw.get("claims", {})
        if "lease_minutes" in claims:
            minutes = claims["lease_minutes"]
            if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 480:
                raise ValidationError(f"lease_minutes must be a whole number from 1 to 480, not {minutes!r}", where=str(path))
            values["lease_minutes"] = minutes
    env_url = os.environ.get("CLAIMDESK_DATABASE_URL")
    if env_url:
        values["database_url"] = env_url
    return Settings(**{k: v for k, v in values.items() if v is not None})
