"""Print, preview and save PDFs from the GUI without freezing it.

PySide6-Essentials ships no QtPdf, so pages are rasterised with pypdfium2
(PDFium, the engine QtPdf itself wraps; one small wheel instead of the whole
PySide6-Addons). PDFium is not thread-safe: every call into it holds
``_PDFIUM``.

The contract, for the screens and for the tests that replace these entry
points (they are module-level on purpose, like ``ops.show_error``):

* :func:`print_pdf` asks for a printer (``QPrintDialog``), then renders and
  paints the pages on the file pool (``ops.run_file_op``) behind a progress
  dialog that can cancel between pages. ``done(PrintOutcome)`` runs on the GUI
  thread when the job ends, however it ends.
* :func:`preview_pdf` renders the pages at screen resolution on the file pool,
  then opens a ``QPrintPreviewDialog`` whose paint requests only draw those
  images. Its Print button goes through :func:`print_pdf`, so printing from a
  preview is the same job (worker, progress, cancel) and reports to
  ``printed``.
* :func:`save_pdf` asks for a file name and writes the bytes on the file pool,
  atomically, then calls ``done(path)``.

QPainter may paint on a QPrinter outside the GUI thread (Qt's threading
rules allow QImage, QPrinter and QPicture); the printer is not touched by the
GUI while a job runs.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRectF, QSizeF, QStandardPaths, Qt, Signal, Slot
from PySide6.QtGui import QAction, QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from claimdesk.services.errors import ValidationError
from claimdesk.ui import ops

__all__ = [
    "PREVIEW_DPI",
    "PRINT_DPI",
    "PdfInfo",
    "PrintOutcome",
    "pdf_info",
    "preview_pdf",
    "print_pdf",
    "render_pages",
    "save_pdf",
    "write_pdf",
]

# 300 dpi is what laser printers resolve for body text; more only grows the
# job (a page at 1200 dpi is half a gigabyte of pixels).
PRINT_DPI = 300
# Sharp at the preview's "fit width" on a large screen, small enough that a
# long schedule stays a few megabytes a page.
PREVIEW_DPI = 150
# Short jobs finish before a progress dialog would be worth reading.
_PROGRESS_DELAY_MS = 400

_PDFIUM = threading.Lock()

PageCallback = Callable[[int, int], None]


# --------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class PdfInfo:
    """Page sizes in points (1/72 in), as the PDF declares them."""

    page_sizes: tuple[tuple[float, float], ...]

    @property
    def pages(self) -> int:
        return len(self.page_sizes)


@dataclass(frozen=True)
class PrintOutcome:
    """How a print job ended: ``pages`` of ``total`` were sent to the printer.

    ``completed`` only when every requested page was sent; a document is
    recorded as printed only then.
    """

    title: str
    pages: int
    total: int
    cancelled: bool = False
    failed: bool = False
    printer_name: str = ""

    @property
    def completed(self) -> bool:
        return not self.cancelled and not self.failed and self.total > 0 and self.pages == self.total


# --------------------------------------------------------------------------
# PDFium, on workers only


class _Pdf:
    """An open PDF; every PDFium call under the one lock. Worker threads only."""

    def __init__(self, data: bytes, title: str = "the document"):
        with _PDFIUM:
            try:
                self._doc = pdfium.PdfDocument(bytes(data))
                self.page_sizes = tuple(tuple(self._doc.get_page_size(i)) for i in range(len(self._doc)))
            except pdfium.PdfiumError as exc:
                raise ValidationError(f"is not a readable PDF ({exc})", where=title) from None
        if not self.page_sizes:
            self.close()
            raise ValidationError("has no pages to print", where=title)

    def render(self, index: int, dpi: int) -> QImage:
        with _PDFIUM:
            page = self._doc[index]
            try:
                bitmap = page.render(
                    scale=dpi / 72.0,
                    fill_color=(255, 255, 255, 255),
                    prefer_bgrx=True,
                    rev_byteorder=True,  # RGBx in byte order, which is QImage's RGBX8888 on any CPU
                    optimize_mode="print",
                )
                try:
                    image = QImage(
                        memoryview(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, QImage.Format.Format_RGBX8888
                    ).copy()  # own the pixels before PDFium frees its buffer
                finally:
                    bitmap.close()
            finally:
                page.close()
        return image

    def close(self) -> None:
        # Closed explicitly, under the lock: a finaliser run later by the
        # garbage collector could call into PDFium beside another thread.
        with _PDFIUM:
            self._doc.close()


def pdf_info(pdf_bytes: bytes, title: str = "the document") -> PdfInfo:
    """Page count and sizes. Worker only: parsing a long PDF takes time."""
    doc = _Pdf(pdf_bytes, title)
    try:
        return PdfInfo(doc.page_sizes)
    finally:
        doc.close()


def render_pages(
    pdf_bytes: bytes,
    dpi: int,
    progress: PageCallback = lambda done, total: None,
    cancelled: Callable[[], bool] = lambda: False,
    title: str = "the document",
) -> list[QImage] | None:
    """Every page as an image, or None when cancelled. Worker only."""
    doc = _Pdf(pdf_bytes, title)
    try:
        total = len(doc.page_sizes)
        images = []
        progress(0, total)
        for index in range(total):
            if cancelled():
                return None
            images.append(doc.render(index, dpi))
            progress(index + 1, total)
        return images
    finally:
        doc.close()


# --------------------------------------------------------------------------
# Painting


def _apply_page(printer: QPrinter, size_pt: tuple[float, float]) -> None:
    """Paper and orientation for a page of ``size_pt`` (width, height in points)."""
    w, h = size_pt
    # Sizes are described upright and turned by the orientation; fuzzy, so a
    # US EOB shows as "Letter" and a UK one as "A4" in the print dialog.
    size = QPageSize(QSizeF(min(w, h), max(w, h)), QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    printer.setPageSize(size)
    printer.setPageOrientation(QPageLayout.Orientation.Landscape if w > h else QPageLayout.Orientation.Portrait)


def _prepare(printer: QPrinter, title: str, first_page_pt: tuple[float, float]) -> None:
    printer.setDocName(title)
    # The PDF carries its own margins; the printer's would shrink them twice.
    printer.setFullPage(True)
    _apply_page(printer, first_page_pt)


def _fit(image: QImage, area: QRectF) -> QRectF:
    """The largest rectangle with the image's proportions, centred in ``area``."""
    if image.width() <= 0 or image.height() <= 0:
        return area
    scale = min(area.width() / image.width(), area.height() / image.height())
    w, h = image.width() * scale, image.height() * scale
    return QRectF(area.x() + (area.width() - w) / 2, area.y() + (area.height() - h) / 2, w, h)


def _paper(printer: QPrinter) -> QRectF:
    """The whole sheet in the painter's coordinates (device pixels from the sheet's corner)."""
    rect = printer.pageLayout().fullRectPixels(printer.resolution())
    return QRectF(0, 0, rect.width(), rect.height())


def _requested_pages(printer: QPrinter, total: int) -> list[int]:
    if printer.printRange() == QPrinter.PrintRange.PageRange and printer.fromPage() > 0:
        first = max(1, printer.fromPage())
        last = min(total, printer.toPage() or total)
        if first <= last:
            return list(range(first - 1, last))
    return list(range(total))


def _print_job(
    printer: QPrinter,
    pdf_bytes: bytes,
    title: str,
    progress: PageCallback,
    cancelled: Callable[[], bool],
) -> PrintOutcome:
    """Render and paint each page onto ``printer``. Runs on the file pool."""
    doc = _Pdf(pdf_bytes, title)
    try:
        pages = _requested_pages(printer, len(doc.page_sizes))
        as_pdf = printer.outputFormat() == QPrinter.OutputFormat.PdfFormat
        painter = QPainter()
        if not painter.begin(printer):
            where = printer.outputFileName() if as_pdf else printer.printerName() or "the printer"
            raise ValidationError("could not be started; check that it is connected and try again", where=where)
        sent = 0
        try:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            progress(0, len(pages))
            for n, index in enumerate(pages):
                if cancelled():
                    # Qt cannot withdraw pages already handed to the system;
                    # the outcome says how many went.
                    printer.abort()
                    break
                if n:
                    if as_pdf:
                        # A PDF can change size page by page; a printer keeps its paper.
                        _apply_page(printer, doc.page_sizes[index])
                    printer.newPage()
                image = doc.render(index, PRINT_DPI)
                painter.drawImage(_fit(image, _paper(printer)), image)
                sent += 1
                progress(sent, len(pages))
        finally:
            painter.end()
        return PrintOutcome(title, sent, len(pages), cancelled=sent < len(pages), printer_name=printer.printerName())
    finally:
        doc.close()


def _paint_images(printer: QPrinter, images: Sequence[QImage]) -> None:
    painter = QPainter()
    if not painter.begin(printer):
        return
    try:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for n, image in enumerate(images):
            if n:
                printer.newPage()
            painter.drawImage(_fit(image, _paper(printer)), image)
    finally:
        painter.end()


# --------------------------------------------------------------------------
# GUI helpers


class _Relay(QObject):
    """Carries page progress from a worker to the GUI thread (queued across threads)."""

    progressed = Signal(int, int)


def _alive(obj: QObject | None) -> bool:
    return obj is not None and shiboken6.isValid(obj)


def _window(parent: QWidget | None) -> QWidget | None:
    return parent.window() if _alive(parent) else None


class _Progress(QObject):
    """A cancellable progress dialog fed by a worker's page callback.

    ``callback`` and ``cancelled`` are safe to call from the worker; the dialog
    only appears for work that outlasts ``_PROGRESS_DELAY_MS``.
    """

    def __init__(self, parent: QWidget, title: str, verb: str):
        super().__init__(parent)
        self._verb = verb
        self._title = title
        self._cancel = threading.Event()
        # A child, so it is deleted on the GUI thread with us, never by a worker dropping it.
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._on_progress)
        dialog = QProgressDialog(f"{verb} {title}…", "Cancel", 0, 0, _window(parent))
        dialog.setObjectName("printProgress")
        dialog.setWindowTitle(f"{verb} {title}")
        dialog.setAccessibleName(f"{verb} {title}")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(_PROGRESS_DELAY_MS)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self._on_cancel)
        self._dialog = dialog

    def callback(self, done: int, total: int) -> None:
        try:
            self._relay.progressed.emit(int(done), int(total))
        except RuntimeError:
            pass  # the window that asked is gone; the work itself goes on to its end

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def dialog(self) -> QProgressDialog:
        return self._dialog

    def close(self) -> None:
        if _alive(self._dialog):
            self._dialog.canceled.disconnect(self._on_cancel)
            self._dialog.close()
            self._dialog.deleteLater()
        self.deleteLater()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if not _alive(self._dialog) or self._cancel.is_set():
            return
        if total:
            self._dialog.setMaximum(total)
            self._dialog.setValue(done)
            self._dialog.setLabelText(f"{self._verb} {self._title}: page {min(done + 1, total)} of {total}…")

    @Slot()
    def _on_cancel(self) -> None:
        self._cancel.set()
        if _alive(self._dialog):
            # Stays up until the worker has stopped at the next page boundary.
            self._dialog.setLabelText(f"Stopping after the current page of {self._title}…")
            self._dialog.show()


# --------------------------------------------------------------------------
# Entry points (module-level so tests can replace them)


def print_pdf(
    parent: QWidget,
    pdf_bytes: bytes,
    title: str,
    done: Callable[[PrintOutcome], None] | None = None,
    *,
    printer: QPrinter | None = None,
    ask: bool = True,
) -> None:
    """Ask for a printer and print ``pdf_bytes``; ``done(outcome)`` on the GUI thread when it ends.

    ``printer`` with ``ask=False`` prints straight to it (a PDF file printer in
    tests, or a printer chosen earlier). Cancelling the dialog reports a
    cancelled outcome with no pages; a failure shows the standard error and
    reports ``failed``.
    """
    data = bytes(pdf_bytes)

    def report(outcome: PrintOutcome) -> None:
        if done is not None:
            done(outcome)

    def failed(_exc: BaseException) -> bool:
        report(PrintOutcome(title, 0, 0, failed=True))
        return False  # the standard dialog says what went wrong

    def chosen(info: PdfInfo) -> None:
        target = printer if printer is not None else QPrinter(QPrinter.PrinterMode.HighResolution)
        _prepare(target, title, info.page_sizes[0])
        target.setFromTo(1, info.pages)
        if not ask:
            _start_job(parent, target, data, title, report)
            return
        dialog = QPrintDialog(target, _window(parent))
        dialog.setObjectName("printDialog")
        dialog.setWindowTitle(f"Print {title}")
        dialog.setAccessibleName(f"Print {title}")
        dialog.setMinMax(1, info.pages)
        dialog.setOptions(
            QAbstractPrintDialog.PrintDialogOption.PrintToFile
            | QAbstractPrintDialog.PrintDialogOption.PrintPageRange
            | QAbstractPrintDialog.PrintDialogOption.PrintCollateCopies
            | QAbstractPrintDialog.PrintDialogOption.PrintShowPageSize
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(result: int) -> None:
            if result == QPrintDialog.DialogCode.Accepted and _alive(parent):
                _start_job(parent, target, data, title, report)
            else:
                report(PrintOutcome(title, 0, info.pages, cancelled=True))

        dialog.finished.connect(finished)
        # open(), not exec(): no nested event loop inside an op's callback.
        dialog.open()

    ops.run_file_op(parent, lambda: pdf_info(data, title), success=chosen, failure=failed)


def _start_job(
    parent: QWidget, printer: QPrinter, data: bytes, title: str, report: Callable[[PrintOutcome], None]
) -> None:
    progress = _Progress(parent, title, "Printing")

    def finished(outcome: PrintOutcome) -> None:
        progress.close()
        report(outcome)

    def failed(_exc: BaseException) -> bool:
        progress.close()
        report(PrintOutcome(title, 0, 0, failed=True))
        return False

    # ``printer`` stays referenced by this closure until the job ends.
    ops.run_file_op(
        parent,
        lambda: _print_job(printer, data, title, progress.callback, progress.cancelled),
        success=finished,
        failure=failed,
        progress_label=f"Printing {title}",
    )


def preview_pdf(
    parent: QWidget,
    pdf_bytes: bytes,
    title: str,
    printed: Callable[[PrintOutcome], None] | None = None,
) -> None:
    """Render the pages on the file pool, then show them in a print preview.

    Printing from the preview goes through :func:`print_pdf`; ``printed``
    gets its outcome.
    """
    data = bytes(pdf_bytes)
    progress = _Progress(parent, title, "Preparing")

    def rendered(result: tuple[PdfInfo, list[QImage] | None]) -> None:
        progress.close()
        info, images = result
        if images is not None and _alive(parent):
            _open_preview(parent, data, title, info, images, printed)

    def failed(_exc: BaseException) -> bool:
        progress.close()
        return False

    def work() -> tuple[PdfInfo, list[QImage] | None]:
        info = pdf_info(data, title)
        return info, render_pages(data, PREVIEW_DPI, progress.callback, progress.cancelled, title)

    ops.run_file_op(parent, work, success=rendered, failure=failed, progress_label=f"Preparing {title}")


def _open_preview(
    parent: QWidget,
    data: bytes,
    title: str,
    info: PdfInfo,
    images: list[QImage],
    printed: Callable[[PrintOutcome], None] | None,
) -> QPrintPreviewDialog:
    # Without a printer argument the dialog makes and owns its own, so it
    # cannot outlive a Python reference.
    dialog = QPrintPreviewDialog(parent=_window(parent))
    _prepare(dialog.printer(), title, info.page_sizes[0])
    dialog.setObjectName("printPreview")
    dialog.setWindowTitle(f"Preview — {title}")
    dialog.setAccessibleName(f"Preview of {title}")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    # Only draws what the worker rendered: a page-setup change or zoom never re-rasterises.
    dialog.paintRequested.connect(lambda target: _paint_images(target, images))

    print_text = QCoreApplication.translate("QPrintPreviewDialog", "Print")
    for action in dialog.findChildren(QAction):
        if action.text() == print_text:
            # The built-in Print paints on the GUI thread at printer resolution;
            # ours prints on the worker with progress and reports the outcome.
            action.triggered.disconnect()
            # The parent by weak reference: this closure lives until the dialog's actions are destroyed,
            # and holding the last reference to a parent then would delete it inside the dialog's own
            # destructor (a double delete that crashed the test run).
            owner = weakref.ref(parent)
            action.triggered.connect(lambda _checked=False: _print_from_preview(dialog, owner(), data, title, printed))
            action.setToolTip(f"Print {title} (Ctrl+P)")
            action.setShortcut("Ctrl+P")
            break
    dialog.resize(900, 1000)
    dialog.open()
    return dialog


def _print_from_preview(
    dialog: QPrintPreviewDialog,
    parent: QWidget | None,
    data: bytes,
    title: str,
    printed: Callable[[PrintOutcome], None] | None,
) -> None:
    dialog.close()
    if _alive(parent):
        print_pdf(parent, data, title, done=printed)


_last_folder: Path | None = None


def write_pdf(path: Path, pdf_bytes: bytes) -> Path:
    """Write beside the target, then rename: no half file is ever left. Worker only."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(pdf_bytes)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ValidationError(f"cannot be written ({exc.strerror or exc})", where=str(path)) from None
    return path


def save_pdf(
    parent: QWidget,
    pdf_bytes: bytes,
    suggested_name: str,
    done: Callable[[Path], None] | None = None,
) -> None:
    """Ask where to save, then write the PDF on the file pool; ``done(path)`` once it is on disk."""
    global _last_folder
    data = bytes(pdf_bytes)
    folder = _last_folder or Path(
        QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or Path.home()
    )
    name = suggested_name if suggested_name.lower().endswith(".pdf") else f"{suggested_name}.pdf"
    dialog = QFileDialog(_window(parent), f"Save {name}", str(folder / name), "PDF documents (*.pdf)")
    dialog.setObjectName("savePdfDialog")
    dialog.setAccessibleName(f"Save {name}")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix("pdf")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def selected(path_text: str) -> None:
        global _last_folder
        path = Path(path_text)
        _last_folder = path.parent
        if _alive(parent):
            ops.run_file_op(
                parent,
                lambda: write_pdf(path, data),
                success=lambda written: done(written) if done is not None else None,
                progress_label=f"Saving {path.name}",
            )

    dialog.fileSelected.connect(selected)
    dialog.open()
