"""The main window: navigation, menus, status bar. It hosts screens, nothing more.

A screen is any QWidget made by a factory passed to :meth:`register_screen`.
The shell creates it the first time it is shown. Actions a screen attaches
to itself with ``QWidget.addAction`` (with their shortcuts) appear in a menu
named after the screen while that screen is current, so every action is
reachable from the menu bar and its shortcut is shown there.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QEvent, QSettings, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from claimdesk.ui import ops
from claimdesk.ui.icons import icon
from claimdesk.ui.theme import StatusBadge

__all__ = ["DOMAINS", "EmptyState", "MainWindow"]

_log = logging.getLogger(__name__)

# The six areas every build shows in this order; a build without a screen
# for one still lists it, so the layout never shifts between builds.
DOMAINS: tuple[tuple[str, str, str, str], ...] = (
    ("claims", "Claims", "claims", "Ctrl+1"),
    ("eligibility", "Eligibility", "eligibility", "Ctrl+2"),
    ("enrollment", "Enrollment", "enrollment", "Ctrl+3"),
    ("providers", "Providers", "providers", "Ctrl+4"),
    ("billing", "Billing", "billing", "Ctrl+5"),
    ("documents", "Documents", "documents", "Ctrl+6"),
)

_GEOMETRY_KEY = "shell/geometry"
_STATE_KEY = "shell/state"
_SPLITTER_KEY = "shell/splitter"
_SCREEN_KEY = "shell/screen"

_MESSAGE_MS = 5000
# Ops shorter than this never flash a busy label.
_BUSY_DELAY_MS = 300


class EmptyState(QWidget):
    """A calm, centred message for an area with nothing to show."""

    def __init__(self, title: str, text: str, icon_name: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName(f"{title}: {text}")
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.setSpacing(6)
        if icon_name:
            picture = QLabel(self)
            picture.setPixmap(icon(icon_name, self.palette().placeholderText().color()).pixmap(QSize(40, 40)))
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setAccessibleName(f"{title} icon")
            layout.addWidget(picture)
        heading = QLabel(title, self)
        heading.setObjectName("emptyStateTitle")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        heading.setAccessibleName(title)
        layout.addWidget(heading)
        body = QLabel(text, self)
        body.setObjectName("emptyStateText")
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setWordWrap(True)
        # Without a floor, a wrapped label picks a narrow column of 3-word lines.
        body.setMinimumWidth(380)
        body.setAccessibleName(text)
        palette = body.palette()
        palette.setColor(body.foregroundRole(), palette.placeholderText().color())
        body.setPalette(palette)
        layout.addWidget(body)
        self._heading = heading
        self._body = body

    def text(self) -> str:
        return self._body.text()


@dataclass
class _Screen:
    key: str
    title: str
    icon_name: str
    shortcut: str
    factory: Callable[[], QWidget] | None
    item: QListWidgetItem
    action: QAction
    widget: QWidget | None = None
    menu: QMenu | None = None


class MainWindow(QMainWindow):
    """ClaimDesk's one window. ``screen_changed(key)`` after another screen is shown."""

    screen_changed = Signal(str)

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self._settings = settings if settings is not None else QSettings("ClaimDesk", "ClaimDesk")
        self._screens: dict[str, _Screen] = {}
        self._allowed: set[str] | None = None
        self._current: str | None = None
        self._restored = False
        self._database = ""

        self.setWindowTitle("ClaimDesk")
        self.setAccessibleName("ClaimDesk")
        self.setObjectName("mainWindow")
        self.resize(1200, 760)

        self._nav = QListWidget(self)
        self._nav.setObjectName("navigation")
        self._nav.setAccessibleName("Areas")
        self._nav.setAccessibleDescription("Choose an area; Ctrl+1 to Ctrl+6 jump straight to one")
        self._nav.setIconSize(QSize(18, 18))
        self._nav.setUniformItemSizes(True)
        self._nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._nav.setMinimumWidth(150)
        self._nav.currentItemChanged.connect(self._on_nav_changed)

        self._stack = QStackedWidget(self)
        self._stack.setObjectName("screens")
        self._stack.setAccessibleName("Screen")
        self._no_access = EmptyState(
            "No areas for your role",
            "Your account has no areas assigned in ClaimDesk. Ask an administrator to grant a role.",
            parent=self._stack,
        )
        self._stack.addWidget(self._no_access)

        self._splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self._splitter.setObjectName("shellSplitter")
        self._splitter.setAccessibleName("Areas and screen")
        self._splitter.addWidget(self._nav)
        self._splitter.addWidget(self._stack)
        self._splitter.setStretchFactor(0, 0)
        self._splitter.setStretchFactor(1, 1)
        self._splitter.setCollapsible(1, False)
        self._splitter.setSizes([180, 1020])
        self.setCentralWidget(self._splitter)

        self._build_menus()
        self._build_status_bar()

        for key, title, icon_name, shortcut in DOMAINS:
            self._add_screen(key, title, icon_name, None, shortcut)

        self._restore_settings()

    # ------------------------------------------------------------ building

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.setAccessibleName("Menu bar")
        self._file_menu = bar.addMenu("&File")
        self._file_menu.setAccessibleName("File")
        self._quit_action = QAction("&Quit", self)
        self._quit_action.setObjectName("action-quit")
        self._quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self._quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self._quit_action.setStatusTip("Close ClaimDesk")
        self._quit_action.triggered.connect(self.close)
        self._file_menu.addAction(self._quit_action)

        self._view_menu = bar.addMenu("&View")
        self._view_menu.setAccessibleName("View")
        self._view_group = QActionGroup(self)
        self._view_group.setExclusive(True)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setAccessibleName("Status bar")
        status.setSizeGripEnabled(True)

        self._busy_label = QLabel(self)
        self._busy_label.setObjectName("busyLabel")
        self._busy_label.setAccessibleName("Working")
        self._busy_label.hide()
        self._busy_text = ""
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(_BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(self._show_busy)

        self._user_label = QLabel(self)
        self._user_label.setObjectName("userLabel")
        self._user_label.setAccessibleName("Signed in as nobody")
        self._user_label.setTextFormat(Qt.TextFormat.PlainText)

        state = ops.connection_state()
        self._connection_badge = StatusBadge(state.state(), self, label="Database connection")
        self._connection_badge.setObjectName("connectionBadge")
        self._connection_badge.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

        status.addPermanentWidget(self._busy_label)
        status.addPermanentWidget(self._user_label)
        status.addPermanentWidget(self._connection_badge)

        state.state_changed.connect(self._on_connection_state)
        ops.op_activity().busy_changed.connect(self._on_busy_changed)

    def _add_screen(
        self,
        key: str,
        title: str,
        icon_name: str,
        factory: Callable[[], QWidget] | None,
        shortcut: str,
    ) -> _Screen:
        item = QListWidgetItem(icon(icon_name), title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, f"Shortcut {shortcut}" if shortcut else "")
        self._nav.addItem(item)

        action = QAction(icon(icon_name), title, self)
        action.setObjectName(f"action-screen-{key}")
        action.setCheckable(True)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(f"Show {title}")
        action.triggered.connect(lambda _checked=False, key=key: self.show_screen(key))
        self._view_group.addAction(action)
        self._view_menu.addAction(action)

        screen = _Screen(key, title, icon_name, shortcut, factory, item, action)
        self._screens[key] = screen
        self._apply_allowed(screen)
        return screen

    # ------------------------------------------------------------ public API

    def register_screen(
        self,
        key: str,
        title: str,
        icon_name: str,
        factory: Callable[[], QWidget],
        shortcut: str,
    ) -> None:
        """Install the screen for ``key``; it is built the first time it is shown.

        A key from :data:`DOMAINS` replaces that area's placeholder; any other
        key adds an entry after them. ``factory`` runs on the GUI thread and
        must not do database work (load through ``run_op`` instead).
        """
        icon(icon_name)  # a typo in an icon name fails here, not on first paint
        screen = self._screens.get(key)
        if screen is None:
            self._add_screen(key, title, icon_name, factory, shortcut)
            return
        screen.title, screen.icon_name, screen.shortcut, screen.factory = title, icon_name, shortcut, factory
        screen.item.setText(title)
        screen.item.setIcon(icon(icon_name))
        screen.item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        screen.item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, f"Shortcut {shortcut}" if shortcut else "")
        screen.action.setText(title)
        screen.action.setIcon(icon(icon_name))
        screen.action.setShortcut(QKeySequence(shortcut) if shortcut else QKeySequence())
        screen.action.setStatusTip(f"Show {title}")
        if screen.widget is not None:
            # Built already (the placeholder, or an older factory): rebuild.
            self._discard_widget(screen)
            if self._current == key:
                self._current = None
                self.show_screen(key)

    def show_screen(self, key: str) -> bool:
        """Bring ``key`` to the front, building it if needed.

        Returns False when the user's role does not allow it. ``KeyError``
        for a key nobody registered.
        """
        screen = self._screens[key]
        if not self._is_allowed(key):
            return False
        if self._current == key and screen.widget is not None:
            self._stack.setCurrentWidget(screen.widget)
            return True
        if screen.widget is None:
            screen.widget = self._build_widget(screen)
            self._stack.addWidget(screen.widget)
            self._make_screen_menu(screen)

        previous = self._screens.get(self._current) if self._current else None
        if previous is not None and previous.menu is not None:
            self.menuBar().removeAction(previous.menu.menuAction())
        self._current = key
        self._stack.setCurrentWidget(screen.widget)
        if screen.menu is not None:
            self.menuBar().addAction(screen.menu.menuAction())
        screen.action.setChecked(True)
        if self._nav.currentItem() is not screen.item:
            self._nav.blockSignals(True)
            self._nav.setCurrentItem(screen.item)
            self._nav.blockSignals(False)
        self._update_title()
        self._focus_screen(screen.widget)
        self.screen_changed.emit(key)
        return True

    def current_screen(self) -> str | None:
        return self._current

    def screen_widget(self, key: str) -> QWidget | None:
        """The built widget for ``key``, or None while it has not been shown."""
        screen = self._screens.get(key)
        return screen.widget if screen is not None else None

    def screen_keys(self) -> list[str]:
        return list(self._screens)

    def set_allowed_screens(self, keys: Iterable[str] | None) -> None:
        """Show only these areas (role-based); ``None`` shows every area.

        Keys not registered yet are remembered, so a screen registered later
        appears if the role allows it.
        """
        self._allowed = None if keys is None else set(keys)
        for screen in self._screens.values():
            self._apply_allowed(screen)
        if self._current is not None and not self._is_allowed(self._current):
            self._leave_current()
            first = self._first_allowed()
            if first is not None:
                self.show_screen(first)
            else:
                self._stack.setCurrentWidget(self._no_access)
                self._update_title()
        elif self._current is None and self._restored and self.isVisible():
            self._show_initial_screen()

    def set_user(self, user: str, roles: list[str], database: str) -> None:
        self._database = database
        role_text = ", ".join(roles) if roles else "no role"
        self._user_label.setText(f"{user} · {role_text} · {database}")
        self._user_label.setAccessibleName(f"Signed in as {user}, roles {role_text}, database {database}")
        self._update_title()

    def show_message(self, text: str, timeout_ms: int = _MESSAGE_MS) -> None:
        """Say what just happened, in the status bar (``timeout_ms`` 0 keeps it)."""
        self.statusBar().showMessage(text, timeout_ms)

    def connection_badge(self) -> StatusBadge:
        return self._connection_badge

    # ------------------------------------------------------------ Qt events

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._current is None:
            self._show_initial_screen()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_settings()
        super().closeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            # Icons are tinted for a palette; re-tint for light <-> dark.
            for screen in self._screens.values():
                screen.item.setIcon(icon(screen.icon_name))
                screen.action.setIcon(icon(screen.icon_name))
        super().changeEvent(event)

    # ------------------------------------------------------------ slots

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_nav_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.show_screen(current.data(Qt.ItemDataRole.UserRole))

    @Slot(str)
    def _on_connection_state(self, state: str) -> None:
        was = self._connection_badge.status().lower()
        self._connection_badge.set_status(state)
        if state == ops.ConnectionState.RECONNECTING:
            self.show_message("Lost the connection to the database. Reconnecting; your work on screen is kept.", 0)
        elif state == ops.ConnectionState.OFFLINE:
            self.show_message(
                "The database cannot be reached. Nothing can be saved until it is back; "
                "ClaimDesk keeps trying.",
                0,
            )
        elif state == ops.ConnectionState.ONLINE and was != ops.ConnectionState.ONLINE:
            self.show_message("Connected to the database again.")

    @Slot(str)
    def _on_busy_changed(self, label: str) -> None:
        self._busy_text = label
        if label:
            if self._busy_label.isVisible():
                self._show_busy()
            else:
                self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self._busy_label.hide()

    @Slot()
    def _show_busy(self) -> None:
        if self._busy_text:
            self._busy_label.setText(f"{self._busy_text}…")
            self._busy_label.setAccessibleName(f"Working: {self._busy_text}")
            self._busy_label.show()

    # ------------------------------------------------------------ internals

    def _is_allowed(self, key: str) -> bool:
        return self._allowed is None or key in self._allowed

    def _apply_allowed(self, screen: _Screen) -> None:
        allowed = self._is_allowed(screen.key)
        screen.item.setHidden(not allowed)
        # An invisible action also drops its shortcut, so Ctrl+N for a hidden
        # area does nothing instead of failing quietly.
        screen.action.setVisible(allowed)

    def _first_allowed(self) -> str | None:
        return next((key for key in self._screens if self._is_allowed(key)), None)

    def _leave_current(self) -> None:
        previous = self._screens.get(self._current) if self._current else None
        if previous is not None:
            if previous.menu is not None:
                self.menuBar().removeAction(previous.menu.menuAction())
            previous.action.setChecked(False)
        self._current = None
        self._nav.blockSignals(True)
        self._nav.setCurrentItem(None)
        self._nav.blockSignals(False)

    def _show_initial_screen(self) -> None:
        saved = self._settings.value(_SCREEN_KEY, "", type=str)
        key = saved if saved in self._screens and self._is_allowed(saved) else self._first_allowed()
        if key is None:
            self._stack.setCurrentWidget(self._no_access)
        else:
            self.show_screen(key)

    def _build_widget(self, screen: _Screen) -> QWidget:
        if screen.factory is None:
            return EmptyState(screen.title, "No screen for this area is installed in this build.", screen.icon_name)
        try:
            widget = screen.factory()
        except Exception as exc:  # a broken screen must not take the shell down
            _log.exception("could not build screen %s", screen.key)
            ops.show_error(
                self,
                ops.KIND_UNEXPECTED,
                "Something went wrong",
                f"The {screen.title} screen could not be opened.",
                "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
            )
            return EmptyState(
                screen.title,
                f"The {screen.title} screen could not be opened. The details were logged; "
                "other areas still work.",
                screen.icon_name,
            )
        if not widget.accessibleName():
            widget.setAccessibleName(screen.title)
        return widget

    def _make_screen_menu(self, screen: _Screen) -> None:
        actions = screen.widget.actions() if screen.widget is not None else []
        if not actions:
            return
        menu = QMenu(screen.title, self)
        menu.setObjectName(f"menu-screen-{screen.key}")
        menu.setAccessibleName(screen.title)
        menu.addActions(actions)
        screen.menu = menu

    def _discard_widget(self, screen: _Screen) -> None:
        if screen.menu is not None:
            self.menuBar().removeAction(screen.menu.menuAction())
            screen.menu.deleteLater()
            screen.menu = None
        if screen.widget is not None:
            self._stack.removeWidget(screen.widget)
            screen.widget.deleteLater()
            screen.widget = None

    def _focus_screen(self, widget: QWidget) -> None:
        """Put the keyboard where work starts: the screen's last focus, else its first field."""
        if not self.isVisible():
            return
        target = widget.focusWidget()
        if target is None or not target.isVisible():
            target = widget.focusProxy()
        if target is None:
            candidate = widget.nextInFocusChain()
            while candidate is not None and candidate is not widget:
                if (
                    widget.isAncestorOf(candidate)
                    and candidate.isVisible()
                    and candidate.isEnabled()
                    and candidate.focusPolicy() & Qt.FocusPolicy.TabFocus
                ):
                    target = candidate
                    break
                candidate = candidate.nextInFocusChain()
        (target or widget).setFocus(Qt.FocusReason.OtherFocusReason)

    def _update_title(self) -> None:
        parts = []
        if self._current is not None:
            parts.append(self._screens[self._current].title)
        parts.append("ClaimDesk")
        if self._database:
            parts.append(self._database)
        self.setWindowTitle(" — ".join(parts))

    def _restore_settings(self) -> None:
        geometry = self._settings.value(_GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = self._settings.value(_STATE_KEY)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        splitter = self._settings.value(_SPLITTER_KEY)
        if isinstance(splitter, QByteArray) and not splitter.isEmpty():
            self._splitter.restoreState(splitter)
        self._restored = True

    def _save_settings(self) -> None:
        self._settings.setValue(_GEOMETRY_KEY, self.saveGeometry())
        self._settings.setValue(_STATE_KEY, self.saveState())
        self._settings.setValue(_SPLITTER_KEY, self._splitter.saveState())
        if self._current is not None:
            self._settings.setValue(_SCREEN_KEY, self._current)
        self._settings.sync()
