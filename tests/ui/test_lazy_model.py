"""KeysetTableModel: paging by key on the worker, stale pages dropped, roles served."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTableView

from claimdesk.services import errors
from claimdesk.ui import ops
from claimdesk.ui.lazy_model import Column, KeysetTableModel
from claimdesk.ui.theme import compact_table, money_font

TIMEOUT_MS = 5000

COLUMNS = [
    Column("claim", "Claim", tooltip_key="claim_note"),
    Column("status", "Status", align="center"),
    Column("billed", "Billed", money=True),
    Column("paid", "Paid", align="left", money=True),
]


def make_rows(n: int) -> list[dict]:
    return [
        {
            "_id": i,
            "_key": ("2025-03-01", i),
            "claim": f"CLM-{i:05d}",
            "claim_note": f"Submitted by Provider {i}",
            "status": "Pended",
            "billed": f"{i * 10}.00",
            "paid": "0.00",
        }
        for i in range(1, n + 1)
    ]


class FakeQuery:
    """A read-model query paged by key, recording how it was called and from where."""

    def __init__(self, rows: list[dict], gate: threading.Event | None = None):
        self.rows = rows
        self.calls: list[tuple[tuple | None, int]] = []
        self.threads: list[int] = []
        self.gate = gate

    def __call__(self, after_key, limit):
        self.calls.append((after_key, limit))
        self.threads.append(threading.get_ident())
        if self.gate is not None:
            assert self.gate.wait(TIMEOUT_MS / 1000)
        rows = [r for r in self.rows if after_key is None or r["_key"] > tuple(after_key)]
        return rows[:limit]


@pytest.fixture
def gate():
    event = threading.Event()
    yield event
    event.set()


def load_all(qtbot, model: KeysetTableModel) -> None:
    while model.canFetchMore(QModelIndex()):
        with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
            model.fetchMore(QModelIndex())


@pytest.mark.qt_log_level_fail("WARNING")
def test_passes_qt_model_tester_through_paging_and_reset(qtbot, qtmodeltester):
    # The C++ tester reports through qWarning, which this marker turns into failures.
    model = KeysetTableModel(COLUMNS, FakeQuery(make_rows(25)), page_size=10)
    qtmodeltester.check(model)
    load_all(qtbot, model)
    assert model.rowCount() == 25
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.reset(FakeQuery(make_rows(7)))
    assert model.rowCount() == 7


def test_passes_python_model_tester_through_paging(qtbot, qtmodeltester):
    model = KeysetTableModel(COLUMNS, FakeQuery(make_rows(25)), page_size=10)
    qtmodeltester.check(model, force_py=True)
    load_all(qtbot, model)
    assert model.rowCount() == 25
    qtmodeltester.check(model, force_py=True)


def test_fetch_more_loads_the_next_page_by_key(qtbot):
    query = FakeQuery(make_rows(25))
    model = KeysetTableModel(COLUMNS, query, page_size=10)
    assert model.rowCount() == 0 and model.canFetchMore(QModelIndex())

    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS) as first:
        model.fetchMore(QModelIndex())
    assert first.args == [10]
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS) as second:
        model.fetchMore(QModelIndex())
    assert second.args == [20]

    assert query.calls == [(None, 10), (("2025-03-01", 10), 10)]
    assert [model.id_at(r) for r in range(20)] == list(range(1, 21))
    assert model.data(model.index(10, 0)) == "CLM-00011"

    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS) as last:
        model.fetchMore(QModelIndex())
    assert last.args == [25]
    assert model.is_exhausted() and not model.canFetchMore(QModelIndex())


def test_fetch_runs_on_the_worker_not_the_gui_thread(qtbot):
    query = FakeQuery(make_rows(3))
    model = KeysetTableModel(COLUMNS, query, page_size=10)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.fetchMore(QModelIndex())
    assert query.threads and threading.main_thread().ident not in query.threads


def test_no_second_fetch_while_one_is_in_flight(qtbot, gate):
    query = FakeQuery(make_rows(30), gate)
    model = KeysetTableModel(COLUMNS, query, page_size=10)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.fetchMore(QModelIndex())
        model.fetchMore(QModelIndex())
        model.fetchMore(QModelIndex())
        assert model.is_loading()
        gate.set()
    assert model.rowCount() == 10
    assert query.calls == [(None, 10)]


def test_row_repeated_by_a_later_page_is_not_duplicated(qtbot):
    rows = make_rows(6)

    def query(after_key, limit):
        if after_key is None:
            return rows[:3]
        # Row 2's sort key moved while the user scrolled: it comes back.
        moved = dict(rows[1], _key=("2025-03-02", 2))
        return [rows[3], moved, rows[4]]

    model = KeysetTableModel(COLUMNS, query, page_size=3)
    load_page = lambda: model.fetchMore(QModelIndex())  # noqa: E731
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        load_page()
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS) as blocker:
        load_page()
    assert blocker.args == [5]
    assert [model.id_at(r) for r in range(model.rowCount())] == [1, 2, 3, 4, 5]
    assert model.row_of_id(5) == 4


def test_reset_drops_pages_of_the_old_query(qtbot, gate):
    old = FakeQuery(make_rows(10), gate)
    new_rows = [dict(r, _id=100 + r["_id"], claim=f"NEW-{r['_id']}") for r in make_rows(4)]
    model = KeysetTableModel(COLUMNS, old, page_size=10)
    model.fetchMore(QModelIndex())
    assert model.is_loading()

    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS) as blocker:
        model.reset(FakeQuery(new_rows))
        # The old query finishes after the reset; its page must be ignored.
        gate.set()
    assert blocker.args == [4]
    # Let the old query's delivery land too, then check it changed nothing.
    done = []
    ops.run_op(model, lambda: None, lambda _r: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=TIMEOUT_MS)
    assert model.rowCount() == 4
    assert [model.data(model.index(r, 0)) for r in range(4)] == ["NEW-1", "NEW-2", "NEW-3", "NEW-4"]


def test_reset_without_a_new_query_reloads_from_the_start(qtbot):
    query = FakeQuery(make_rows(15))
    model = KeysetTableModel(COLUMNS, query, page_size=10)
    load_all(qtbot, model)
    with qtbot.waitSignal(model.modelReset, timeout=TIMEOUT_MS), qtbot.waitSignal(
        model.page_loaded, timeout=TIMEOUT_MS
    ):
        model.reset()
    assert model.rowCount() == 10
    assert query.calls[-1] == (None, 10)


def test_roles(qtbot):
    model = KeysetTableModel(COLUMNS, FakeQuery(make_rows(2)), page_size=10)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.fetchMore(QModelIndex())
    claim, status, billed, paid = (model.index(0, c) for c in range(4))
    R = Qt.ItemDataRole
    A = Qt.AlignmentFlag

    assert model.data(claim) == "CLM-00001"
    assert model.data(billed) == "10.00"
    assert model.data(claim, R.ToolTipRole) == "Submitted by Provider 1"
    assert model.data(billed, R.ToolTipRole) is None
    assert model.data(claim, R.TextAlignmentRole) == A.AlignLeft | A.AlignVCenter
    assert model.data(status, R.TextAlignmentRole) == A.AlignHCenter | A.AlignVCenter
    # Money is right-aligned even where the column asked for left.
    assert model.data(paid, R.TextAlignmentRole) == A.AlignRight | A.AlignVCenter
    assert model.data(claim, R.FontRole) is None
    font = model.data(billed, R.FontRole)
    assert isinstance(font, QFont) and font == money_font()
    assert model.data(billed, R.AccessibleTextRole) == "Billed: 10.00"
    assert model.data(claim, R.UserRole) == 1
    for unserved in (R.DecorationRole, R.BackgroundRole, R.ForegroundRole, R.CheckStateRole, R.EditRole):
        assert model.data(claim, unserved) is None
    assert model.data(QModelIndex()) is None

    assert model.headerData(2, Qt.Orientation.Horizontal) == "Billed"
    assert model.headerData(2, Qt.Orientation.Horizontal, R.TextAlignmentRole) == A.AlignRight | A.AlignVCenter
    assert model.flags(claim) & Qt.ItemFlag.ItemIsEditable == Qt.ItemFlag.NoItemFlags


def test_money_font_has_digits_of_one_width(qapp):
    from PySide6.QtGui import QFontMetricsF

    metrics = QFontMetricsF(money_font())
    assert len({round(metrics.horizontalAdvance(d), 2) for d in "0123456789"}) == 1


def test_failed_page_stops_fetching_until_retry(qtbot, shown_errors):
    calls = {"n": 0}
    rows = make_rows(3)

    def flaky(after_key, limit):
        calls["n"] += 1
        if calls["n"] == 1:
            raise errors.ValidationError("date range is too wide", where="Service date")
        return rows

    model = KeysetTableModel(COLUMNS, flaky, page_size=10)
    with qtbot.waitSignal(model.load_failed, timeout=TIMEOUT_MS) as blocker:
        model.fetchMore(QModelIndex())
    assert blocker.args == ["Service date: date range is too wide"]
    assert not model.canFetchMore(QModelIndex()), "a view must not retry in a tight loop"
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=TIMEOUT_MS)
    assert shown_errors.kinds() == [ops.KIND_VALIDATION]
    shown_errors.clear()

    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.retry()
    assert model.rowCount() == 3


def test_page_lost_to_connection_is_fetched_again_when_back_online(qtbot, shown_errors):
    link = {"up": False}

    def query(after_key, limit):
        if not link["up"]:
            raise errors.ConnectionLost("connection reset")
        return make_rows(2)

    model = KeysetTableModel(COLUMNS, query, page_size=10)
    with qtbot.waitSignal(model.load_failed, timeout=TIMEOUT_MS):
        model.fetchMore(QModelIndex())
    assert ops.connection_state().state() == ops.ConnectionState.RECONNECTING
    link["up"] = True
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        # Any successful database op brings the state back online.
        ops.run_op(model, lambda: None)
    assert model.rowCount() == 2
    assert shown_errors == []


def test_update_row_replaces_in_place(qtbot):
    model = KeysetTableModel(COLUMNS, FakeQuery(make_rows(3)), page_size=10)
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.fetchMore(QModelIndex())
    changed = dict(model.row_at(1), status="Approved")
    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT_MS) as blocker:
        assert model.update_row(changed)
    assert blocker.args[0].row() == 1 and blocker.args[1].column() == len(COLUMNS) - 1
    assert model.data(model.index(1, 1)) == "Approved"
    assert not model.update_row(dict(changed, _id=999))


def test_view_pulls_pages_as_the_user_scrolls(qtbot):
    query = FakeQuery(make_rows(300))
    model = KeysetTableModel(COLUMNS, query, page_size=40)
    view = QTableView()
    view.setAccessibleName("Claims")
    compact_table(view)
    view.setModel(model)
    view.resize(500, 300)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: model.rowCount() >= 40, timeout=TIMEOUT_MS)
    assert len(query.calls) == 1, "only as many rows as the view needs"

    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() >= 80, timeout=TIMEOUT_MS)
    assert model.rowCount() < 300


def test_column_rejects_unknown_alignment():
    with pytest.raises(ValueError):
        Column("x", "X", align="justify")


# ------------------------------------------------------------ bounded memory


def settle(qtbot, model: KeysetTableModel) -> None:
    """Wait until every op queued on the (single) database worker so far has been delivered."""
    done = []
    ops.run_op(model, lambda: None, lambda _r: done.append(True))
    qtbot.waitUntil(lambda: bool(done), timeout=TIMEOUT_MS)


def dropped_page(model: KeysetTableModel, pages: int) -> int:
    """A page in the middle that is not held in memory."""
    return next(p for p in range(pages // 2, pages) if p not in model.cached_pages())


def test_loading_many_pages_keeps_only_max_cached_pages_of_rows(qtbot):
    model = KeysetTableModel(COLUMNS, FakeQuery(make_rows(1000)), page_size=10, max_cached_pages=5)
    held: list[int] = []
    model.page_loaded.connect(lambda _total: held.append(model.cached_row_count()))
    load_all(qtbot, model)

    assert model.rowCount() == 1000, "the scroll range still covers every row"
    assert len(held) == 101 and max(held) <= 50
    assert len(model.cached_pages()) == 5 and model.cached_row_count() == 50
    page = dropped_page(model, 100)
    row = page * 10 + 3
    assert model.row_at(row) is None and model.id_at(row) is None
    assert model.row_of_id(row + 1) is None, "a dropped row leaves the id index too"
    kept = model.cached_pages()[-1] * 10 + 3
    assert model.id_at(kept) == kept + 1 and model.row_of_id(kept + 1) == kept
    assert model.row_at(kept)["claim"] == f"CLM-{kept + 1:05d}"


def test_scrolling_back_to_a_dropped_row_fetches_that_page_once(qtbot):
    query = FakeQuery(make_rows(1000))
    model = KeysetTableModel(COLUMNS, query, page_size=10, max_cached_pages=5)
    load_all(qtbot, model)
    page = dropped_page(model, 100)
    first = page * 10
    calls = len(query.calls)

    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT_MS) as changed:
        assert model.data(model.index(first + 5, 0)) == ""
        assert model.data(model.index(first + 7, 2)) == ""  # same page: no second query
        assert model.data(model.index(first + 5, 0), Qt.ItemDataRole.UserRole) is None
        assert model.data(model.index(first + 5, 0), Qt.ItemDataRole.AccessibleTextRole) == "Claim: loading"
    settle(qtbot, model)

    # Fetched again from the key that page starts after, on the worker.
    assert query.calls[calls:] == [(("2025-03-01", first), 10)]
    assert threading.main_thread().ident not in query.threads[calls:]
    top_left, bottom_right = changed.args[0], changed.args[1]
    assert (top_left.row(), top_left.column()) == (first, 0)
    assert (bottom_right.row(), bottom_right.column()) == (first + 9, len(COLUMNS) - 1)
    assert model.data(model.index(first + 5, 0)) == f"CLM-{first + 6:05d}"
    assert model.data(model.index(first + 7, 2)) == f"{(first + 8) * 10}.00"
    assert model.id_at(first + 5) == first + 6 and model.row_of_id(first + 6) == first + 5
    assert page in model.cached_pages() and len(model.cached_pages()) <= 5
    assert model.rowCount() == 1000
    # Held again: asking once more costs nothing.
    model.data(model.index(first + 9, 0))
    settle(qtbot, model)
    assert len(query.calls) == calls + 1


def test_a_page_fetched_again_keeps_its_old_row_count(qtbot):
    query = FakeQuery(make_rows(200))
    model = KeysetTableModel(COLUMNS, query, page_size=10, max_cached_pages=3)
    load_all(qtbot, model)
    shrunk, grown = dropped_page(model, 20), 15
    assert grown not in model.cached_pages() and shrunk != grown
    # Underneath, three rows of one page are deleted and two rows join the other.
    gone = {shrunk * 10 + 2, shrunk * 10 + 3, shrunk * 10 + 4}
    query.rows = [r for r in query.rows if r["_id"] not in gone]
    extra = [dict(r, _id=5000 + r["_id"], _key=("2025-03-01", grown * 10 + 5, n)) for n, r in enumerate(make_rows(2))]
    query.rows = sorted(query.rows + extra, key=lambda r: r["_key"])

    for page in (shrunk, grown):
        with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT_MS):
            model.data(model.index(page * 10, 0))
    assert model.rowCount() == 200
    # The shorter page is padded with blank rows at its end.
    assert [model.id_at(shrunk * 10 + i) for i in range(10)][-3:] == [None, None, None]
    assert model.data(model.index(shrunk * 10 + 9, 0)) == ""
    assert model.data(model.index(shrunk * 10 + 9, 0), Qt.ItemDataRole.AccessibleTextRole) == "Claim: blank"
    assert model.id_at(shrunk * 10 + 2) == shrunk * 10 + 6
    # The longer page is cut to its old length; its last rows wait for a reset().
    ids = [model.id_at(grown * 10 + i) for i in range(10)]
    assert ids[:5] == list(range(grown * 10 + 1, grown * 10 + 6)) and ids[5:7] == [5001, 5002]
    assert model.row_of_id(grown * 10 + 10) is None

    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.reset()
    load_all(qtbot, model)
    assert model.rowCount() == 199


def test_reset_while_a_page_is_fetched_again_drops_the_late_page(qtbot, gate, shown_errors):
    gate.set()
    old = FakeQuery(make_rows(100), gate)
    model = KeysetTableModel(COLUMNS, old, page_size=10, max_cached_pages=2)
    load_all(qtbot, model)
    assert 0 not in model.cached_pages()
    calls = len(old.calls)
    changed = []
    model.dataChanged.connect(lambda *args: changed.append(args))

    gate.clear()
    model.data(model.index(3, 0))  # page 0 was dropped: fetched again, held up on the worker
    qtbot.waitUntil(lambda: len(old.calls) == calls + 1, timeout=TIMEOUT_MS)
    new_rows = [dict(r, _id=100 + r["_id"], claim=f"NEW-{r['_id']}") for r in make_rows(100)]
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.reset(FakeQuery(new_rows))
        gate.set()  # the old page comes back after the reset; it must be ignored
    settle(qtbot, model)

    assert old.calls[calls:] == [(None, 10)]
    assert changed == []
    assert model.rowCount() == 10
    assert [model.data(model.index(r, 0)) for r in range(10)] == [f"NEW-{i}" for i in range(1, 11)]
    assert model.id_at(3) == 104 and model.row_of_id(4) is None
    assert shown_errors == []


def test_update_row_changes_held_rows_only(qtbot):
    model = KeysetTableModel(COLUMNS, FakeQuery(make_rows(100)), page_size=10, max_cached_pages=2)
    load_all(qtbot, model)
    held = model.cached_pages()[-1] * 10 + 1
    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT_MS):
        assert model.update_row(dict(model.row_at(held), status="Approved"))
    assert model.data(model.index(held, 1)) == "Approved"
    dropped = dict(make_rows(100)[dropped_page(model, 10) * 10], status="Approved")
    assert not model.update_row(dropped)


@pytest.mark.qt_log_level_fail("WARNING")
def test_passes_qt_model_tester_while_pages_are_dropped(qtbot, qtmodeltester):
    # The C++ tester stays attached: it checks every insert, dataChanged and reset below.
    model = KeysetTableModel(COLUMNS, FakeQuery(make_rows(295)), page_size=10, max_cached_pages=2)
    qtmodeltester.check(model)
    load_all(qtbot, model)
    # Pages the tester has just read count as on screen and stay too, but no more.
    assert model.rowCount() == 295 and len(model.cached_pages()) <= 6
    with qtbot.waitSignal(model.dataChanged, timeout=TIMEOUT_MS):
        for row in range(0, 295, 10):
            model.data(model.index(row, 0))
    settle(qtbot, model)
    assert model.rowCount() == 295
    with qtbot.waitSignal(model.page_loaded, timeout=TIMEOUT_MS):
        model.reset()
    assert model.rowCount() == 10


def test_passes_python_model_tester_while_pages_are_dropped(qtbot, qtmodeltester):
    model = KeysetTableModel(COLUMNS, FakeQuery(make_rows(295)), page_size=10, max_cached_pages=2)
    load_all(qtbot, model)
    assert 0 not in model.cached_pages()
    # It reads rows on dropped pages; those come back with dataChanged, which it checks again.
    qtmodeltester.check(model, force_py=True)
    settle(qtbot, model)
    assert model.row_at(0) is not None and model.rowCount() == 295


def test_view_scrolled_back_shows_its_rows_again_without_fetching_in_a_loop(qtbot):
    query = FakeQuery(make_rows(600))
    model = KeysetTableModel(COLUMNS, query, page_size=20, max_cached_pages=3)
    view = QTableView()
    view.setAccessibleName("Claims")
    compact_table(view)
    view.setModel(model)
    view.resize(500, 300)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: model.rowCount() >= 20, timeout=TIMEOUT_MS)
    while model.canFetchMore(QModelIndex()):
        view.scrollToBottom()
        qtbot.waitUntil(lambda: not model.is_loading(), timeout=TIMEOUT_MS)
        settle(qtbot, model)
    assert model.rowCount() == 600 and len(model.cached_pages()) <= 3
    assert 0 not in model.cached_pages()

    view.scrollToTop()
    qtbot.waitUntil(lambda: model.row_at(0) is not None, timeout=TIMEOUT_MS)
    view.viewport().repaint()
    settle(qtbot, model)
    calls = len(query.calls)
    for _ in range(3):
        view.viewport().repaint()
        settle(qtbot, model)
    assert len(query.calls) == calls, "the rows on screen stay held"
    last_shown = view.rowAt(view.viewport().height() - 1)
    assert all(model.row_at(r) is not None for r in range(last_shown + 1))
    assert model.data(model.index(0, 0)) == "CLM-00001"
