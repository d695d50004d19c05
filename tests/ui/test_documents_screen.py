"""The Documents screen against the real test database: stored documents, the print spool, offline, export.

Print, preview and save dialogs cannot run headless, so the screen's entry
points in ``claimdesk.ui.documents.printing`` are replaced by a recorder
(like ``ops.show_error``). The real printing path is tested on its own,
printing to a PDF file through a QPrinter without the dialog.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os

import pytest
import shiboken6
from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QApplication, QDialog, QFrame, QLabel, QLineEdit, QPushButton, QTableView, QWidget
from reportlab.lib.pagesizes import A4, landscape, letter
from reportlab.pdfgen import canvas
from sqlalchemy import text

from claimdesk.services.claims import service as claims_service
from claimdesk.services.claims import simulator
from claimdesk.services.documents import service as documents
from claimdesk.services.documents.spool import Spool
from claimdesk.services.security import current_identity
from claimdesk.ui import ops
from claimdesk.ui.context import AppContext
from claimdesk.ui.documents import printing
from claimdesk.ui.documents import screen as screen_module
from claimdesk.ui.documents.screen import OFFLINE_TEXT, DocumentsScreen
from tests.conftest import SCENARIOS

TIMEOUT_MS = 30000
PAGES = (letter, A4, landscape(letter))


# --------------------------------------------------------------------------
# Fixtures and helpers


@pytest.fixture
def local_settings(settings, tmp_path):
    """The shared test database, with a spool of this test's own."""
    return dataclasses.replace(settings, data_dir=tmp_path / "data")


@pytest.fixture
def ctx(db, local_settings):
    identity = current_identity(db.sessions)
    return AppContext(local_settings, db, user=identity.user, roles=identity.roles)


@pytest.fixture
def offline_ctx(local_settings):
    return AppContext(local_settings, None, user="clerk.offline")


class Outputs:
    """What the screen sent to the printer, the preview and the save dialog."""

    def __init__(self) -> None:
        self.pages_out: int | None = None  # None: every page comes out; a number: the job stops there
        self.prints: list[tuple[str, bytes]] = []
        self.previews: list[tuple[str, bytes]] = []
        self.saves: list[tuple[str, bytes]] = []
        self.preview_printed: list = []

    def print_pdf(self, parent, pdf_bytes, title, done=None, **_kw):  # noqa: ANN001
        self.prints.append((title, bytes(pdf_bytes)))
        pages = len(PdfReader(io.BytesIO(pdf_bytes)).pages)
        out = pages if self.pages_out is None else self.pages_out
        outcome = printing.PrintOutcome(title, out, pages, cancelled=out < pages)
        if done is not None:
            # Like the real job: the outcome arrives on a later turn of the event loop.
            QTimer.singleShot(0, lambda: done(outcome))

    def preview_pdf(self, parent, pdf_bytes, title, printed=None):  # noqa: ANN001
        self.previews.append((title, bytes(pdf_bytes)))
        self.preview_printed.append(printed)

    def save_pdf(self, parent, pdf_bytes, suggested_name, done=None):  # noqa: ANN001
        self.saves.append((suggested_name, bytes(pdf_bytes)))


@pytest.fixture
def outputs(monkeypatch) -> Outputs:
    recorder = Outputs()
    monkeypatch.setattr(printing, "print_pdf", recorder.print_pdf)
    monkeypatch.setattr(printing, "preview_pdf", recorder.preview_pdf)
    monkeypatch.setattr(printing, "save_pdf", recorder.save_pdf)
    return recorder


def adjudicated_claim(db, scenario=0) -> str:
    return simulator.run_scenario(db.sessions, simulator.load_scenario(SCENARIOS[scenario]))["claim_locator"]


def stored_eob(db) -> documents.StoredDocument:
    return documents.render_and_store_eob(db.sessions, adjudicated_claim(db))


def document_row(db, locator: str):
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT locator, sha256, subject_locator, printed_at, printed_by FROM documents.documents WHERE locator = :l"),
            {"l": locator},
        ).one()


def spool_of(ctx) -> Spool:
    return Spool(ctx.settings.data_dir / "spool")


def shown(qtbot, ctx) -> DocumentsScreen:
    screen = DocumentsScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1200, 760)
    screen.show()
    qtbot.waitExposed(screen)
    # The spool is listed once at start; the summary says something from then on.
    qtbot.waitUntil(lambda: screen.findChild(QLabel, "spoolSummary").text() != "", timeout=TIMEOUT_MS)
    return screen


def wait_listed(qtbot, screen: DocumentsScreen, locator: str) -> dict:
    screen.set_search_text(locator)
    model = screen.model()

    def found() -> bool:
        return any(model.row_at(r)["locator"] == locator for r in range(model.rowCount()))

    qtbot.waitUntil(found, timeout=TIMEOUT_MS)
    return next(model.row_at(r) for r in range(model.rowCount()) if model.row_at(r)["locator"] == locator)


def wait_spooled(qtbot, screen: DocumentsScreen, locator: str) -> None:
    qtbot.waitUntil(lambda: screen.spool_model().row_of(locator) is not None, timeout=TIMEOUT_MS)


def closed(widget: QWidget) -> bool:
    """Closed: hidden, or already deleted (the dialogs delete themselves on close)."""
    return not shiboken6.isValid(widget) or not widget.isVisible()


def action(screen: QWidget, name: str) -> QAction:
    found = screen.findChild(QAction, f"action-{name}")
    assert found is not None, name
    return found


def ink(image) -> int:  # noqa: ANN001 - a QImage
    """Pixels darker than mid-grey."""
    return sum(
        1 for x in range(image.width()) for y in range(image.height()) if image.pixelColor(x, y).lightness() < 160
    )


def three_page_pdf() -> bytes:
    """A Letter page, an A4 one and a landscape Letter one: US and UK documents, and a wide table."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=letter)
    for number, size in enumerate(PAGES, start=1):
        pdf.setPageSize(size)
        pdf.setFont("Helvetica", 24)
        pdf.drawString(72, size[1] - 96, f"Page {number}")
        pdf.setLineWidth(4)
        pdf.rect(36, 36, size[0] - 72, size[1] - 72)
        pdf.rect(72, 72, 72 * number, 72, fill=1)  # ink enough to compare the print with the original
        pdf.showPage()
    pdf.save()
    return out.getvalue()


# --------------------------------------------------------------------------
# Stored documents


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_documents_list_shows_a_stored_eob(qtbot, qtmodeltester, db, ctx):
    stored = stored_eob(db)
    screen = shown(qtbot, ctx)
    row = wait_listed(qtbot, screen, stored.locator)

    assert row["kind"] == "EOB"
    assert row["subject"] == stored.subject_locator
    assert row["market"] == stored.market_code
    assert row["printed"] == "Not printed"
    assert row["created"]  # a date in the user's locale
    model = screen.model()
    assert "match" in screen.findChild(QLabel, "documentsCount").text()
    qtmodeltester.check(model)
    assert screen.findChild(QFrame, "offlineBanner").isHidden()
    assert action(screen, "issue-eob").isEnabled() and action(screen, "export-eobs").isEnabled()


def test_space_previews_and_ctrl_s_saves_the_selected_document(qtbot, db, ctx, outputs):
    stored = stored_eob(db)
    screen = shown(qtbot, ctx)
    wait_listed(qtbot, screen, stored.locator)
    assert screen.select_document(stored.locator)
    table = screen.findChild(QTableView, "documentsTable")
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=TIMEOUT_MS)

    qtbot.keyClick(table, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: bool(outputs.previews), timeout=TIMEOUT_MS)
    title, pdf = outputs.previews[0]
    assert title == stored.locator and pdf == stored.content

    qtbot.keyClick(table, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(outputs.saves), timeout=TIMEOUT_MS)
    assert outputs.saves[0] == (f"{stored.locator}.pdf", stored.content)

    # Space typed in the search box is a space, not a preview.
    search = screen.findChild(QLineEdit, "documentsSearch")
    search.setFocus()
    qtbot.waitUntil(search.hasFocus, timeout=TIMEOUT_MS)
    qtbot.keyClick(search, Qt.Key.Key_Space)
    assert search.text().endswith(" ") and len(outputs.previews) == 1


def test_print_a_stored_document_spools_it_prints_it_and_records_it(qtbot, db, ctx, outputs):
    stored = stored_eob(db)
    screen = shown(qtbot, ctx)
    wait_listed(qtbot, screen, stored.locator)
    assert screen.select_document(stored.locator)

    with qtbot.waitSignal(screen.printed_synced, timeout=TIMEOUT_MS, check_params_cb=lambda n: n >= 1):
        action(screen, "print").trigger()

    assert outputs.prints == [(f"EOB {stored.locator}", stored.content)]
    row = document_row(db, stored.locator)
    assert row.printed_at is not None and row.printed_by == ctx.user
    spool = spool_of(ctx)
    assert spool.list() == []
    (printed,) = spool.printed()
    assert printed.document_locator == stored.locator and printed.synced_at is not None
    assert "written back" in screen.last_message()


# --------------------------------------------------------------------------
# Issuing


def test_issue_eob_for_claim_stores_it_spools_it_and_previews_it(qtbot, db, ctx, outputs):
    claim = adjudicated_claim(db)
    screen = shown(qtbot, ctx)

    action(screen, "issue-eob").trigger()
    dialog = screen.findChild(QDialog, "issueEobDialog")
    assert dialog is not None and dialog.isVisible()
    edit = dialog.findChild(QLineEdit, "locatorEdit")
    accept = dialog.findChild(QPushButton, "locatorAccept")
    assert not accept.isEnabled()

    # A claim that does not exist: said in the dialog, which stays open for a fix.
    qtbot.keyClicks(edit, "clm-99999999")
    qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)
    error = dialog.findChild(QLabel, "locatorError")
    qtbot.waitUntil(lambda: "CLM-99999999" in error.text(), timeout=TIMEOUT_MS)
    assert dialog.isVisible()

    edit.clear()
    qtbot.keyClicks(edit, claim.lower())
    with qtbot.waitSignal(screen.preview_opened, timeout=TIMEOUT_MS) as opened:
        qtbot.mouseClick(accept, Qt.MouseButton.LeftButton)
    locator = opened.args[0]

    row = document_row(db, locator)
    assert row.subject_locator == claim
    title, pdf = outputs.previews[0]
    assert title == f"EOB {locator}" and hashlib.sha256(pdf).hexdigest() == row.sha256
    (entry,) = spool_of(ctx).list()
    assert entry.document_locator == locator and entry.subject_locator == claim and entry.kind == "EOB"
    assert spool_of(ctx).read(entry) == pdf
    wait_spooled(qtbot, screen, locator)
    qtbot.waitUntil(lambda: closed(dialog), timeout=TIMEOUT_MS)

    # Printing from that preview records the print.
    printed = outputs.preview_printed[0]
    with qtbot.waitSignal(screen.printed_synced, timeout=TIMEOUT_MS, check_params_cb=lambda n: n >= 1):
        printed(printing.PrintOutcome(title, 1, 1))
    assert document_row(db, locator).printed_at is not None


def test_escape_cancels_the_issue_dialog(qtbot, ctx):
    screen = shown(qtbot, ctx)
    dialog = screen.ask_issue_policy()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    qtbot.keyClick(dialog.findChild(QLineEdit, "locatorEdit"), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: closed(dialog), timeout=TIMEOUT_MS)


def test_request_eob_from_the_claim_screen_spools_and_previews_once(qtbot, db, ctx, outputs):
    claim = adjudicated_claim(db)
    screen = shown(qtbot, ctx)

    with qtbot.waitSignal(screen.preview_opened, timeout=TIMEOUT_MS) as first:
        screen.request_eob(claim)
    with qtbot.waitSignal(screen.preview_opened, timeout=TIMEOUT_MS) as second:
        screen.request_eob(claim)

    # The claim did not change in between: the same EOB, not a second one.
    assert first.args == second.args
    with db.engine.connect() as conn:
        count = conn.execute(
            text("SELECT count(*) FROM documents.documents WHERE subject_locator = :c AND template_type = 'EOB'"), {"c": claim}
        ).scalar_one()
    assert count == 1
    (entry,) = spool_of(ctx).list()
    assert entry.document_locator == first.args[0] and entry.subject_locator == claim


# --------------------------------------------------------------------------
# The spool


def test_print_from_the_spool_marks_it_printed_and_writes_it_back(qtbot, db, ctx, outputs):
    stored = stored_eob(db)
    spool_of(ctx).add(stored.locator, stored.subject_locator, stored.template_type, stored.content)
    screen = shown(qtbot, ctx)
    wait_spooled(qtbot, screen, stored.locator)
    assert screen.select_spool_entry(stored.locator)
    assert action(screen, "spool-remove").isEnabled()

    with qtbot.waitSignal(screen.printed_synced, timeout=TIMEOUT_MS, check_params_cb=lambda n: n == 1):
        action(screen, "spool-print").trigger()

    assert outputs.prints == [(f"EOB {stored.locator}", stored.content)]
    row = document_row(db, stored.locator)
    assert row.printed_at is not None and row.printed_by == ctx.user
    assert spool_of(ctx).list() == [] and spool_of(ctx).pending_printed_status() == []
    assert screen.last_message() == "Printed status of 1 document written back to the database."
    # Recorded entries leave the list; the spool says it is empty.
    qtbot.waitUntil(lambda: screen.spool_model().rowCount() == 0, timeout=TIMEOUT_MS)
    assert screen.findChild(QLabel, "spoolSummary").text() == "— empty"


def test_a_cancelled_print_stays_in_the_spool_unrecorded(qtbot, db, ctx, outputs):
    stored = stored_eob(db)
    spool_of(ctx).add(stored.locator, stored.subject_locator, stored.template_type, stored.content)
    screen = shown(qtbot, ctx)
    wait_spooled(qtbot, screen, stored.locator)
    assert screen.select_spool_entry(stored.locator)
    outputs.pages_out = 0

    with qtbot.waitSignal(screen.status_message, timeout=TIMEOUT_MS, check_params_cb=lambda t: "not printed" in t):
        action(screen, "spool-print").trigger()

    assert len(outputs.prints) == 1
    assert [e.document_locator for e in spool_of(ctx).list()] == [stored.locator]
    assert spool_of(ctx).printed() == []
    assert document_row(db, stored.locator).printed_at is None
    assert screen.last_message() == f"{stored.locator} was not printed; it stays in the print spool."


def test_corrupt_spool_file_is_refused_and_nothing_is_printed(qtbot, db, ctx, outputs, shown_errors):
    stored = stored_eob(db)
    entry = spool_of(ctx).add(stored.locator, stored.subject_locator, stored.template_type, stored.content)
    damaged = bytearray(entry.path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x55
    entry.path.write_bytes(bytes(damaged))
    screen = shown(qtbot, ctx)
    wait_spooled(qtbot, screen, stored.locator)
    assert screen.select_spool_entry(stored.locator)

    action(screen, "print").trigger()  # Ctrl+P acts on the spool while an entry there is selected
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=TIMEOUT_MS)

    kind, title, message, details, _parent = shown_errors[0]
    assert kind == ops.KIND_VALIDATION
    assert f"{stored.locator} failed its integrity check and was not printed" in message
    assert str(entry.path) in details
    assert outputs.prints == []
    assert [e.document_locator for e in spool_of(ctx).list()] == [stored.locator]
    assert document_row(db, stored.locator).printed_at is None
    assert "failed its integrity check" in screen.last_message()
    shown_errors.clear()


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_spool_model_and_remove(qtbot, qtmodeltester, db, ctx, monkeypatch):
    first, second = stored_eob(db), stored_eob(db)
    spool = spool_of(ctx)
    for stored in (first, second):
        spool.add(stored.locator, stored.subject_locator, stored.template_type, stored.content)
    spool.mark_printed(spool.list()[1], "clerk.offline")  # printed, not yet written back
    monkeypatch.setattr(screen_module, "confirm", lambda parent, title, body, accept, on_accept: on_accept())
    screen = DocumentsScreen(AppContext(ctx.settings, None, user="clerk.offline"))
    qtbot.addWidget(screen)
    screen.show()
    qtbot.waitUntil(lambda: screen.spool_model().rowCount() == 2, timeout=TIMEOUT_MS)
    model = screen.spool_model()
    qtmodeltester.check(model)
    statuses = [model.index(r, 4).data() for r in range(2)]
    assert statuses[0] == "Waiting to print" and statuses[1].endswith("not yet recorded")
    summary = screen.findChild(QLabel, "spoolSummary").text()
    assert "1 document waiting to print" in summary and "1 printed document not yet recorded" in summary

    # A print the database has not heard of yet cannot be thrown away.
    assert screen.select_spool_entry(second.locator)
    assert not action(screen, "spool-remove").isEnabled()
    assert screen.select_spool_entry(first.locator)
    assert action(screen, "spool-remove").isEnabled()
    table = screen.findChild(QTableView, "spoolTable")
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=TIMEOUT_MS)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert spool.list() == [] and len(spool.pending_printed_status()) == 1
    assert not list((ctx.settings.data_dir / "spool").glob(f"{first.locator}*"))


# --------------------------------------------------------------------------
# Offline


def test_offline_shows_the_banner_prints_from_the_spool_and_writes_back_later(qtbot, db, offline_ctx, outputs):
    stored = stored_eob(db)
    spool_of(offline_ctx).add(stored.locator, stored.subject_locator, stored.template_type, stored.content)
    state = ops.connection_state()
    state.set_state(ops.ConnectionState.OFFLINE, "no route to host")
    screen = shown(qtbot, offline_ctx)

    banner = screen.findChild(QFrame, "offlineBanner")
    assert banner.isVisible() and screen.banner_text() == OFFLINE_TEXT
    assert banner.findChild(QLabel, "offlineBannerText").accessibleName() == OFFLINE_TEXT
    assert not screen.findChild(QTableView, "documentsTable").isEnabled()
    assert not screen.findChild(QTableView, "documentsTable").isVisible()  # stale rows would read as current
    assert screen.findChild(QWidget, "documentsOffline").isVisible()
    assert not screen.findChild(QLineEdit, "documentsSearch").isEnabled()
    for name in ("issue-eob", "issue-policy", "export-eobs"):
        assert not action(screen, name).isEnabled()
    wait_spooled(qtbot, screen, stored.locator)
    assert screen.spool_model().index(0, 4).data() == "Waiting to print"

    # The first spool entry is selected for the keyboard; Ctrl+P prints it.
    with qtbot.waitSignal(screen.document_printed, timeout=TIMEOUT_MS):
        action(screen, "print").trigger()
    assert outputs.prints == [(f"EOB {stored.locator}", stored.content)]
    assert "when the connection returns" in screen.last_message()
    (pending,) = spool_of(offline_ctx).pending_printed_status()
    assert pending.document_locator == stored.locator and pending.printed_by == "clerk.offline"
    assert document_row(db, stored.locator).printed_at is None
    # Nothing ran on the database worker: any op there that succeeds would have turned the badge green.
    assert state.state() == ops.ConnectionState.OFFLINE

    # The database comes back: the print is written back by itself, and said so.
    offline_ctx.db = db
    with qtbot.waitSignal(screen.printed_synced, timeout=TIMEOUT_MS, check_params_cb=lambda n: n == 1):
        state.set_state(ops.ConnectionState.ONLINE)
    row = document_row(db, stored.locator)
    assert row.printed_at is not None and row.printed_by == "clerk.offline"
    assert screen.last_message() == "Printed status of 1 document written back to the database."
    assert not banner.isVisible()
    assert screen.findChild(QTableView, "documentsTable").isEnabled()
    assert screen.findChild(QTableView, "documentsTable").isVisible()


def test_connection_given_up_turns_the_screen_offline(qtbot, ctx):
    screen = shown(qtbot, ctx)
    assert screen.banner_text() == ""
    ops.connection_state().set_state(ops.ConnectionState.OFFLINE, "server closed the connection")
    assert screen.banner_text() == OFFLINE_TEXT
    assert not action(screen, "issue-eob").isEnabled()
    ops.connection_state().set_state(ops.ConnectionState.ONLINE)
    assert screen.banner_text() == ""


# --------------------------------------------------------------------------
# Export


def test_export_cancelled_after_the_first_file_leaves_no_partial_file(qtbot, db, ctx, tmp_path, monkeypatch):
    import threading

    for _ in range(3):
        claim = adjudicated_claim(db)
        with db.engine.connect() as conn:
            claim_id = conn.execute(text("SELECT id FROM claims.claims WHERE locator = :l"), {"l": claim}).scalar_one()
        claims_service.approve(db.sessions, claim_id, None)
    with db.engine.connect() as conn:
        today = conn.execute(text("SELECT current_date")).scalar_one()

    # Hold the worker after the first file until the person has pressed Cancel,
    # so "after the first file" does not depend on timing.
    real_export = documents.export_eobs
    pressed = threading.Event()

    def held_export(sessions, date_from, date_to, out_dir, progress, cancelled):  # noqa: ANN001
        def hold(done: int, total: int) -> None:
            progress(done, total)
            if done == 1:
                pressed.wait(TIMEOUT_MS / 1000)

        return real_export(sessions, date_from, date_to, out_dir, hold, cancelled)

    monkeypatch.setattr(documents, "export_eobs", held_export)
    screen = shown(qtbot, ctx)
    out = tmp_path / "export"
    progress = screen.export_eobs(today, today, out)
    assert progress is not None
    qtbot.waitUntil(lambda: progress.value() == 1, timeout=TIMEOUT_MS)
    assert "1 of" in progress.labelText()

    cancel = next(b for b in progress.findChildren(QPushButton) if b.text() == "Cancel")
    with qtbot.waitSignal(screen.export_finished, timeout=TIMEOUT_MS) as finished:
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        pressed.set()

    result = finished.args[0]
    assert result.cancelled and len(result.written) == 1 and result.total >= 3
    assert sorted(os.listdir(out)) == [result.written[0].name]  # hidden .part files would be listed too
    assert len(PdfReader(result.written[0]).pages) >= 1
    assert screen.last_message().startswith("Export cancelled: 1 of ")


def test_export_range_dialog_refuses_a_backwards_period_and_escape_cancels(qtbot, ctx):
    screen = shown(qtbot, ctx)
    dialog = screen.ask_export()
    assert dialog is not None
    qtbot.waitExposed(dialog)
    ok = dialog.findChild(QPushButton, "exportRangeAccept")
    assert ok.isEnabled()
    dialog.set_period(dt.date(2025, 3, 31), dt.date(2025, 3, 1))
    assert not ok.isEnabled() and "ends before it starts" in dialog.findChild(QLabel, "exportRangeError").text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: closed(dialog), timeout=TIMEOUT_MS)


# --------------------------------------------------------------------------
# The real printing path (no dialog)


def test_print_pdf_prints_every_page_to_a_pdf_printer(qtbot, tmp_path):
    pdf = three_page_pdf()
    owner = QWidget()
    qtbot.addWidget(owner)
    out = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    outcomes: list[printing.PrintOutcome] = []

    printing.print_pdf(owner, pdf, "Three pages", done=outcomes.append, printer=printer, ask=False)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=TIMEOUT_MS)

    outcome = outcomes[0]
    assert outcome.completed and outcome.pages == outcome.total == 3
    reader = PdfReader(out)
    assert len(reader.pages) == len(PdfReader(io.BytesIO(pdf)).pages) == 3
    # Each page keeps its paper and orientation.
    sizes = [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]
    for size, expected in zip(sizes, PAGES):
        assert size == pytest.approx(expected, abs=1.5)
    # And the pages carry the document's ink (about as much as the original), not blank paper.
    for printed_page, original_page in zip(printing.render_pages(out.read_bytes(), 36), printing.render_pages(pdf, 36)):
        printed_ink, original_ink = ink(printed_page), ink(original_page)
        assert original_ink > 0 and 0.5 < printed_ink / original_ink < 2


def test_print_pdf_refuses_bytes_that_are_not_a_pdf(qtbot, tmp_path, shown_errors):
    owner = QWidget()
    qtbot.addWidget(owner)
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "never.pdf"))
    outcomes: list[printing.PrintOutcome] = []
    printing.print_pdf(owner, b"not a pdf", "Junk", done=outcomes.append, printer=printer, ask=False)
    qtbot.waitUntil(lambda: bool(outcomes), timeout=TIMEOUT_MS)
    assert outcomes[0].failed and not outcomes[0].completed
    assert shown_errors.kinds() == [ops.KIND_VALIDATION] and "not a readable PDF" in shown_errors[0][2]
    assert not (tmp_path / "never.pdf").exists()
    shown_errors.clear()


def test_preview_shows_every_page_and_prints_through_print_pdf(qtbot, monkeypatch):
    pdf = three_page_pdf()
    owner = QWidget()
    qtbot.addWidget(owner)
    owner.show()
    printed_calls = []
    monkeypatch.setattr(printing, "print_pdf", lambda parent, data, title, done=None, **kw: printed_calls.append((title, done)))
    outcomes = []

    printing.preview_pdf(owner, pdf, "Three pages", printed=outcomes.append)

    def preview() -> QPrintPreviewDialog | None:
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QPrintPreviewDialog) and w.isVisible()), None)

    qtbot.waitUntil(lambda: preview() is not None, timeout=TIMEOUT_MS)
    dialog = preview()
    widget = dialog.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: widget.pageCount() == 3, timeout=TIMEOUT_MS)
    assert dialog.windowTitle() == "Preview — Three pages"

    print_action = next(a for a in dialog.findChildren(QAction) if a.text() == "Print")
    print_action.trigger()
    assert printed_calls and printed_calls[0][0] == "Three pages"
    printed_calls[0][1](printing.PrintOutcome("Three pages", 3, 3))
    assert outcomes and outcomes[0].completed
    qtbot.waitUntil(lambda: preview() is None, timeout=TIMEOUT_MS)


def test_write_pdf_is_atomic(tmp_path):
    target = printing.write_pdf(tmp_path / "copy.pdf", b"%PDF-1.4 test")
    assert target.read_bytes() == b"%PDF-1.4 test"
    assert sorted(os.listdir(tmp_path)) == ["copy.pdf"]
