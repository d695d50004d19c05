"""MainWindow: lazy screens, role filtering, menus and shortcuts, settings; plus theme and icons."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QVBoxLayout, QWidget

from claimdesk.ui import ops
from claimdesk.ui.icons import icon, icon_names, svg_bytes
from claimdesk.ui.shell import DOMAINS, EmptyState, MainWindow
from claimdesk.ui.theme import StatusBadge, apply_theme, badge_colors, is_dark, status_word

TIMEOUT_MS = 5000
PLACEHOLDER_TEXT = "No screen for this area is installed in this build."


class CountingFactory:
    def __init__(self, name: str, with_actions: bool = False):
        self.name = name
        self.built: list[QWidget] = []
        self.with_actions = with_actions

    def __call__(self) -> QWidget:
        widget = QWidget()
        layout = QVBoxLayout(widget)
        field = QLineEdit(widget)
        field.setObjectName(f"{self.name}-search")
        field.setAccessibleName(f"Search {self.name}")
        layout.addWidget(field)
        if self.with_actions:
            approve = QAction("Approve", widget)
            approve.setObjectName("approve")
            approve.setShortcut(QKeySequence("Ctrl+Shift+A"))
            widget.addAction(approve)
        self.built.append(widget)
        return widget


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "claimdesk.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, settings):
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    return win


def _menu(window: MainWindow, title: str):
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    return None


def test_screens_are_built_lazily(qtbot, window):
    claims = CountingFactory("claims")
    billing = CountingFactory("billing")
    window.register_screen("claims", "Claims", "claims", claims, "Ctrl+1")
    window.register_screen("billing", "Billing", "billing", billing, "Ctrl+5")
    assert claims.built == [] and billing.built == []

    window.show()
    qtbot.waitExposed(window)
    assert len(claims.built) == 1, "the first area opens on first show"
    assert billing.built == []
    assert window.current_screen() == "claims"

    with qtbot.waitSignal(window.screen_changed, timeout=TIMEOUT_MS) as blocker:
        assert window.show_screen("billing")
    assert blocker.args == ["billing"]
    assert len(billing.built) == 1
    window.show_screen("claims")
    window.show_screen("billing")
    assert len(claims.built) == 1 and len(billing.built) == 1
    assert window.screen_widget("billing") is billing.built[0]


def test_focus_lands_in_the_screen(qtbot, window):
    claims = CountingFactory("claims")
    window.register_screen("claims", "Claims", "claims", claims, "Ctrl+1")
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=TIMEOUT_MS)
    assert QApplication.focusWidget().objectName() == "claims-search"


def test_unregistered_areas_show_a_calm_placeholder(qtbot, window):
    keys = [key for key, *_ in DOMAINS]
    assert window.screen_keys() == keys
    assert window.show_screen("eligibility")
    placeholder = window.screen_widget("eligibility")
    assert isinstance(placeholder, EmptyState)
    assert placeholder.text() == PLACEHOLDER_TEXT
    labels = " ".join(label.text() for label in placeholder.findChildren(QLabel))
    assert "coming soon" not in labels.lower()


def test_registering_replaces_a_placeholder_already_shown(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.show_screen("providers")
    assert isinstance(window.screen_widget("providers"), EmptyState)
    providers = CountingFactory("providers")
    window.register_screen("providers", "Providers", "providers", providers, "Ctrl+4")
    assert window.current_screen() == "providers"
    assert window.screen_widget("providers") is providers.built[0]


def test_new_screen_key_gets_its_own_entry_and_shortcut(qtbot, window):
    window.register_screen("reports", "Reports", "search", CountingFactory("reports"), "Ctrl+7")
    assert window.screen_keys()[-1] == "reports"
    view = _menu(window, "View")
    assert view.actions()[-1].text() == "Reports"
    assert view.actions()[-1].shortcut().toString() == "Ctrl+7"


def test_unknown_icon_fails_at_registration(window):
    with pytest.raises(KeyError):
        window.register_screen("claims", "Claims", "no-such-icon", CountingFactory("claims"), "Ctrl+1")


def test_allowed_screens_hide_the_rest(qtbot, window):
    billing = CountingFactory("billing")
    window.register_screen("billing", "Billing", "billing", billing, "Ctrl+5")
    window.show()
    qtbot.waitExposed(window)
    assert window.current_screen() == "claims"

    window.set_allowed_screens(["billing", "documents"])
    nav = window.findChild(QWidget, "navigation")
    visible = [nav.item(i).text() for i in range(nav.count()) if not nav.item(i).isHidden()]
    assert visible == ["Billing", "Documents"]
    view_actions = {a.text(): a.isVisible() for a in _menu(window, "View").actions()}
    assert view_actions["Billing"] and view_actions["Documents"]
    assert not view_actions["Claims"] and not view_actions["Eligibility"]
    assert window.current_screen() == "billing", "a screen the role lost is left"
    assert not window.show_screen("claims")
    assert window.current_screen() == "billing"

    window.set_allowed_screens([])
    assert window.current_screen() is None
    stack = window.findChild(QWidget, "screens")
    assert "no areas assigned" in stack.currentWidget().text()

    window.set_allowed_screens(None)
    assert window.show_screen("claims")


def test_menus_show_every_action_with_its_shortcut(qtbot, window):
    file_menu = _menu(window, "File")
    quit_action = next(a for a in file_menu.actions() if a.text().replace("&", "") == "Quit")
    assert quit_action.shortcut().toString() == "Ctrl+Q"

    view = _menu(window, "View")
    got = [(a.text(), a.shortcut().toString()) for a in view.actions()]
    assert got == [(title, shortcut) for _key, title, _icon, shortcut in DOMAINS]
    assert all(not a.icon().isNull() for a in view.actions())

    view.actions()[4].trigger()
    assert window.current_screen() == "billing"
    assert view.actions()[4].isChecked()


def test_screen_actions_appear_in_a_menu_only_while_current(qtbot, window):
    window.register_screen("claims", "Claims", "claims", CountingFactory("claims", with_actions=True), "Ctrl+1")
    window.show()
    qtbot.waitExposed(window)
    claims_menu = _menu(window, "Claims")
    assert claims_menu is not None
    approve = claims_menu.actions()[0]
    assert (approve.text(), approve.shortcut().toString()) == ("Approve", "Ctrl+Shift+A")

    window.show_screen("billing")
    assert _menu(window, "Claims") is None
    window.show_screen("claims")
    assert _menu(window, "Claims") is claims_menu


def test_quit_closes_and_saves(qtbot, window, settings):
    window.show()
    qtbot.waitExposed(window)
    quit_action = window.findChild(QAction, "action-quit")
    quit_action.trigger()
    assert not window.isVisible()
    assert settings.value("shell/screen") == "claims"


def test_geometry_and_screen_persist_between_sessions(qtbot, settings):
    first = MainWindow(settings=settings)
    qtbot.addWidget(first)
    # The offscreen screen is 800x800; stay inside it so nothing is clamped.
    first.resize(700, 520)
    first.show()
    qtbot.waitExposed(first)
    first.show_screen("billing")
    first.close()

    again = QSettings(settings.fileName(), QSettings.Format.IniFormat)
    second = MainWindow(settings=again)
    qtbot.addWidget(second)
    assert second.size() == QSize(700, 520)
    second.show()
    qtbot.waitExposed(second)
    assert second.current_screen() == "billing"


def test_default_settings_location_is_claimdesk(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    store = win._settings
    assert (store.organizationName(), store.applicationName()) == ("ClaimDesk", "ClaimDesk")


def test_status_bar_follows_the_connection(qtbot, window):
    badge = window.connection_badge()
    assert badge.text() == "Online"
    ops.connection_state().set_state(ops.ConnectionState.RECONNECTING, "timeout")
    assert badge.text() == "Reconnecting"
    assert badge.accessibleName() == "Database connection: Reconnecting"
    assert "Reconnecting" in window.statusBar().currentMessage()
    ops.connection_state().set_state(ops.ConnectionState.OFFLINE)
    assert badge.text() == "Offline"
    ops.connection_state().set_state(ops.ConnectionState.ONLINE)
    assert badge.text() == "Online"
    assert window.statusBar().currentMessage() == "Connected to the database again."


def test_busy_label_shows_for_long_ops(qtbot, window):
    import threading

    gate = threading.Event()
    window.show()
    qtbot.waitExposed(window)
    busy = window.findChild(QLabel, "busyLabel")
    try:
        ops.run_op(window, lambda: gate.wait(TIMEOUT_MS / 1000), progress_label="Loading claims")
        qtbot.waitUntil(busy.isVisible, timeout=TIMEOUT_MS)
        assert busy.text() == "Loading claims…"
    finally:
        gate.set()
    qtbot.waitUntil(lambda: not busy.isVisible(), timeout=TIMEOUT_MS)


def test_user_and_messages(qtbot, window):
    window.set_user("jdoe", ["adjudicator", "supervisor"], "claims@db01")
    label = window.findChild(QLabel, "userLabel")
    assert label.text() == "jdoe · adjudicator, supervisor · claims@db01"
    assert "claims@db01" in window.windowTitle()
    window.show_message("Claim CLM-1 approved.")
    assert window.statusBar().currentMessage() == "Claim CLM-1 approved."


def test_broken_factory_reports_and_keeps_the_shell_alive(qtbot, window, shown_errors):
    def broken():
        raise RuntimeError("screen bug")

    window.register_screen("claims", "Claims", "claims", broken, "Ctrl+1")
    assert window.show_screen("claims")
    assert isinstance(window.screen_widget("claims"), EmptyState)
    assert shown_errors.kinds() == [ops.KIND_UNEXPECTED]
    assert "RuntimeError: screen bug" in shown_errors[0][3]
    shown_errors.clear()


def test_every_focusable_control_has_an_accessible_name(qtbot, window):
    window.register_screen("claims", "Claims", "claims", CountingFactory("claims"), "Ctrl+1")
    window.set_user("jdoe", ["adjudicator"], "db")
    window.show()
    qtbot.waitExposed(window)
    for key in window.screen_keys():
        window.show_screen(key)
    unnamed = [
        f"{type(w).__name__}#{w.objectName()}"
        for w in window.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName() and w.isVisibleTo(window)
        # Qt's own scroll bars and the splitter handle are named by the platform.
        and type(w).__name__ not in ("QScrollBar", "QSplitterHandle")
    ]
    assert unnamed == []
    for label in (window.findChild(QLabel, "userLabel"), window.connection_badge()):
        assert label.accessibleName()


# ---------------------------------------------------------------- theme & icons


def test_every_required_icon_loads(qapp):
    required = (
        "claims eligibility enrollment providers billing documents next approve deny pend "
        "override print reopen void refresh search"
    ).split()
    assert set(required) <= set(icon_names())
    for name in required:
        assert b"currentColor" in svg_bytes(name), f"{name} must follow the palette"
        qicon = icon(name)
        assert not qicon.isNull()
        assert not qicon.pixmap(QSize(16, 16)).isNull()
    with pytest.raises(KeyError):
        icon("nope")


def test_status_badges_always_carry_a_word(qapp):
    codes = [
        "RECEIVED", "PENDED", "APPROVED", "PARTIALLY_APPROVED", "DENIED", "FINALIZED", "REOPENED",
        "VOIDED", "IN_NETWORK", "OUT_OF_NETWORK", "online", "reconnecting", "offline",
    ]  # fmt: skip
    words = set()
    for code in codes:
        badge = StatusBadge(code)
        assert badge.text() and badge.text() == status_word(code)
        assert badge.accessibleName().endswith(badge.text())
        fg, bg = badge_colors(code)
        assert fg != bg
        words.add(badge.text())
    assert len(words) == len(codes), "no two statuses share a word"
    assert status_word("PARTIALLY_APPROVED") == "Partially approved"
    assert status_word("SOMETHING_NEW") == "Something new"


def test_badge_colours_are_readable(qapp):
    def luminance(c):
        def channel(v):
            v /= 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())

    for code in ("APPROVED", "DENIED", "PENDED", "RECEIVED", "PARTIALLY_APPROVED", "FINALIZED", "REOPENED", "VOIDED"):
        for dark in (False, True):
            fg, bg = badge_colors(code, dark)
            hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
            assert (hi + 0.05) / (lo + 0.05) >= 4.5, (code, dark)


def test_apply_theme_uses_fusion_and_follows_the_scheme(qapp):
    try:
        apply_theme(qapp, "light")
        sheet = qapp.styleSheet()
        # With a style sheet set, style() is Qt's sheet wrapper around Fusion.
        qapp.setStyleSheet("")
        assert qapp.style().name().lower() == "fusion"
        qapp.setStyleSheet(sheet)
        assert not is_dark()
        light_base = qapp.palette().color(QPalette.ColorRole.Base)
        assert light_base.lightness() > 200
        assert "navigation" in qapp.styleSheet()
        apply_theme(qapp, "dark")
        assert is_dark()
        assert qapp.palette().color(QPalette.ColorRole.Base).lightness() < 60
    finally:
        apply_theme(qapp, "light")
