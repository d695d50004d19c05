"""The sign-in dialog against a real server: success, wrong password, unreachable server, missing database.

The embedded test server trusts local connections, so a wrong password would
be accepted. To test a real refusal, the password test adds one
``scram-sha-256`` line for a role of its own to that throwaway server's
``pg_hba.conf`` (nobody else's login is affected) and removes it afterwards.
Against a server given by ``CLAIMDESK_TEST_DATABASE_URL`` it is skipped.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import replace
from pathlib import Path

import keyring
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from claimdesk.db import keyring_account
from claimdesk.settings import KEYRING_SERVICE, Settings
from claimdesk.ui.signin import SignInDialog, SignInFields, build_url, fields_from_url

TIMEOUT_MS = 20000


@pytest.fixture
def qsettings(tmp_path):
    return QSettings(str(tmp_path / "signin.ini"), QSettings.Format.IniFormat)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_dialog(qtbot, settings: Settings, qsettings, **kw) -> SignInDialog:
    dialog = SignInDialog(settings, qsettings=qsettings, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def press_sign_in(qtbot, dialog: SignInDialog) -> None:
    qtbot.mouseClick(dialog.findChild(QPushButton, "signInButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=TIMEOUT_MS)


def child(dialog: QWidget, name: str):
    return dialog.findChild(QWidget, name)


def all_settings_text(qsettings: QSettings) -> str:
    qsettings.sync()
    return " ".join(f"{k}={qsettings.value(k)}" for k in qsettings.allKeys()) + Path(qsettings.fileName()).read_text()


# -------------------------------------------------------------------------- URL


@pytest.mark.parametrize(
    "fields",
    [
        SignInFields("claims-db.example.org", 5433, "claims", "jsmith", "verify-full", "/etc/ssl/ca file.pem"),
        SignInFields("10.0.0.5", 5432, "claims db", "o'brien@corp", "require", ""),
        SignInFields("::1", 5432, "cd", "u", "disable", ""),
        SignInFields("/tmp/pg socket", 5999, "cd", "postgres", "prefer", ""),
        SignInFields("db.example.org", 5432, "données", "zoë", "prefer", ""),
    ],
)
def test_url_is_standard_and_round_trips(fields):
    url = build_url(fields)
    assert url.startswith("postgresql://")
    info = conninfo_to_dict(url)
    assert info["dbname"] == fields.database and info["user"] == fields.user and info["host"] == fields.host
    assert int(info["port"]) == fields.port
    assert "password" not in info
    assert fields_from_url(url) == fields


def test_ca_file_only_for_verify_full(qtbot, settings, qsettings):
    dialog = make_dialog(qtbot, settings, qsettings)
    tls = child(dialog, "signInTls")
    for mode in ("disable", "prefer", "require"):
        tls.setCurrentIndex(tls.findData(mode))
        assert not child(dialog, "signInCaFile").isEnabled()
        assert not child(dialog, "signInCaBrowse").isEnabled()
    tls.setCurrentIndex(tls.findData("verify-full"))
    assert child(dialog, "signInCaFile").isEnabled() and child(dialog, "signInCaBrowse").isEnabled()


def test_accessible_names_and_reading_order(qtbot, settings, qsettings):
    dialog = make_dialog(qtbot, settings, qsettings, allow_local=True)
    controls = [
        w for w in dialog.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox))
        and not isinstance(w.parent(), (QAbstractSpinBox, QComboBox, QLineEdit))
    ]
    assert controls and all(w.accessibleName() for w in controls), [w.objectName() for w in controls if not w.accessibleName()]
    for label in dialog.findChildren(QLabel):
        assert label.accessibleName() or not label.text()

    expected = ["signInHost", "signInPort", "signInDatabase", "signInUser", "signInPassword", "signInRemember",
                "signInTls", "signInLocal", "signInCancel", "signInButton"]
    order = []
    widget = child(dialog, "signInHost")
    for _ in range(60):
        if widget.objectName() in expected and widget.objectName() not in order and widget.isEnabled() and widget.isVisible():
            order.append(widget.objectName())
        widget = widget.nextInFocusChain()
    assert order == expected


def test_escape_cancels(qtbot, settings, qsettings):
    dialog = make_dialog(qtbot, settings, qsettings)
    with qtbot.waitSignal(dialog.rejected, timeout=TIMEOUT_MS):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.outcome() is None and dialog.signed_in() is None


# -------------------------------------------------------------------------- real server


def test_sign_in_to_the_test_database(qtbot, settings, qsettings):
    dialog = make_dialog(qtbot, replace(settings, database_url=None), qsettings)
    dialog.set_fields(fields_from_url(settings.database_url))
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
        qtbot.mouseClick(child(dialog, "signInButton"), Qt.MouseButton.LeftButton)
    signed = dialog.signed_in()
    try:
        assert dialog.outcome() == "signed_in"
        assert signed.identity.user == conninfo_to_dict(settings.database_url)["user"]
        assert "claims" in signed.identity.screens
        assert signed.settings.database_url == dialog.url()
        assert dialog.error_text() == ""
    finally:
        signed.db.dispose()

    # Remembered for next time: where and who, in QSettings.
    again = make_dialog(qtbot, replace(settings, database_url=None), QSettings(qsettings.fileName(), QSettings.Format.IniFormat))
    assert again.fields() == dialog.fields()


def test_unreachable_server_says_so_and_offers_offline(qtbot, settings, qsettings, shown_errors):
    port = closed_port()
    dialog = make_dialog(qtbot, settings, qsettings)
    dialog.set_fields(SignInFields("127.0.0.1", port, "claimdesk", "jsmith", "disable", ""))
    dialog.set_password("typed secret")
    press_sign_in(qtbot, dialog)

    message = dialog.error_text()
    assert message == (f"The database server at 127.0.0.1:{port} cannot be reached; "
                       "check the address and the network, then try again.")
    assert child(dialog, "signInError").isVisible()
    assert dialog.result() == 0 and dialog.isVisible()
    assert dialog.fields() == SignInFields("127.0.0.1", port, "claimdesk", "jsmith", "disable", "")
    assert child(dialog, "signInPassword").text() == "typed secret"
    assert dialog.focusWidget() is child(dialog, "signInHost")
    offline = child(dialog, "signInOffline")
    assert offline.isVisible()
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
        qtbot.mouseClick(offline, Qt.MouseButton.LeftButton)
    assert dialog.outcome() == "offline"
    offline_settings, password = dialog.offline_settings()
    assert offline_settings.database_url == dialog.url() and password == "typed secret"
    assert "typed secret" not in all_settings_text(qsettings)
    assert not shown_errors, "a failed sign-in is said in the dialog, not in an error box"


def test_missing_database_says_so(qtbot, settings, qsettings):
    fields = replace(fields_from_url(settings.database_url), database=f"nosuch_{uuid.uuid4().hex[:6]}")
    dialog = make_dialog(qtbot, settings, qsettings)
    dialog.set_fields(fields)
    press_sign_in(qtbot, dialog)
    assert dialog.error_text().endswith(f"has no database named {fields.database}.")
    assert "\n" not in dialog.error_text() and "Traceback" not in dialog.error_text()
    assert dialog.focusWidget() is child(dialog, "signInDatabase")
    assert not child(dialog, "signInOffline").isVisible()
    assert dialog.fields() == fields


@pytest.fixture
def password_role(pg_admin_url, database_url):
    """A login that must give a real password (scram), on the throwaway embedded server only."""
    role = f"cd_pw_{uuid.uuid4().hex[:8]}"
    password = "right horse battery"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
        if os.environ.get("CLAIMDESK_TEST_DATABASE_URL") or not os.access(hba, os.W_OK):
            pytest.skip("the password test edits pg_hba.conf only on the temporary embedded test server")
        original = hba.read_text()
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))
        groups = [r[0] for r in conn.execute("SELECT rolname FROM pg_roles WHERE rolname = 'claimdesk_adjudicator'")]
        for group in groups:
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(role)))
        hba.write_text(f"local all {role} scram-sha-256\nhost all {role} 127.0.0.1/32 scram-sha-256\n" + original)
        conn.execute("SELECT pg_reload_conf()")
    try:
        yield role, password
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            hba.write_text(original)
            conn.execute("SELECT pg_reload_conf()")
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_wrong_password_then_right_one_remembered_in_the_keyring(qtbot, settings, qsettings, password_role, memory_keyring):
    role, password = password_role
    fields = replace(fields_from_url(settings.database_url), user=role)
    dialog = make_dialog(qtbot, settings, qsettings)
    dialog.set_fields(fields)
    dialog.set_password("wrong horse")
    child(dialog, "signInRemember").setChecked(True)
    press_sign_in(qtbot, dialog)

    message = dialog.error_text()
    assert message.startswith("The server at ") and message.endswith(
        f"refused the password for user {role}; check it and try again.")
    assert dialog.focusWidget() is child(dialog, "signInPassword")
    assert child(dialog, "signInPassword").text() == "wrong horse", "typed values are kept"
    assert dialog.fields() == fields
    assert keyring.get_password(KEYRING_SERVICE, keyring_account(conninfo_to_dict(dialog.url()))) is None

    dialog.set_password(password)
    with qtbot.waitSignal(dialog.accepted, timeout=TIMEOUT_MS):
        qtbot.mouseClick(child(dialog, "signInButton"), Qt.MouseButton.LeftButton)
    signed = dialog.signed_in()
    try:
        assert signed.identity.user == role
        assert password not in (signed.settings.database_url or "")
    finally:
        signed.db.dispose()
    assert keyring.get_password(KEYRING_SERVICE, keyring_account(conninfo_to_dict(dialog.url()))) == password
    assert password not in all_settings_text(qsettings)

    # Next time the keyring answers: a blank password field signs in.
    again = make_dialog(qtbot, settings, QSettings(qsettings.fileName(), QSettings.Format.IniFormat))
    qtbot.waitUntil(lambda: child(again, "signInRemember").isChecked(), timeout=TIMEOUT_MS)
    assert child(again, "signInPassword").text() == ""
    with qtbot.waitSignal(again.accepted, timeout=TIMEOUT_MS):
        qtbot.mouseClick(child(again, "signInButton"), Qt.MouseButton.LeftButton)
    again.signed_in().db.dispose()
