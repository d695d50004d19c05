"""EOB speed: EOBs per second on one core, beside a bare ReportLab page with the same text in the same run.

Seeds demo claims, auto-adjudicates them with ``batch.adjudicate_received``,
and takes N (default 1,000) that can have an EOB (approved, partially
approved, denied, finalised). Then, in this one process (one core):

* EOB end to end: ``eob_data_for_claim`` (the EOB's data read from the
  database) + ``render_eob`` (the shipped layout on a ReportLab canvas), per claim;
  the two parts are also reported on their own;
* issue: ``render_and_store_eob`` (the above plus storing the PDF, its
  outbox row and the claim event, one transaction each), for the same claims;
* bare ReportLab: the text lines of one of these EOBs (extracted with pypdf)
  drawn with ``drawString`` onto a canvas (Helvetica, same page size and
  page count), N times: the floor any ReportLab-based EOB could reach.

Goal: 100 EOBs/s on one core.

    .venv/bin/python bench/eob.py                 # 1,000 EOBs
    .venv/bin/python bench/eob.py --claims 5000
    .venv/bin/python bench/eob.py --quick         # 100 EOBs
"""

from __future__ import annotations

import _common as c  # first: puts the standard library ahead of this folder (see _common)

import io
import time
from collections import Counter


GOAL = 100.0


def bare_reportlab(pages: list[list[str]], pagesize: tuple[float, float], n: int) -> tuple[float, int]:
    from reportlab.pdfgen.canvas import Canvas

    size = 0
    started = time.perf_counter()
    for _ in range(n):
        buf = io.BytesIO()
        cv = Canvas(buf, pagesize=pagesize, invariant=1)
        for lines in pages:
            cv.setFont("Helvetica", 9)
            y = pagesize[1] - 40
            for line in lines:
                cv.drawString(40, y, line)
                y -= 11
                if y < 30:
                    break
            cv.showPage()
        cv.save()
        size = len(buf.getvalue())
    return time.perf_counter() - started, size


def main() -> None:  # noqa: PLR0915
    p = c.parser(__doc__.splitlines()[0])
    p.add_argument("--claims", type=c.positive_int, default=None, help="EOBs to render (default 1,000; --quick 100)")
    p.add_argument("--no-issue", action="store_true", help="skip the render_and_store_eob (issue) pass")
    args = p.parse_args()
    n = args.claims or (100 if args.quick else 1_000)
    seed_claims = int(n * 1.3) + 50  # some will pend (high amount, duplicates): no EOB for those
    members = max(50, seed_claims // 5)

    from pypdf import PdfReader
    from sqlalchemy import text

    from claimdesk.services import demo
    from claimdesk.services.claims import batch
    from claimdesk.services.documents import service as documents
    from claimdesk.services.documents.render import _page_size, render_eob

    with c.bench_database() as bench:
        db = bench.connect(pool_size=2)
        try:
            c.say(f"seeding {seed_claims:,} claims for {members:,} members and adjudicating them ...")
            demo.seed(db.engine, members=members, claims=seed_claims, seed=13, work=0, progress=c.Progress())
            batch.adjudicate_received(db, batch_size=500, progress=c.Progress())
            with db.engine.connect() as conn:
                picked = conn.execute(
                    text(
                        "SELECT c.locator, pol.market_code FROM claims.claims c JOIN enrollment.policies pol ON pol.id = c.policy_id "
                        "WHERE c.status = ANY(:s) ORDER BY c.received_at, c.id LIMIT :n"
                    ),
                    {"s": list(documents.EOB_STATUSES), "n": n},
                ).all()
                statuses = Counter(dict(conn.execute(
                    text("SELECT status, count(*) FROM claims.claims WHERE locator = ANY(:l) GROUP BY status"),
                    {"l": [r.locator for r in picked]},
                ).all()))
                templates = {m: documents.load_template(conn, m, "EOB") for m in {r.market_code for r in picked}}
            n = len(picked)
            markets = Counter(r.market_code for r in picked)
            c.checkpoint(db.engine)

            c.say(f"EOB end to end (DB data + render_eob) x {n:,} ...")
            data_s = render_s = 0.0
            pdf_bytes = 0
            first_pdf = first_template = None
            with db.engine.connect() as conn:
                started = time.perf_counter()
                for r in picked:
                    t0 = time.perf_counter()
                    data = documents.eob_data_for_claim(conn, r.locator)
                    t1 = time.perf_counter()
                    pdf = render_eob(data, templates[r.market_code])
                    t2 = time.perf_counter()
                    data_s += t1 - t0
                    render_s += t2 - t1
                    pdf_bytes += len(pdf)
                    if first_pdf is None:
                        first_pdf, first_template = pdf, templates[r.market_code]
                total_s = time.perf_counter() - started
                conn.rollback()

            issue_s = None
            if not args.no_issue:
                c.say(f"issue (render_and_store_eob) x {n:,} ...")
                started = time.perf_counter()
                for r in picked:
                    documents.render_and_store_eob(db.sessions, r.locator)
                issue_s = time.perf_counter() - started
        finally:
            db.dispose()

    reader = PdfReader(io.BytesIO(first_pdf))
    pages = [(pg.extract_text() or "").splitlines() for pg in reader.pages]
    n_lines = sum(len(x) for x in pages)
    c.say(f"bare ReportLab: {n_lines} text lines on {len(pages)} page(s), drawString x {n:,} ...")
    bare_s, bare_size = bare_reportlab(pages, _page_size(first_template), n)

    eob_rate = n / total_s
    rows = [
        ("EOB end to end: DB data + render_eob", round(eob_rate, 1), "EOBs/s", f"{n:,} EOBs in {total_s:.2f} s; {1000 * total_s / n:.1f} ms each"),
        ("  DB data only (eob_data_for_claim)", round(n / data_s, 1), "EOBs/s", f"{1000 * data_s / n:.2f} ms each"),
        ("  render only (render_eob)", round(n / render_s, 1), "EOBs/s", f"{1000 * render_s / n:.2f} ms each; avg PDF {pdf_bytes / n / 1024:.1f} KiB"),
    ]
    if issue_s is not None:
        rows.append(("issue: render_and_store_eob", round(n / issue_s, 1), "EOBs/s", f"{1000 * issue_s / n:.1f} ms each (render + store + event, 1 txn)"))
    rows.append(("bare ReportLab, same text (drawString)", round(n / bare_s, 1), "docs/s",
                 f"{n_lines} lines, {len(pages)} page(s), Helvetica; {1000 * bare_s / n:.2f} ms each; {bare_size / 1024:.1f} KiB"))
    rows.append(("render_eob cost vs bare ReportLab", round((render_s / n) / (bare_s / n), 1), "x", "time per EOB / time per bare document"))
    c.report(
        f"EOB rendering, {n:,} EOBs on one core",
        rows,
        header=("measure", "value", "unit", "detail"),
        size={"eobs": n, "claims_seeded": seed_claims, "members": members,
              "markets": ", ".join(f"{k}={v}" for k, v in sorted(markets.items())),
              "statuses": ", ".join(f"{k}={v}" for k, v in sorted(statuses.items())),
              "pages_in_sample_eob": len(pages)},
        server=bench.server_info,
        goals=[f"{GOAL:.0f} EOBs/s on one core -> this run: {eob_rate:,.1f} EOBs/s end to end: {c.verdict(eob_rate >= GOAL)}"],
        notes=["single process; the database server runs in its own process (the DB part is mostly waiting on it)"],
        json_path=args.json,
    )


if __name__ == "__main__":
    main()
