"""The offline print spool: documents waiting for a printer, kept encrypted on this workstation.

Layout of the spool folder (``claimdesk.settings.data_dir() / "spool"`` in the app)::

    DOC-00001234.pdf.fernet     the PDF, encrypted with Fernet (AES-128-CBC + HMAC-SHA256)
    DOC-00001234.json           sidecar: locators, kind, created time, SHA-256 of the plaintext PDF
    printed/                    the same pair, moved here once printed, with printed time and who printed;
                                ``synced_at`` is set once the database has been told

The key lives in the OS keyring (service ``claimdesk``, user ``spool-key``)
and is created on first use. No plaintext PDF is ever written to disk here:
encryption happens in memory, files are written beside their target and
renamed into place. ``read`` checks the Fernet token and the checksum and
refuses a damaged file by name rather than hand back bad bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import keyring
import keyring.errors
from cryptography.fernet import Fernet, InvalidToken

from ..errors import ClaimDeskError, ConnectionLost, ValidationError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "claimdesk"
KEYRING_USERNAME = "spool-key"
SIDECAR_VERSION = 1
_SAFE_LOCATOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


class SpoolCorrupt(ValidationError):
    """A spooled file is missing, damaged or does not match its checksum; ``where`` names the file."""


class SpoolUnavailable(ClaimDeskError):
    """The spool cannot be used on this workstation (no keyring, unusable key, folder not writable)."""


@dataclass(frozen=True)
class SpoolEntry:
    document_locator: str
    subject_locator: str
    kind: str  # EOB or POLICY
    created_at: dt.datetime
    sha256: str
    size: int
    path: Path  # the encrypted file
    sidecar: Path
    printed_at: dt.datetime | None = None
    printed_by: str | None = None
    synced_at: dt.datetime | None = None
    sync_error: str | None = None
    # Set when the sidecar itself cannot be read: the entry is listed so a person sees it, never printed.
    problem: str | None = None

    @property
    def printed(self) -> bool:
        return self.printed_at is not None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_time(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def write_atomically(path: Path, content: bytes, *, mode: int = 0o600) -> None:
    """Write beside the target, then rename: a reader never sees half a file, a failure leaves none.

    ``mode`` (before the umask) is private by default: spool files hold members' data.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class Spool:
    """Encrypted print spool in ``directory``.

    ``keyring_get(service, username)`` and ``keyring_set(service, username, secret)``
    default to the OS keyring (looked up at call time, so the configured backend applies).
    """

    def __init__(
        self,
        directory: Path,
        *,
        keyring_get: Callable[[str, str], str | None] | None = None,
        keyring_set: Callable[[str, str, str], None] | None = None,
        clock: Callable[[], dt.datetime] = _now,
    ):
        self.directory = Path(directory)
        self.printed_dir = self.directory / "printed"
        self._get = keyring_get or (lambda service, user: keyring.get_password(service, user))
        self._set = keyring_set or (lambda service, user, secret: keyring.set_password(service, user, secret))
        self._clock = clock
        self._fernet: Fernet | None = None

    # ------------------------------------------------------------------ key

    def _cipher(self) -> Fernet:
        if self._fernet is not None:
            return self._fernet
        try:
            key = self._get(KEYRING_SERVICE, KEYRING_USERNAME)
            if not key:
                key = Fernet.generate_key().decode("ascii")
                self._set(KEYRING_SERVICE, KEYRING_USERNAME, key)
                log.info("created the print spool key in the OS keyring")
        except keyring.errors.KeyringError as exc:
            raise SpoolUnavailable(
                f"The OS keyring is not available ({exc}), so documents cannot be kept for offline printing. "
                "Print while connected, or ask IT to enable the keyring."
            ) from None
        try:
            self._fernet = Fernet(key.encode("ascii") if isinstance(key, str) else key)
        except (ValueError, TypeError):
            raise SpoolUnavailable(
                f"The print spool key in the OS keyring ({KEYRING_SERVICE}/{KEYRING_USERNAME}) is not a valid key. "
                "Ask IT to remove it; a new one is created on next use (documents spooled with the old key are lost)."
            ) from None
        return self._fernet

    def _ensure_dirs(self) -> None:
        try:
            self.printed_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise SpoolUnavailable(f"The print spool folder {self.directory} cannot be created ({exc.strerror}).") from None

    # ------------------------------------------------------------ writing

    def add(self, document_locator: str, subject_locator: str, kind: str, pdf_bytes: bytes) -> SpoolEntry:
        """Keep a document for printing later. Adding the same document again replaces the waiting copy."""
        locator = document_locator.strip()
        if not _SAFE_LOCATOR.fullmatch(locator):
            raise ValidationError(f"{document_locator!r} is not a document locator", where="document_locator")
        if not pdf_bytes:
            raise ValidationError("there is no PDF to spool", where=locator)
        token = self._cipher().encrypt(bytes(pdf_bytes))
        self._ensure_dirs()
        path = self.directory / f"{locator}.pdf.fernet"
        sidecar = self.directory / f"{locator}.json"
        entry = SpoolEntry(
            document_locator=locator,
            subject_locator=subject_locator.strip(),
            kind=kind.strip().upper(),
            created_at=self._clock(),
            sha256=hashlib.sha256(pdf_bytes).hexdigest(),
            size=len(pdf_bytes),
            path=path,
            sidecar=sidecar,
        )
        try:
            # Data first, sidecar second: an entry is listed only once both are in place.
            write_atomically(path, token)
            self._write_sidecar(entry)
        except OSError as exc:
            raise SpoolUnavailable(f"The print spool folder {self.directory} cannot be written ({exc.strerror}).") from None
        return entry

    def _write_sidecar(self, entry: SpoolEntry) -> None:
        body = {
            "version": SIDECAR_VERSION,
            "document_locator": entry.document_locator,
            "subject_locator": entry.subject_locator,
            "kind": entry.kind,
            "created_at": _iso(entry.created_at),
            "sha256": entry.sha256,
            "size": entry.size,
            "file": entry.path.name,
            "cipher": "fernet",
            "printed_at": _iso(entry.printed_at),
            "printed_by": entry.printed_by,
            "synced_at": _iso(entry.synced_at),
            "sync_error": entry.sync_error,
        }
        write_atomically(entry.sidecar, json.dumps(body, indent=2).encode("utf-8"))

    # ------------------------------------------------------------ reading

    def _load(self, sidecar: Path) -> SpoolEntry:
        try:
            body = json.loads(sidecar.read_text(encoding="utf-8"))
            return SpoolEntry(
                document_locator=str(body["document_locator"]),
                subject_locator=str(body["subject_locator"]),
                kind=str(body["kind"]),
                created_at=_parse_time(body["created_at"]),
                sha256=str(body["sha256"]),
                size=int(body["size"]),
                path=sidecar.with_name(Path(str(body["file"])).name),
                sidecar=sidecar,
                printed_at=_parse_time(body.get("printed_at")),
                printed_by=body.get("printed_by"),
                synced_at=_parse_time(body.get("synced_at")),
                sync_error=body.get("sync_error"),
            )
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            name = sidecar.name.removesuffix(".json")
            return SpoolEntry(
                document_locator=name, subject_locator="", kind="", created_at=dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                sha256="", size=0, path=sidecar.with_name(f"{name}.pdf.fernet"), sidecar=sidecar,
                problem=f"its description cannot be read ({exc.__class__.__name__})",
            )

    def _entries(self, folder: Path) -> list[SpoolEntry]:
        if not folder.is_dir():
            return []
        entries = [self._load(p) for p in folder.glob("*.json") if not p.name.startswith(".")]
        return sorted(entries, key=lambda e: (e.created_at, e.document_locator))

    def list(self) -> list[SpoolEntry]:
        """Documents waiting to be printed, oldest first (damaged ones included, with ``problem`` set)."""
        return self._entries(self.directory)

    def printed(self) -> list[SpoolEntry]:
        return self._entries(self.printed_dir)

    def read(self, entry: SpoolEntry) -> bytes:
        """The PDF, decrypted and checked. Raises ``SpoolCorrupt`` naming the file; never returns bad bytes."""
        if entry.problem:
            raise SpoolCorrupt(f"{entry.problem}; remove it and spool document {entry.document_locator} again", where=str(entry.sidecar))
        try:
            token = entry.path.read_bytes()
        except FileNotFoundError:
            raise SpoolCorrupt(
                f"is missing from the print spool; spool document {entry.document_locator} again", where=str(entry.path)
            ) from None
        except OSError as exc:
            raise SpoolCorrupt(f"cannot be read ({exc.strerror})", where=str(entry.path)) from None
        try:
            pdf = self._cipher().decrypt(token)
        except InvalidToken:
            raise SpoolCorrupt(
                "is damaged or was not written with this workstation's spool key, so it cannot be decrypted; "
                f"do not print it: spool document {entry.document_locator} again from the database",
                where=str(entry.path),
            ) from None
        if hashlib.sha256(pdf).hexdigest() != entry.sha256:
            raise SpoolCorrupt(
                f"does not match the checksum of document {entry.document_locator}; do not print it: "
                "spool it again from the database",
                where=str(entry.path),
            )
        return pdf

    # ----------------------------------------------------------- printing

    def mark_printed(
        self, entry: SpoolEntry, printed_by: str | None = None, printed_at: dt.datetime | None = None
    ) -> SpoolEntry:
        """Move the entry to ``printed/`` with the time it was printed and by whom.

        ``printed_by`` is the database user name when known; ``None`` lets the
        database record the user who syncs. The database learns of the print on
        the next ``sync_printed``.
        """
        if entry.printed:
            return entry
        self._ensure_dirs()
        at = printed_at or self._clock()
        # A stamped name, so printing the same document twice keeps both records.
        stem = f"{entry.document_locator}.{at.strftime('%Y%m%dT%H%M%S%f')}"
        printed = replace(
            entry,
            path=self.printed_dir / f"{stem}.pdf.fernet",
            sidecar=self.printed_dir / f"{stem}.json",
            printed_at=at,
            printed_by=printed_by,
        )
        try:
            # Record first, then move: a crash in between leaves the document printable, never unrecorded.
            self._write_sidecar(printed)
            if entry.path.exists():
                os.replace(entry.path, printed.path)
            entry.sidecar.unlink(missing_ok=True)
        except OSError as exc:
            raise SpoolUnavailable(f"The print spool folder {self.directory} cannot be written ({exc.strerror}).") from None
        return printed

    def pending_printed_status(self) -> list[SpoolEntry]:
        """Printed entries whose printing the database has not yet been told of."""
        return [e for e in self.printed() if e.problem is None and e.synced_at is None]

    def sync_printed(self, sessions) -> int:  # noqa: ANN001 - a session factory
        """Write printed_at/printed_by back to ``documents.documents``; returns how many entries were synced.

        Idempotent: a synced entry is not sent again, and the database keeps a
        document's first print. Stops quietly when the database cannot be
        reached (the rest stay pending for next time). A document the
        database does not know stays pending with ``sync_error`` set.
        """
        from .service import mark_printed

        synced = 0
        for entry in self.pending_printed_status():
            try:
                result = mark_printed(sessions, [entry.document_locator], entry.printed_by, entry.printed_at)
            except ConnectionLost:
                log.info("database unreachable; %d printed document(s) wait to be synced", len(self.pending_printed_status()))
                break
            if result.unknown:
                self._write_sidecar(replace(entry, sync_error="the database has no such document"))
                continue
            self._write_sidecar(replace(entry, synced_at=self._clock(), sync_error=None))
            synced += 1
        return synced
