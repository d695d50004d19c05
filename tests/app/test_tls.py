"""TLS to the cluster: sslmode verify-full with a CA file, against a real PostgreSQL speaking TLS on TCP."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pwd
import shutil
import socket
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from claimdesk.db import SignInError, connect
from claimdesk.settings import Settings


def _ca(name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _server_cert(ca_key, ca_cert):
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _pem(obj) -> bytes:  # noqa: ANN001
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _ssl_capable_bindir() -> Path | None:
    """A PostgreSQL server built with OpenSSL. The embedded wheel is built without it, so TLS needs another build."""
    import subprocess

    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        try:
            configure = subprocess.run([bindir / "pg_config", "--configure"], capture_output=True, text=True, timeout=10).stdout
        except OSError:
            continue
        if "--with-openssl" in configure and (bindir / "postgres").exists():
            return bindir
    return None


@pytest.fixture(scope="module")
def tls_server():
    """A throwaway PostgreSQL listening on 127.0.0.1 with TLS only, its certificate signed by a test CA."""
    import subprocess

    bindir = _ssl_capable_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server built with OpenSSL on this machine (the embedded wheel has no TLS)")
    run_as = None
    if os.geteuid() == 0:
        try:
            run_as = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the TLS server as")
    base = Path(tempfile.mkdtemp(prefix="claimdesk-tls-"))
    os.chmod(base, 0o755)
    pgdata = base / "pgdata"

    def as_server(args: list) -> None:  # noqa: ANN001
        subprocess.run([str(a) for a in args], check=True, capture_output=True, timeout=120, user=run_as.pw_uid if run_as else None)

    if run_as:
        os.chown(base, run_as.pw_uid, run_as.pw_gid)
    as_server([bindir / "initdb", "-D", pgdata, "--auth=trust", "-U", "postgres"])
    ca_key, ca_cert = _ca("ClaimDesk test CA")
    key, cert = _server_cert(ca_key, ca_cert)
    (pgdata / "server.crt").write_bytes(_pem(cert))
    (pgdata / "server.key").write_bytes(_pem(key))
    os.chmod(pgdata / "server.key", 0o600)
    hba = pgdata / "pg_hba.conf"
    hba.write_text("hostssl all all 127.0.0.1/32 trust\nhostnossl all all 0.0.0.0/0 reject\n")
    with open(pgdata / "postgresql.conf", "a") as conf:
        conf.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
    if run_as:
        for name in ("server.crt", "server.key", "pg_hba.conf", "postgresql.conf"):
            os.chown(pgdata / name, run_as.pw_uid, run_as.pw_gid)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    as_server([bindir / "pg_ctl", "-D", pgdata, "-w", "-l", base / "log", "-o", f"-h 127.0.0.1 -p {port} -k {base}", "start"])
    ca_file = base / "ca.pem"
    ca_file.write_bytes(_pem(ca_cert))
    other_ca = base / "other-ca.pem"
    other_ca.write_bytes(_pem(_ca("Somebody else")[1]))
    yield port, ca_file, other_ca
    try:
        as_server([bindir / "pg_ctl", "-D", pgdata, "-w", "-m", "fast", "stop"])
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _url(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def test_verify_full_with_the_right_ca_connects_over_tls(tls_server):
    port, ca_file, _ = tls_server
    db = connect(Settings(database_url=_url(port), sslmode="verify-full", sslrootcert=str(ca_file)))
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar() is True
    finally:
        db.dispose()


def test_a_server_signed_by_another_ca_is_refused_in_one_sentence(tls_server):
    port, _, other_ca = tls_server
    with pytest.raises(SignInError, match=r"secure \(TLS\) connection .* was refused"):
        connect(Settings(database_url=_url(port), sslmode="verify-full", sslrootcert=str(other_ca)))


def test_the_server_refuses_a_connection_without_tls(tls_server):
    port, _, _ = tls_server
    with pytest.raises(SignInError) as err:
        connect(Settings(database_url=_url(port) + "?sslmode=disable"))
    assert "\n" not in str(err.value)
