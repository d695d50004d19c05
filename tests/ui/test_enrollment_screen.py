"""The Enrollment screen against a real database: find, new policy (quote then issue), endorse, renew, cancel.

Every action goes through the screen's own dialogs, as a clerk would use them,
and every check of what was written reads the database.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QSpinBox
from sqlalchemy import text

from claimdesk.services.enrollment import group_load, policies, quotes
from claimdesk.settings import Settings
from claimdesk.ui.context import AppContext
from claimdesk.ui.enrollment.dialogs import CancelDialog, EndorseDialog, NewPolicyDialog, RenewDialog, SchemeLoadDialog
from claimdesk.ui.enrollment.screen import EnrollmentScreen
from tests.factories import demo_database

TIMEOUT_MS = 15000

pytestmark = pytest.mark.usefixtures("iso_dates")


@pytest.fixture(scope="module")
def world(pg_admin_url, tmp_path_factory):
    url, db = demo_database(pg_admin_url, "cdenrolui", members=8, claims=0, seed=13, work=0)
    with db.engine.connect() as conn:
        account = conn.execute(text("SELECT locator FROM policy_admin.accounts WHERE currency = 'USD' ORDER BY locator LIMIT 1")).scalar()
        product = conn.execute(text("SELECT code FROM policy_admin.products WHERE code LIKE 'HP-SILVER-PPO-%'")).scalar()
        scheme = conn.execute(text("SELECT code FROM group_scheme.schemes LIMIT 1")).scalar()
        today = conn.execute(text("SELECT current_date")).scalar()
    settings = Settings(database_url=url, data_dir=tmp_path_factory.mktemp("enrolui"))
    yield {"db": db, "settings": settings, "account": account, "product": product, "scheme": scheme, "today": today}
    db.dispose()


def _screen(qtbot, world, roles=("enrollment",)) -> EnrollmentScreen:
    ctx = AppContext(settings=world["settings"], db=world["db"], user=world["db"].user, roles=roles)
    screen = EnrollmentScreen(ctx)
    qtbot.addWidget(screen)
    screen.resize(1440, 900)
    screen.show()
    qtbot.waitExposed(screen)
    return screen


def _member(world) -> str:
    last = f"Ui{uuid.uuid4().hex[:10]}"
    group_load.load_members_text(world["db"].sessions, world["scheme"], f"first_name,last_name,date_of_birth\nSam,{last},1990-02-03\n")
    with world["db"].engine.connect() as conn:
        return conn.execute(text("SELECT locator FROM policy_admin.parties WHERE last_name = :l"), {"l": last}).scalar()


def _issued(world) -> policies.PolicyChange:
    quote = quotes.create_quote(world["db"].sessions, world["account"], world["product"],
                                {"start_date": world["today"].isoformat(), "smoker": "no", "dependants": "0"})
    return policies.issue_policy(world["db"].sessions, quote.locator, _member(world))


def _show(qtbot, screen: EnrollmentScreen, locator: str) -> None:
    screen.search(locator)
    qtbot.waitUntil(lambda: screen.detail() is not None and screen.detail()["policy"]["locator"] == locator, timeout=TIMEOUT_MS)


def _dialog(qtbot, screen: EnrollmentScreen, ask, kind):
    """Open a dialog as the button does; it may wait for the products to load first."""
    ask()
    qtbot.waitUntil(lambda: screen.findChild(kind) is not None and screen.findChild(kind).isVisible(), timeout=TIMEOUT_MS)
    return screen.findChild(kind)


def _history(screen: EnrollmentScreen) -> list[tuple[str, str]]:
    table = screen.table("history")
    return [(table.item(r, 1).text(), table.item(r, 4).text()) for r in range(table.rowCount())]


def _scalar(world, sql: str, **params):
    with world["db"].engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def test_a_clerk_quotes_and_issues_a_new_policy_from_the_dialog(qtbot, world):
    screen = _screen(qtbot, world)
    member = _member(world)
    dialog: NewPolicyDialog = _dialog(qtbot, screen, screen.ask_new_policy, NewPolicyDialog)
    assert not dialog.confirm_button().isEnabled()  # nothing to issue before a quote
    dialog.account.setText(world["account"])
    dialog.product.setCurrentIndex(dialog.product.findData(world["product"]))
    smoker = dialog.fields.widget("smoker")
    assert isinstance(smoker, QComboBox)
    smoker.setCurrentIndex(smoker.findData("true"))
    dependants = dialog.fields.widget("dependants")
    assert isinstance(dependants, QSpinBox)
    dependants.setValue(1)
    dialog.request_quote()
    qtbot.waitUntil(lambda: dialog.quote_locator() is not None, timeout=TIMEOUT_MS)
    expected_monthly = quotes.rate(Decimal("412.00"), {"smoker": "true", "dependants": "1"})
    assert f"{expected_monthly:,.2f} USD a month" in dialog.findChild(type(dialog._quoted), "quotedLabel").text()
    # Changing an answer takes the quote back: a policy is never issued on a price not shown.
    dependants.setValue(2)
    assert dialog.quote_locator() is None and not dialog.confirm_button().isEnabled()
    dependants.setValue(1)
    dialog.request_quote()
    qtbot.waitUntil(lambda: dialog.quote_locator() is not None, timeout=TIMEOUT_MS)
    dialog.member.setText(member)
    with qtbot.waitSignal(screen.status_message, timeout=TIMEOUT_MS) as said:
        dialog.submit()
    assert said.args[0].startswith("POL-") and f"for {member}" in said.args[0]
    locator = said.args[0].split()[0]
    qtbot.waitUntil(lambda: screen.detail() is not None and screen.detail()["policy"]["locator"] == locator, timeout=TIMEOUT_MS)
    assert screen.fact("premium") == f"{expected_monthly:,.2f} USD a month · {expected_monthly * 12:,.2f} USD a year"
    assert _history(screen) == [("Issued", f"+{expected_monthly * 12:,.2f} USD")]
    assert _scalar(world, "SELECT status FROM enrollment.policies WHERE locator = :l", l=locator) == "ACTIVE"


def test_issue_refused_by_the_service_is_shown_in_the_dialog_with_the_entry_kept(qtbot, world):
    screen = _screen(qtbot, world)
    covered = _issued(world)
    member = _scalar(world, "SELECT m.locator FROM enrollment.policies p JOIN policy_admin.parties m ON m.id = p.policyholder_party_id WHERE p.id = :p",
                     p=covered.policy_id)
    policies_before = _scalar(world, "SELECT count(*) FROM enrollment.policies")
    dialog: NewPolicyDialog = _dialog(qtbot, screen, screen.ask_new_policy, NewPolicyDialog)
    dialog.account.setText("ACC-99999999")
    dialog.request_quote()
    qtbot.waitUntil(lambda: dialog.error_text() != "", timeout=TIMEOUT_MS)
    assert dialog.error_text() == "account: no account 'ACC-99999999'" and dialog.quote_locator() is None
    dialog.account.setText(world["account"])
    dialog.request_quote()
    qtbot.waitUntil(lambda: dialog.quote_locator() is not None, timeout=TIMEOUT_MS)
    dialog.member.setText(member)  # already covered
    dialog.submit()
    qtbot.waitUntil(lambda: "is already covered by" in dialog.error_text(), timeout=TIMEOUT_MS)
    assert dialog.isVisible() and dialog.member.text() == member and not dialog.is_busy()
    assert _scalar(world, "SELECT count(*) FROM enrollment.policies") == policies_before


def test_endorse_from_the_dialog_moves_the_premium_and_shows_in_the_history(qtbot, world):
    issued = _issued(world)
    screen = _screen(qtbot, world)
    _show(qtbot, screen, issued.locator)
    assert screen.button("endorse").isEnabled()
    dialog = _dialog(qtbot, screen, screen.ask_endorse, EndorseDialog)
    dialog.submit()  # nothing changed yet
    assert dialog.error_text() == "Nothing has changed: change at least one answer."
    effective = world["today"] + dt.timedelta(days=30)
    dialog.effective.setDate(QDate(effective.year, effective.month, effective.day))
    dialog.fields.widget("dependants").setValue(2)
    dialog.reason.setText("twins")
    with qtbot.waitSignal(screen.status_message, timeout=TIMEOUT_MS) as said:
        dialog.submit()
    assert "dependants 0 → 2" in said.args[0]
    qtbot.waitUntil(lambda: len(_history(screen)) == 2, timeout=TIMEOUT_MS)
    charged = _scalar(world, "SELECT amount FROM billing.charges c JOIN enrollment.policy_transactions t ON t.document ->> 'charge' = c.locator "
                             "WHERE t.policy_id = :p AND t.category = 'ENDORSEMENT'", p=issued.policy_id)
    assert _history(screen)[1] == ("Endorsed", f"+{charged:,.2f} USD")
    assert "Dependants: 2" in screen.fact("answers")


def test_a_stale_endorsement_is_told_who_saved_first_and_keeps_the_entry(qtbot, world):
    issued = _issued(world)
    screen = _screen(qtbot, world)
    _show(qtbot, screen, issued.locator)
    dialog = _dialog(qtbot, screen, screen.ask_endorse, EndorseDialog)
    # Someone else endorses the policy while this dialog is open.
    policies.endorse_policy(world["db"].sessions, issued.locator, world["today"] + dt.timedelta(days=5), {"smoker": "yes"})
    dialog.fields.widget("dependants").setValue(3)
    dialog.submit()
    qtbot.waitUntil(lambda: "was changed by" in dialog.error_text(), timeout=TIMEOUT_MS)
    assert dialog.isVisible() and dialog.fields.widget("dependants").value() == 3
    assert _scalar(world, "SELECT count(*) FROM enrollment.policy_transactions WHERE policy_id = :p", p=issued.policy_id) == 2


def test_cancel_needs_a_reason_and_a_tick_then_ends_cover_and_refunds(qtbot, world):
    issued = _issued(world)
    screen = _screen(qtbot, world)
    _show(qtbot, screen, issued.locator)
    dialog = _dialog(qtbot, screen, screen.ask_cancel, CancelDialog)
    dialog.submit()
    assert dialog.error_text() == "Reason: say why the policy is cancelled."
    dialog.reason.setPlainText("moved abroad")
    dialog.submit()
    assert dialog.error_text().startswith("Tick “I understand")
    dialog.confirm.setChecked(True)
    stop = world["today"] + dt.timedelta(days=100)
    dialog.effective.setDate(QDate(stop.year, stop.month, stop.day))
    with qtbot.waitSignal(screen.status_message, timeout=TIMEOUT_MS) as said:
        dialog.submit()
    assert f"no cover from {stop.isoformat()}; refunded" in said.args[0]
    qtbot.waitUntil(lambda: screen.detail()["policy"]["status"] == "CANCELLED", timeout=TIMEOUT_MS)
    assert screen.fact("cover") == f"Cancelled: no cover from {stop.isoformat()} — moved abroad"
    assert not screen.button("endorse").isEnabled() and not screen.button("cancel").isEnabled() and screen.button("print").isEnabled()
    assert [kind for kind, _amount in _history(screen)] == ["Issued", "Cancelled"]
    charges = screen.table("charges")
    assert [charges.item(r, 1).text() for r in range(charges.rowCount())] == ["Premium", "Refund"]


def test_renewal_from_the_screen_adds_term_two(qtbot, world, monkeypatch):
    issued = _issued(world)
    monkeypatch.setattr(policies, "RENEWAL_OPENS_DAYS", 400)  # the year has passed
    screen = _screen(qtbot, world)
    _show(qtbot, screen, issued.locator)
    dialog = _dialog(qtbot, screen, screen.ask_renew, RenewDialog)
    with qtbot.waitSignal(screen.status_message, timeout=TIMEOUT_MS):
        dialog.submit()
    qtbot.waitUntil(lambda: screen.table("terms").rowCount() == 2, timeout=TIMEOUT_MS)
    assert screen.fact("cover").startswith("Term 2: ")


def test_find_by_name_and_a_reader_cannot_change_anything(qtbot, world):
    issued = _issued(world)
    last = _scalar(world, "SELECT m.last_name FROM enrollment.policies p JOIN policy_admin.parties m ON m.id = p.policyholder_party_id WHERE p.id = :p",
                   p=issued.policy_id)
    screen = _screen(qtbot, world, roles=("auditor",))
    screen.search(last.lower()[:8])
    qtbot.waitUntil(lambda: [r.locator for r in screen.rows()] == [issued.locator], timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: screen.detail() is not None, timeout=TIMEOUT_MS)
    assert not any(screen.button(k).isEnabled() for k in ("endorse", "renew", "cancel"))
    assert screen.ask_cancel() is None and screen.ask_new_policy() is None
    with qtbot.waitSignal(screen.print_policy_requested, timeout=TIMEOUT_MS) as asked:
        screen.button("print").click()
    assert asked.args == [issued.locator]


def test_print_schedule_goes_to_documents_which_issues_and_previews_it(qtbot, world, monkeypatch):
    """In the window as the app builds it: Print schedule shows Documents, which stores, spools and previews the schedule."""
    from claimdesk.ui.app import build_main_window
    from claimdesk.ui.documents import printing

    previews = []
    monkeypatch.setattr(printing, "preview_pdf", lambda parent, pdf, title, printed=None: previews.append((title, pdf)))
    issued = _issued(world)
    stored_before = _scalar(world, "SELECT count(*) FROM documents.documents")
    ctx = AppContext(settings=world["settings"], db=world["db"], user=world["db"].user, roles=("enrollment",))
    window = build_main_window(ctx)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    assert window.show_screen("enrollment")
    screen = window.screen_widget("enrollment")
    _show(qtbot, screen, issued.locator)
    screen.button("print").click()
    assert window.current_screen() == "documents"
    qtbot.waitUntil(lambda: bool(previews), timeout=TIMEOUT_MS)
    title, pdf = previews[0]
    assert title.startswith("Policy document DOC-")
    printed = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert issued.locator in printed and "Schedule of Benefits" in printed
    assert _scalar(world, "SELECT count(*) FROM documents.documents") == stored_before + 1


def test_load_scheme_members_from_a_csv_all_or_nothing(qtbot, world, tmp_path):
    screen = _screen(qtbot, world)
    tag = uuid.uuid4().hex[:8]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"first_name,last_name,date_of_birth\nAda,Ok{tag},1980-01-02\nBo,Bad{tag},1980-02-30\n")
    parties_before = _scalar(world, "SELECT count(*) FROM policy_admin.parties")
    dialog = _dialog(qtbot, screen, screen.ask_load_scheme, SchemeLoadDialog)
    assert dialog.scheme.currentData() == world["scheme"]
    dialog.submit()
    assert dialog.error_text() == "CSV file: choose the file with the members."
    dialog.path.setText(str(bad))
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error_text() != "", timeout=TIMEOUT_MS)
    assert "line 3: date_of_birth '1980-02-30' is not a date (YYYY-MM-DD)" in dialog.error_text()
    assert _scalar(world, "SELECT count(*) FROM policy_admin.parties") == parties_before  # the good row was not loaded either
    good = tmp_path / "good.csv"
    good.write_text(f"first_name,last_name,date_of_birth,email\nAda,Ok{tag},1980-01-02,ada@example.com\nBo,Fine{tag},1981-03-04,\n")
    dialog.path.setText(str(good))
    with qtbot.waitSignal(screen.status_message, timeout=TIMEOUT_MS) as said:
        dialog.submit()
    assert said.args[0].startswith(f"2 members joined {world['scheme']}")
    loaded = [r[0] for r in _rows_of(world, "SELECT locator FROM policy_admin.parties WHERE last_name IN (:a, :b) ORDER BY locator",
                                     a=f"Ok{tag}", b=f"Fine{tag}")]
    assert len(loaded) == 2
    # The dialog stays open with the new member numbers, for the policies to issue next.
    assert dialog.isVisible() and all(m in dialog.result.text() for m in loaded)
    assert not dialog.confirm_button().isEnabled()


def _rows_of(world, sql: str, **params):
    with world["db"].engine.connect() as conn:
        return conn.execute(text(sql), params).all()
