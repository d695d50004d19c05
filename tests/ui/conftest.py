"""Fixtures for the Qt tests: headless platform, isolated settings, recorded error dialogs."""

import os

# Before anything imports Qt: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from claimdesk.ui import ops  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path):
    """Any QSettings made in a test (even the default one) lands in tmp_path, never in ~/.config."""
    root = str(tmp_path / "qsettings")
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, root)
        QSettings.setPath(fmt, QSettings.Scope.SystemScope, root)
    yield


class ErrorRecorder(list):
    """The ``show_error`` calls a test caused, as (kind, title, text, details, parent) tuples."""

    def __init__(self, real):
        super().__init__()
        self.real = real

    def __call__(self, parent, kind, title, text, details=None):
        self.append((kind, title, text, details, parent))
        return None

    def kinds(self):
        return [entry[0] for entry in self]


@pytest.fixture(autouse=True)
def shown_errors(monkeypatch, qapp):
    """Replaces the standard error dialog with a recorder.

    Autouse so a stray error never opens a real dialog; a test that expects
    errors checks them and then clears the list, because anything left over
    fails the test at teardown.
    """
    recorder = ErrorRecorder(ops.show_error)
    monkeypatch.setattr(ops, "show_error", recorder)
    yield recorder
    leftover = list(recorder)
    recorder.clear()
    assert not leftover, f"unexpected error dialogs: {leftover}"


@pytest.fixture(autouse=True)
def _fresh_connection_state(qapp):
    ops.connection_state().reset()
    yield
    ops.connection_state().reset()


@pytest.fixture
def iso_dates():
    """Dates on screen follow the locale; the C locale shows ISO dates, the same on every machine."""
    from PySide6.QtCore import QLocale

    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.C))
    yield
    QLocale.setDefault(previous)
