"""``claimdesk``: the desktop app and its administrative subcommands."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import json
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from claimdesk.services.errors import ClaimDeskError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _answer(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value.strip()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="claimdesk",
        description="ClaimDesk: claims adjudication and enrollment workstation. With no command, opens the app.",
    )
    p.add_argument("--demo", action="store_true", help="on the embedded database, load demo data first if it has none")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    db = sub.add_parser("db", help="database schema: upgrade, downgrade, current, check")
    dbs = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dbs.add_parser("upgrade", help="upgrade the schema (administrator's step on a shared cluster)")
    up.add_argument("revision", nargs="?", default="head")
    down = dbs.add_parser("downgrade", help="downgrade the schema to REV (e.g. base, 0002)")
    down.add_argument("revision")
    dbs.add_parser("current", help="print the database's schema revision and this build's head")
    dbs.add_parser("check", help="fail when the models and the migrations disagree")

    demo = sub.add_parser("demo", help="demo data")
    demos = demo.add_subparsers(dest="demo_command", metavar="ACTION", required=True)
    seed = demos.add_parser("seed", help="write realistic, deterministic demo data (bulk COPY)")
    seed.add_argument("--members", type=_positive_int, default=200)
    seed.add_argument("--claims", type=_positive_int, default=2000)
    seed.add_argument("--seed", type=int, default=7, help="random seed: same seed, same rows")
    seed.add_argument("--work", type=_positive_int, default=None, help="claims to work through the services afterwards (default 400)")
    seed.add_argument("--lines-per-claim", type=_positive_int, default=None, help="fixed number of lines on every claim")

    scen = sub.add_parser("scenario", help="the claim simulator")
    scens = scen.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    run = scens.add_parser("run", help="load a scenario file, adjudicate its claim, print the result as JSON")
    run.add_argument("file", type=Path)

    adj = sub.add_parser("adjudicate", help="auto-adjudicate received claims in batches")
    adj.add_argument("--received", action="store_true", required=True, help="work the RECEIVED queue")
    adj.add_argument("--limit", type=_positive_int, default=None)
    adj.add_argument("--batch", type=_positive_int, default=500)
    adj.add_argument(
        "--workers", type=_positive_int, default=2, help="batches run side by side, each on its own part of the members (default 2)"
    )

    prn = sub.add_parser("print", help="render an EOB or a policy document to PDF")
    prns = prn.add_subparsers(dest="print_command", metavar="KIND", required=True)
    for kind in ("eob", "policy"):
        k = prns.add_parser(kind, help=f"render the {kind} document")
        k.add_argument("locator")
        k.add_argument("--pdf", type=Path, required=True, help="where to write the PDF")

    scheme = sub.add_parser("scheme", help="group schemes")
    schemes = scheme.add_subparsers(dest="scheme_command", metavar="ACTION", required=True)
    load = schemes.add_parser("load", help="add members to a group scheme from a CSV file (all rows or none)")
    load.add_argument("code", help="the scheme code")
    load.add_argument("file", type=Path, help="CSV with first_name,last_name,date_of_birth[,email,phone]")

    pol = sub.add_parser("policy", help="quote, issue, endorse, renew, cancel and show policies")
    pols = pol.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    quote = pols.add_parser("quote", help="rate a product for an account from the quote's answers")
    quote.add_argument("--account", required=True, help="the account's locator (ACC-…)")
    quote.add_argument("--product", required=True, help="the product's code")
    quote.add_argument("--answer", action="append", type=_answer, default=[], metavar="KEY=VALUE", help="an answer (repeat)")
    issue = pols.add_parser("issue", help="issue the policy a quote describes")
    issue.add_argument("quote", help="the quote's locator (QTE-…)")
    issue.add_argument("--member", required=True, help="the member it covers (MBR-…)")
    issue.add_argument("--inception", type=_date, default=None, help="first day of cover (default: the quote's start_date)")
    endorse = pols.add_parser("endorse", help="change a policy's answers from a date; the premium moves for the days left")
    endorse.add_argument("policy")
    endorse.add_argument("--effective", type=_date, required=True, help="first day the change applies (YYYY-MM-DD)")
    endorse.add_argument("--answer", action="append", type=_answer, required=True, metavar="KEY=VALUE", help="a changed answer (repeat)")
    endorse.add_argument("--reason", default="")
    renew = pols.add_parser("renew", help="add the next term, rated on the product's current version")
    renew.add_argument("policy")
    cancel = pols.add_parser("cancel", help="end cover and refund the premium not earned")
    cancel.add_argument("policy")
    cancel.add_argument("--effective", type=_date, required=True, help="first day without cover (YYYY-MM-DD)")
    cancel.add_argument("--reason", required=True)
    show = pols.add_parser("show", help="a policy's terms, history and premium charges")
    show.add_argument("policy")

    shot = sub.add_parser("screenshot", help="render a named screen offscreen to a PNG")
    shot.add_argument("--screen", required=True)
    shot.add_argument("--out", type=Path, required=True)

    admin = sub.add_parser("admin", help="administration")
    admins = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    user = admins.add_parser("user", help="people's logins")
    users = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = users.add_parser("add", help="create a login role for a person")
    add.add_argument("name")
    add.add_argument("--role", required=True, action="append")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs")
    from .logs import setup_logging

    setup_logging(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ClaimDeskError as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        # A database refusal outside a unit of work (bulk loads, migrations) is said the same way.
        from claimdesk.services.uow import translate_db_error

        translated = translate_db_error(exc)
        if translated is None:
            raise
        print(f"claimdesk: {translated}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("claimdesk: interrupted; nothing more was written", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from .settings import load_settings

    settings = load_settings()
    if args.command is None:
        from claimdesk.ui.app import run_app

        return run_app(settings, demo=args.demo)
    if args.command == "db":
        return _db(args, settings)
    if args.command == "demo":
        from claimdesk.services import demo

        from .db import open_database

        db = open_database(settings)
        counts = demo.seed(
            db.engine, members=args.members, claims=args.claims, seed=args.seed, work=args.work,
            lines_per_claim=args.lines_per_claim, progress=_progress,
        )
        print(json.dumps(counts))
        return 0
    if args.command == "scenario":
        from claimdesk.services.claims import simulator

        from .db import open_database

        scenario = simulator.load_scenario(args.file)  # validate before touching the database
        db = open_database(settings)
        result = simulator.run_scenario(db.sessions, scenario)
        print(json.dumps(result, indent=2))
        return 0
    if args.command == "adjudicate":
        from claimdesk.services.claims import batch

        from .db import open_database

        db = open_database(settings)
        summary = batch.adjudicate_received(
            db, settings, limit=args.limit, batch_size=args.batch, workers=args.workers, progress=_progress
        )
        print(json.dumps(summary))
        return 0
    if args.command == "print":
        from claimdesk.services.documents import service as documents

        from .db import open_database

        db = open_database(settings)
        render = documents.eob_pdf_for_claim if args.print_command == "eob" else documents.policy_pdf_for_policy
        pdf, locator = render(db.sessions, args.locator)
        args.pdf.write_bytes(pdf)
        print(f"wrote {args.pdf} ({len(pdf):,} bytes, stored as {locator})")
        return 0
    if args.command == "scheme":
        from claimdesk.services.enrollment import group_load

        from .db import open_database

        db = open_database(settings)
        result = group_load.load_members(db.sessions, args.code, args.file)
        print(result.message)
        return 0
    if args.command == "policy":
        return _policy(args, settings)
    if args.command == "screenshot":
        from claimdesk.ui.screenshot import screenshot

        return screenshot(settings, args.screen, args.out)
    if args.command == "admin":
        from claimdesk.services import security

        from .db import open_database

        db = open_database(settings)
        password = security.add_user(db.engine, args.name, args.role)
        print(f"created login {args.name} in {', '.join(args.role)}; initial password (shown once): {password}")
        return 0
    raise AssertionError(args.command)


def _db(args: argparse.Namespace, settings) -> int:  # noqa: ANN001
    from . import migrate
    from .db import connect, open_database

    if settings.embedded:
        db = open_database(settings, migrate_embedded=False)
    else:
        db = connect(settings)
    if args.db_command == "upgrade":
        migrate.upgrade(db.engine, args.revision)
        print(f"database at {migrate.current_revision(db.engine)}")
    elif args.db_command == "downgrade":
        migrate.downgrade(db.engine, args.revision)
        print(f"database at {migrate.current_revision(db.engine)}")
    elif args.db_command == "current":
        print(f"database: {migrate.current_revision(db.engine) or 'empty'}; this build: {migrate.head_revision()}")
    elif args.db_command == "check":
        from alembic.util.exc import AutogenerateDiffsDetected

        try:
            migrate.check(db.engine)
        except AutogenerateDiffsDetected as exc:
            print(f"claimdesk: models and migrations disagree: {exc}", file=sys.stderr)
            return 1
        print("models and migrations agree")
    return 0


def _policy(args: argparse.Namespace, settings) -> int:  # noqa: ANN001
    from claimdesk.services.enrollment import policies, quotes

    from .db import open_database

    db = open_database(settings)
    if args.policy_command == "quote":
        quoted = quotes.create_quote(db.sessions, args.account, args.product, dict(args.answer))
        print(quoted.message)
    elif args.policy_command == "issue":
        print(policies.issue_policy(db.sessions, args.quote, args.member, args.inception).message)
    elif args.policy_command == "endorse":
        print(policies.endorse_policy(db.sessions, args.policy, args.effective, dict(args.answer), reason=args.reason).message)
    elif args.policy_command == "renew":
        print(policies.renew_policy(db.sessions, args.policy).message)
    elif args.policy_command == "cancel":
        print(policies.cancel_policy(db.sessions, args.policy, args.effective, args.reason).message)
    else:
        print(json.dumps(policies.policy_detail(db.sessions, args.policy), indent=2, default=str))
    return 0


def _progress(done: int, total: int | None, label: str = "") -> None:
    if total:
        print(f"\r{label} {done:,}/{total:,} ({done * 100 // max(total, 1)}%)", end="", file=sys.stderr, flush=True)
    else:
        print(f"{label} {done:,}", file=sys.stderr, flush=True)
    if total is not None and done >= total:
        print(file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())


