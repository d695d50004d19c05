"""Signing in to a PostgreSQL cluster: the dialog, and the one worker op behind it.

The dialog builds a standard ``postgresql://`` URL from its fields. The
password never goes into that URL, into QSettings or into any file: it is
handed to the connection once and, when asked, kept in the OS keyring.
Connecting (and checking the schema revision) runs on the database worker;
what goes wrong is said in one sentence inside the dialog.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, urlencode

import keyring
import keyring.errors
import psycopg
from psycopg.conninfo import conninfo_to_dict
from PySide6.QtCore import QEvent, QSettings, Qt, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from claimdesk.db import (
    Database,
    check_revision,
    connect,
    keyring_account,
    open_database,
    remember_password,
    stored_password,
)
from claimdesk.services.errors import ClaimDeskError, ConnectionLost, DatabaseRevisionMismatch
from claimdesk.services.security import Identity, current_identity
from claimdesk.settings import KEYRING_SERVICE, Settings
from claimdesk.ui import ops
from claimdesk.ui.focus import tab_chain
from claimdesk.ui.theme import badge_colors

__all__ = [
    "TLS_MODES",
    "SignInDialog",
    "SignInFields",
    "SignedIn",
    "build_url",
    "fields_from_url",
    "open_checked",
    "open_session",
]

_log = logging.getLogger(__name__)

TLS_MODES = ("disable", "prefer", "require", "verify-full")
_TLS_LABELS = {
    "disable": "Off (disable)",
    "prefer": "If the server offers it (prefer)",
    "require": "Always, without checking the server (require)",
    "verify-full": "Always, verifying the server (verify-full)",
}
_DEFAULT_PORT = 5432

_KEY_HOST = "signin/host"
_KEY_PORT = "signin/port"
_KEY_DATABASE = "signin/database"
_KEY_USER = "signin/user"
_KEY_TLS = "signin/sslmode"
_KEY_CA = "signin/sslrootcert"


# --------------------------------------------------------------------------
# Fields <-> URL


@dataclass(frozen=True)
class SignInFields:
    host: str = ""
    port: int = _DEFAULT_PORT
    database: str = "claimdesk"
    user: str = ""
    sslmode: str = "prefer"
    sslrootcert: str = ""


def build_url(fields: SignInFields) -> str:
    """A standard ``postgresql://`` URL for libpq; never with a password in it.

    A host starting with ``/`` is a Unix-socket directory and goes in the
    query string, as libpq expects; an IPv6 address is bracketed.
    """
    host = fields.host.strip()
    query: dict[str, str] = {}
    if host.startswith("/"):
        netloc_host = ""
        query["host"] = host
        query["port"] = str(fields.port)
    else:
        netloc_host = f"[{host}]" if ":" in host else quote(host, safe="")
        netloc_host += f":{fields.port}"
    user = quote(fields.user.strip(), safe="")
    netloc = f"{user}@{netloc_host}" if user else netloc_host
    if fields.sslmode and fields.sslmode in TLS_MODES:
        query["sslmode"] = fields.sslmode
    if fields.sslmode == "verify-full" and fields.sslrootcert.strip():
        query["sslrootcert"] = fields.sslrootcert.strip()
    url = f"postgresql://{netloc}/{quote(fields.database.strip(), safe='')}"
    if query:
        url += "?" + urlencode(query, quote_via=quote, safe="/")
    return url


def fields_from_url(url: str | None, defaults: SignInFields = SignInFields()) -> SignInFields:
    """The fields a URL (or key=value conninfo) names; ``defaults`` for what it leaves out."""
    if not url:
        return defaults
    try:
        info = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return defaults
    try:
        port = int(str(info.get("port") or defaults.port).split(",")[0])
    except ValueError:
        port = defaults.port
    sslmode = str(info.get("sslmode") or defaults.sslmode)
    return SignInFields(
        host=str(info.get("host") or defaults.host),
        port=port,
        database=str(info.get("dbname") or defaults.database),
        user=str(info.get("user") or defaults.user),
        sslmode=sslmode if sslmode in TLS_MODES else defaults.sslmode,
        sslrootcert=str(info.get("sslrootcert") or defaults.sslrootcert),
    )


# --------------------------------------------------------------------------
# The worker op


@dataclass
class SignedIn:
    """A database that answered, at the expected revision, and who we are on it."""

    db: Database
    identity: Identity
    settings: Settings


def open_checked(settings: Settings, password: str | None = None) -> Database:
    """The embedded database, or the configured cluster at the expected revision. Runs on the worker.

    Unlike a bare ``connect`` + ``check_revision``, a refused revision does
    not leave the connection pool open behind it.
    """
    if settings.embedded:
        return open_database(settings)
    db = connect(settings, password=password)
    try:
        check_revision(db)
    except BaseException:
        db.dispose()
        raise
    return db


def open_session(connect: Callable[[], Database], settings: Settings) -> SignedIn:
    """Connect, check the revision (``open_database`` does), read the identity. Runs on the worker."""
    db = connect()
    try:
        identity = current_identity(db.sessions)
    except BaseException:
        db.dispose()
        raise
    return SignedIn(db, identity, settings)


@dataclass(frozen=True)
class _Failure:
    """A sign-in that did not work, as a value: the dialog says it, nobody else needs to know."""

    message: str
    unreachable: bool
    revision: bool


def _attempt(connect: Callable[[], Database], settings: Settings, after: Callable[[], None] | None = None) -> SignedIn | _Failure:
    try:
        result = open_session(connect, settings)
    except DatabaseRevisionMismatch as exc:
        return _Failure(str(exc), unreachable=False, revision=True)
    except ClaimDeskError as exc:
        text = str(exc)
        return _Failure(text, unreachable=isinstance(exc, ConnectionLost) and "cannot be reached" in text, revision=False)
    if after is not None:
        try:
            after()
        except keyring.errors.KeyringError as exc:
            _log.warning("could not update the saved password: %s", exc)
    return result


def _forget_password(url: str) -> None:
    try:
        keyring.delete_password(KEYRING_SERVICE, keyring_account(conninfo_to_dict(url)))
    except keyring.errors.PasswordDeleteError:
        pass  # nothing was saved


# --------------------------------------------------------------------------
# The dialog


class SignInDialog(QDialog):
    """Where a person signs in to a shared cluster.

    After ``accepted``: :meth:`outcome` is ``"signed_in"`` or ``"local"``
    with :meth:`signed_in` holding the open database, or ``"offline"`` with
    :meth:`offline_settings` to keep trying in the background.
    """

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        qsettings: QSettings | None = None,
        allow_local: bool = False,
        allow_offline: bool = True,
    ):
        super().__init__(parent)
        self._settings = settings
        self._qsettings = qsettings if qsettings is not None else QSettings("ClaimDesk", "ClaimDesk")
        self._allow_offline = allow_offline
        self._busy = False
        self._cancelled = False
        self._outcome: str | None = None
        self._result: SignedIn | None = None
        self._offline: tuple[Settings, str | None] | None = None
        self._has_saved_password = False

        self.setWindowTitle("Sign in — ClaimDesk")
        self.setObjectName("signInDialog")
        self.setAccessibleName("Sign in to ClaimDesk")
        self.setModal(True)

        self._build(allow_local)
        self.set_fields(self._initial_fields())
        self._look_up_saved_password()

    # ------------------------------------------------------------ building

    def _build(self, allow_local: bool) -> None:
        heading = QLabel("Sign in to the claims database", self)
        heading.setObjectName("signInHeading")
        heading.setAccessibleName("Sign in to the claims database")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setWeight(font.Weight.DemiBold)
        heading.setFont(font)

        self._host = self._line("signInHost", "Server", "e.g. claims-db.example.org")
        self._port = QSpinBox(self)
        self._port.setObjectName("signInPort")
        self._port.setAccessibleName("Port")
        self._port.setRange(1, 65535)
        self._port.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
        self._port.setGroupSeparatorShown(False)
        self._port.setFixedWidth(64)
        self._port.setAlignment(Qt.AlignmentFlag.AlignRight)
        self._database = self._line("signInDatabase", "Database", "claimdesk")
        self._user = self._line("signInUser", "User", "your login name")
        self._password = self._line("signInPassword", "Password", "")
        self._password.setEchoMode(QLineEdit.EchoMode.Password)
        self._remember = QCheckBox("&Remember password in the system keyring", self)
        self._remember.setObjectName("signInRemember")
        self._remember.setAccessibleName("Remember password in the system keyring")

        self._tls = QComboBox(self)
        self._tls.setObjectName("signInTls")
        self._tls.setAccessibleName("Encryption (TLS)")
        for mode in TLS_MODES:
            self._tls.addItem(_TLS_LABELS[mode], mode)
        self._tls.currentIndexChanged.connect(self._on_tls_changed)
        self._ca = self._line("signInCaFile", "CA certificate file", "the server's CA certificate (.crt, .pem)")
        self._ca_browse = QPushButton("&Browse…", self)
        self._ca_browse.setObjectName("signInCaBrowse")
        self._ca_browse.setAccessibleName("Choose the CA certificate file")
        self._ca_browse.clicked.connect(self._on_browse_ca)

        self._error = QLabel(self)
        self._error.setObjectName("signInError")
        self._error.setAccessibleName("Sign-in problem")
        self._error.setTextFormat(Qt.TextFormat.PlainText)
        self._error.setWordWrap(True)
        self._error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._paint_error()
        self._error.hide()

        self._progress = QLabel(self)
        self._progress.setObjectName("signInProgress")
        self._progress.setAccessibleName("Signing in")
        self._progress.hide()

        self._local = QPushButton("Use the &local demo database", self)
        self._local.setObjectName("signInLocal")
        self._local.setAccessibleName("Use the local demo database")
        self._local.setToolTip("Work on a database kept on this computer, with demo data; nothing is shared")
        self._local.setVisible(allow_local)
        self._local.setAutoDefault(False)
        self._local.clicked.connect(self._on_use_local)

        self._work_offline = QPushButton("Work &offline", self)
        self._work_offline.setObjectName("signInOffline")
        self._work_offline.setAccessibleName("Work offline")
        self._work_offline.setToolTip("Open ClaimDesk without the database; it connects by itself when the server is back")
        self._work_offline.setAutoDefault(False)
        self._work_offline.hide()
        self._work_offline.clicked.connect(self._on_work_offline)

        self._cancel = QPushButton("Cancel", self)
        self._cancel.setObjectName("signInCancel")
        self._cancel.setAccessibleName("Cancel")
        self._cancel.setAutoDefault(False)
        self._cancel.clicked.connect(self.reject)

        self._sign_in = QPushButton("&Sign in", self)
        self._sign_in.setObjectName("signInButton")
        self._sign_in.setAccessibleName("Sign in")
        self._sign_in.setDefault(True)
        self._sign_in.clicked.connect(self.sign_in)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        server_row = QHBoxLayout()
        server_row.setSpacing(6)
        server_row.addWidget(self._host, 1)
        port_label = QLabel("Por&t", self)
        port_label.setBuddy(self._port)
        port_label.setAccessibleName("Port")
        server_row.addWidget(port_label)
        server_row.addWidget(self._port)
        form.addRow(self._label("Ser&ver", self._host), server_row)
        form.addRow(self._label("&Database", self._database), self._database)
        form.addRow(self._label("&User", self._user), self._user)
        form.addRow(self._label("&Password", self._password), self._password)
        form.addRow("", self._remember)
        form.addRow(self._label("&Encryption", self._tls), self._tls)
        ca_row = QHBoxLayout()
        ca_row.setSpacing(6)
        ca_row.addWidget(self._ca, 1)
        ca_row.addWidget(self._ca_browse)
        self._ca_label = self._label("&CA file", self._ca)
        form.addRow(self._ca_label, ca_row)

        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addWidget(self._local)
        buttons.addStretch(1)
        buttons.addWidget(self._work_offline)
        buttons.addWidget(self._cancel)
        buttons.addWidget(self._sign_in)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.setSpacing(10)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self._error)
        layout.addWidget(self._progress)
        layout.addLayout(buttons)
        self.setMinimumWidth(520)

        tab_chain(
            self._host, self._port, self._database, self._user, self._password, self._remember, self._tls,
            self._ca, self._ca_browse, self._local, self._work_offline, self._cancel, self._sign_in,
        )
        for edit in (self._host, self._database, self._user):
            edit.editingFinished.connect(self._look_up_saved_password)
        self._port.editingFinished.connect(self._look_up_saved_password)

    def _line(self, name: str, accessible: str, placeholder: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setPlaceholderText(placeholder)
        return edit

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        label.setAccessibleName(text.replace("&", ""))
        return label

    # ------------------------------------------------------------ public API

    def fields(self) -> SignInFields:
        return SignInFields(
            host=self._host.text().strip(),
            port=self._port.value(),
            database=self._database.text().strip(),
            user=self._user.text().strip(),
            sslmode=self._tls.currentData() or "prefer",
            sslrootcert=self._ca.text().strip(),
        )

    def set_fields(self, fields: SignInFields) -> None:
        self._host.setText(fields.host)
        self._port.setValue(fields.port)
        self._database.setText(fields.database)
        self._user.setText(fields.user)
        self._tls.setCurrentIndex(max(0, self._tls.findData(fields.sslmode)))
        self._ca.setText(fields.sslrootcert)
        self._on_tls_changed()

    def set_password(self, password: str) -> None:
        self._password.setText(password)

    def url(self) -> str:
        return build_url(self.fields())

    def error_text(self) -> str:
        """The one-sentence problem shown in the dialog, or ''."""
        return self._error.text()

    def is_busy(self) -> bool:
        return self._busy

    def outcome(self) -> str | None:
        return self._outcome

    def signed_in(self) -> SignedIn | None:
        return self._result

    def offline_settings(self) -> tuple[Settings, str | None] | None:
        """(settings, password) to keep connecting with, after "Work offline"."""
        return self._offline

    def focus_first_empty(self) -> None:
        for edit in (self._host, self._database, self._user, self._password):
            if not edit.text():
                edit.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        self._password.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------ slots

    @Slot()
    def sign_in(self) -> None:
        if self._busy:
            return
        fields = self.fields()
        missing = next(
            (
                (edit, text)
                for edit, value, text in (
                    (self._host, fields.host, "Enter the server's name or address."),
                    (self._database, fields.database, "Enter the database name."),
                    (self._user, fields.user, "Enter your user name."),
                )
                if not value
            ),
            None,
        )
        if missing is not None:
            self._show_error(missing[1], missing[0])
            return
        url = build_url(fields)
        password = self._password.text() or None
        remember = self._remember.isChecked()
        # sslmode and sslrootcert travel in the URL; the settings file's own
        # values must not override what the person chose here.
        settings = replace(self._settings, database_url=url, sslmode=None, sslrootcert=None)

        had_saved = self._has_saved_password

        def keep_password() -> None:
            if remember and password:
                remember_password(url, password)
            elif not remember and had_saved:
                _forget_password(url)

        self._pending_offline = (settings, password)
        self._start(
            f"Connecting to {fields.host}…",
            lambda: _attempt(lambda: open_checked(settings, password), settings, keep_password),
        )

    @Slot()
    def _on_use_local(self) -> None:
        if self._busy:
            return
        settings = replace(self._settings, database_url=None, sslmode=None, sslrootcert=None)
        self._pending_offline = None
        self._start("Starting the local database…", lambda: _attempt(lambda: open_checked(settings), settings), local=True)

    @Slot()
    def _on_work_offline(self) -> None:
        if self._pending_offline is None:
            return
        self._offline = self._pending_offline
        self._outcome = "offline"
        self._save_fields()
        self.accept()

    @Slot()
    def _on_browse_ca(self) -> None:
        start = self._ca.text() or str(Path.home())
        path, _filter = QFileDialog.getOpenFileName(
            self, "CA certificate", start, "Certificates (*.crt *.pem *.cer);;All files (*)"
        )
        if path:
            self._ca.setText(path)

    @Slot()
    def _on_tls_changed(self) -> None:
        verify = self._tls.currentData() == "verify-full"
        for widget in (self._ca, self._ca_browse, self._ca_label):
            widget.setEnabled(verify)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            self._paint_error()  # light <-> dark
        super().changeEvent(event)

    def reject(self) -> None:
        self._cancelled = True
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._cancelled = True
        super().closeEvent(event)

    # ------------------------------------------------------------ internals

    _pending_offline: tuple[Settings, str | None] | None = None

    def _start(self, label: str, op: Callable[[], SignedIn | _Failure], *, local: bool = False) -> None:
        self._cancelled = False
        self._set_busy(True, label)
        self._show_error("")
        ops.run_op(
            self,
            op,
            success=lambda result: self._on_result(result, local),
            failure=self._on_unexpected,
        )

    def _on_result(self, result: SignedIn | _Failure, local: bool) -> None:
        self._set_busy(False)
        if isinstance(result, _Failure):
            self._show_failure(result)
            return
        if self._cancelled:
            # The person gave up while we were connecting: do not leave the pool open.
            result.db.dispose()
            return
        if not local:
            self._save_fields()
        self._result = result
        self._outcome = "local" if local else "signed_in"
        self.accept()

    def _on_unexpected(self, exc: BaseException) -> bool:
        self._set_busy(False)
        return False  # a bug: the standard dialog with details

    def _show_failure(self, failure: _Failure) -> None:
        text = failure.message
        lowered = text.lower()
        if "password" in lowered:
            target = self._password
            self._password.selectAll()
        elif "no database named" in lowered or "schema" in lowered:
            target = self._database
        elif "no user named" in lowered:
            target = self._user
        elif "tls" in lowered or "certificate" in lowered:
            target = self._tls
        else:
            target = self._host
        self._show_error(text, target)
        self._work_offline.setVisible(self._allow_offline and failure.unreachable and self._pending_offline is not None)

    def _show_error(self, text: str, focus: QWidget | None = None) -> None:
        self._error.setText(text)
        self._error.setAccessibleName(f"Sign-in problem: {text}" if text else "Sign-in problem")
        self._error.setAccessibleDescription(text)
        self._error.setVisible(bool(text))
        if not text:
            self._work_offline.hide()
        if focus is not None:
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.adjustSize()

    def _paint_error(self) -> None:
        fg, _bg = badge_colors("DENIED")
        self._error.setStyleSheet(f"QLabel {{ color: {fg.name()}; }}")

    def _set_busy(self, busy: bool, label: str = "") -> None:
        self._busy = busy
        for widget in (
            self._host, self._port, self._database, self._user, self._password, self._remember, self._tls,
            self._local, self._work_offline, self._sign_in,
        ):
            widget.setEnabled(not busy)
        if not busy:
            self._on_tls_changed()
        else:
            for widget in (self._ca, self._ca_browse, self._ca_label):
                widget.setEnabled(False)
        self._progress.setText(label)
        self._progress.setAccessibleName(label or "Signing in")
        self._progress.setVisible(busy and bool(label))
        self._sign_in.setText("Signing in…" if busy else "&Sign in")

    def _initial_fields(self) -> SignInFields:
        """What was used last time, else what the settings file configures."""
        configured = fields_from_url(self._settings.database_url)
        if self._settings.sslmode in TLS_MODES:
            configured = replace(configured, sslmode=self._settings.sslmode)
        if self._settings.sslrootcert:
            configured = replace(configured, sslrootcert=self._settings.sslrootcert)
        q = self._qsettings

        def text(key: str, default: str) -> str:
            value = q.value(key, default)
            return str(value) if value not in (None, "") else default

        try:
            port = int(q.value(_KEY_PORT, configured.port))
        except (TypeError, ValueError):
            port = configured.port
        sslmode = text(_KEY_TLS, configured.sslmode)
        return SignInFields(
            host=text(_KEY_HOST, configured.host),
            port=port if 0 < port < 65536 else _DEFAULT_PORT,
            database=text(_KEY_DATABASE, configured.database),
            user=text(_KEY_USER, configured.user),
            sslmode=sslmode if sslmode in TLS_MODES else configured.sslmode,
            sslrootcert=text(_KEY_CA, configured.sslrootcert),
        )

    def _save_fields(self) -> None:
        """Remember where and as whom, for next time; never the password."""
        fields = self.fields()
        q = self._qsettings
        q.setValue(_KEY_HOST, fields.host)
        q.setValue(_KEY_PORT, fields.port)
        q.setValue(_KEY_DATABASE, fields.database)
        q.setValue(_KEY_USER, fields.user)
        q.setValue(_KEY_TLS, fields.sslmode)
        q.setValue(_KEY_CA, fields.sslrootcert)
        q.sync()

    @Slot()
    def _look_up_saved_password(self) -> None:
        """Ask the keyring (off the GUI thread) whether a password is saved for these fields."""
        fields = self.fields()
        if not (fields.host and fields.user and fields.database):
            self._on_saved_password(fields, False)
            return
        url = build_url(fields)
        ops.run_file_op(
            self,
            lambda: stored_password(conninfo_to_dict(url)) is not None,
            success=lambda found: self._on_saved_password(fields, found),
            failure=lambda _exc: True,  # no keyring: the person types the password
        )

    def _on_saved_password(self, fields: SignInFields, found: bool) -> None:
        if fields != self.fields():
            return  # the person has moved on to other values
        self._has_saved_password = found
        self._password.setPlaceholderText("leave blank to use the saved password" if found else "")
        if found:
            self._remember.setChecked(True)
