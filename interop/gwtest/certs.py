"""A throwaway PKI for the TLS tests, made with the `openssl` command line in the test's tmp dir.

Every certificate is issued by `openssl ca` (not `openssl x509 -req`) because that is the one tool in OpenSSL 3.0
that takes an explicit validity window (`-startdate`/`-enddate`): `openssl x509 -days` cannot go negative and the
`-not_before`/`-not_after` options only exist from OpenSSL 3.4 on, so an already expired certificate needs `ca`.
Keys are EC P-256 (generated in milliseconds, supported by every client in the suite).

Server certificates name `localhost` and `127.0.0.1` (DNS and IP subjectAltNames), so Python (`server_hostname`
"127.0.0.1" or "localhost") and libmosquitto (`-h localhost`, which checks DNS names only) both verify them.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

OPENSSL = "openssl"

_CA_CONFIG = """\
[ca]
default_ca = test_ca

[test_ca]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no

[policy_any]
commonName = supplied

[server]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[req]
distinguished_name = req_dn
prompt = no

[req_dn]
CN = unused

[ca_root]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""


class OpenSSLError(RuntimeError):
    pass


def openssl(*args: str, cwd: Path | None = None) -> str:
    """Runs `openssl <args>`; raises OpenSSLError with its output when it fails."""
    if shutil.which(OPENSSL) is None:
        raise OpenSSLError("the openssl command line tool is not installed (apt-get install openssl)")
    result = subprocess.run([OPENSSL, *args], capture_output=True, text=True, timeout=60, cwd=cwd)
    if result.returncode != 0:
        raise OpenSSLError(f"openssl {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def _asn1_time(t: datetime.datetime) -> str:
    return t.astimezone(datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key (PEM files) and the serial it was issued with."""

    cert: Path
    key: Path
    serial: int

    def copy_to(self, cert: Path, key: Path) -> None:
        """Writes this certificate and key over `cert`/`key` (what an operator does before SIGHUP). The key is
        written first and each file is replaced by a rename, so a reader never sees a half-written PEM."""
        for src, dst in ((self.key, key), (self.cert, cert)):
            tmp = dst.with_name(dst.name + ".new")
            shutil.copyfile(src, tmp)
            tmp.replace(dst)


class CertificateAuthority:
    """A self-signed CA in `directory` that issues server and client certificates with chosen serials and dates."""

    def __init__(self, directory: Path, name: str = "Gateway Interop Test CA"):
        self.dir = directory
        self.name = name
        (directory / "issued").mkdir(parents=True, exist_ok=True)
        (directory / "index.txt").write_text("")
        self.config = directory / "ca.cnf"
        self.config.write_text(_CA_CONFIG.format(dir=directory))
        self.key = directory / "ca.key"
        self.cert = directory / "ca.pem"
        self._new_key(self.key)
        openssl("req", "-config", str(self.config), "-new", "-x509", "-key", str(self.key), "-out", str(self.cert),
                "-days", "30", "-subj", f"/CN={name}", "-extensions", "ca_root", "-sha256")
        self._next_serial = 0x1000

    @staticmethod
    def _new_key(path: Path) -> None:
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path))
        path.chmod(0o600)

    def issue(self, name: str, common_name: str, *, kind: str = "server", serial: int | None = None,
              not_before: datetime.datetime | None = None, not_after: datetime.datetime | None = None) -> Issued:
        """A certificate for `common_name` signed by this CA, written as `<name>.pem`/`<name>.key`.
        `kind` is "server" (serverAuth, SANs localhost and 127.0.0.1) or "client" (clientAuth).
        Default validity: from one hour ago to 30 days ahead; pass both dates in the past for an expired one."""
        if kind not in ("server", "client"):
            raise ValueError(f"kind must be 'server' or 'client', not {kind!r}")
        if serial is None:
            serial = self._next_serial
            self._next_serial += 1
        now = datetime.datetime.now(datetime.timezone.utc)
        not_before = not_before or now - datetime.timedelta(hours=1)
        not_after = not_after or now + datetime.timedelta(days=30)
        key = self.dir / f"{name}.key"
        cert = self.dir / f"{name}.pem"
        csr = self.dir / f"{name}.csr"
        self._new_key(key)
        openssl("req", "-config", str(self.config), "-new", "-key", str(key), "-out", str(csr),
                "-subj", f"/CN={common_name}")
        (self.dir / "serial").write_text(f"{serial:X}\n" if len(f"{serial:X}") % 2 == 0 else f"0{serial:X}\n")
        openssl("ca", "-batch", "-config", str(self.config), "-in", str(csr), "-out", str(cert), "-notext",
                "-extensions", kind, "-startdate", _asn1_time(not_before), "-enddate", _asn1_time(not_after))
        return Issued(cert, key, serial)


def certificate_serial(pem: bytes | str) -> int:
    """The serial number of a PEM (or DER) certificate, read with `openssl x509`."""
    data = pem.encode() if isinstance(pem, str) else pem
    form = "PEM" if data.lstrip().startswith(b"-----BEGIN") else "DER"
    result = subprocess.run([OPENSSL, "x509", "-inform", form, "-noout", "-serial"], input=data,
                            capture_output=True, timeout=30)
    if result.returncode != 0:
        raise OpenSSLError(f"openssl x509 -serial failed: {result.stderr.decode(errors='replace')}")
    text = result.stdout.decode().strip()
    if not text.startswith("serial="):
        raise OpenSSLError(f"unexpected openssl x509 -serial output: {text!r}")
    return int(text.removeprefix("serial="), 16)


@dataclass
class PKI:
    """What a TLS test needs: a CA, the server certificate at stable paths (`server_cert`, `server_key`, which the
    broker is configured with and SIGHUP re-reads), a client certificate from the same CA, and a second, untrusted
    CA with its own client certificate."""

    ca: CertificateAuthority
    server: Issued
    server_cert: Path
    server_key: Path
    client: Issued
    rogue_ca: CertificateAuthority
    rogue_client: Issued

    @property
    def ca_cert(self) -> Path:
        return self.ca.cert

    @classmethod
    def create(cls, directory: Path) -> "PKI":
        ca = CertificateAuthority(directory / "ca")
        server = ca.issue("server", "localhost", kind="server")
        client = ca.issue("client", "guest", kind="client")
        rogue = CertificateAuthority(directory / "rogue-ca", "Untrusted Interop CA")
        rogue_client = rogue.issue("client", "guest", kind="client")
        live = directory / "live"
        live.mkdir(parents=True, exist_ok=True)
        server_cert, server_key = live / "server.pem", live / "server.key"
        server.copy_to(server_cert, server_key)
        return cls(ca, server, server_cert, server_key, client, rogue, rogue_client)
