"""The development PKI: certomancer's animator serving a TSA, OCSP and CRLs on loopback.

``infra/pki/sohoa-pki.yml`` describes the hierarchy (root, agency CA, OCSP
responder, TSA, officers valid / revoked / expired, and an untrusted
"outsider" hierarchy). Keys are generated here at first use under
``settings.var_dir/pki/keys`` and never committed. Certificates are derived from
the YAML, the keys and the service URL prefix ``http://127.0.0.1:<port>``, so
this process and the animator child agree on every certificate.

``ensure_dev_pki`` is idempotent and cheap after the first call in a process:
it reuses a running animator that serves *this* PKI (its root CRL is signed by
our root key) and the PKCS#12 files already written for the same port. It
locks the PKI folder, so concurrent callers (threads or processes) never
generate keys twice or start two animators. ``stop_dev_pki`` stops the
animator's whole process group (``signing.animator``).
"""

from __future__ import annotations

import fcntl
import json
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, PKIArchitecture
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sohoa.errors import ConfigurationError
from sohoa.logs import get_logger
from sohoa.settings import PROJECT_ROOT, Settings

from signing import animator

log = get_logger(__name__)

CONFIG_FILE = PROJECT_ROOT / "infra" / "pki" / "sohoa-pki.yml"
ARCH = ArchLabel("sohoa")
PKCS12_PASSWORD = b"sohoa-dev"
SIGNERS = ("officer", "officer-revoked", "officer-expired", "outsider-signer")
CHAINS = {"officer": "agency-ca", "officer-revoked": "agency-ca", "officer-expired": "agency-ca"}
TRUST_ROOT = "root"
START_TIMEOUT = 30.0
PID_FILE = "animator.pid"
ANIMATOR_SCRIPT = Path(__file__).with_name("certomancer_animator.py")


@dataclass(frozen=True)
class DevPki:
    """Where the running development PKI lives.

    ``base_url`` is ``http://127.0.0.1:<port>``; services are under
    ``<base_url>/sohoa/{tsa,ocsp,crls}/<label>``.
    """

    base_url: str
    pki_dir: Path
    port: int

    @property
    def trust_root(self) -> Path:
        """PEM of the development root CA: the default and only trust anchor."""
        return self.pki_dir / "certs" / f"{TRUST_ROOT}.pem"

    @property
    def signer_pkcs12(self) -> Path:
        """PKCS#12 of the valid officer (password ``PKCS12_PASSWORD``)."""
        return self.pkcs12_for("officer")

    def pkcs12_for(self, label: str) -> Path:
        """PKCS#12 of any signer in ``SIGNERS`` (key, certificate and its chain)."""
        if label not in SIGNERS:
            raise ConfigurationError(f"Không có người ký {label}", f"no development signer {label}")
        return self.pki_dir / "p12" / f"{label}.p12"

    def cert_pem(self, label: str) -> Path:
        return self.pki_dir / "certs" / f"{label}.pem"

    def key_pem(self, label: str) -> Path:
        """Unencrypted PKCS#8 PEM private key (used to load a key into SoftHSM2)."""
        return self.pki_dir / "keys" / f"{label}.key.pem"

    def tsa_url(self, label: str = "tsa") -> str:
        return f"{self.base_url}/sohoa/tsa/{label}"

    @property
    def pid_file(self) -> Path:
        """Holds the animator's pid, which is also its process group id."""
        return self.pki_dir / PID_FILE


_CACHE: dict[tuple[Path, int], tuple[float, DevPki]] = {}
HEALTH_RECHECK_SECONDS = 10.0  # signing calls this several times per document


def ensure_dev_pki(settings: Settings) -> DevPki:
    """Generate keys and certificates if missing, start the animator if not running.

    Safe to call from many threads and processes at once: the slow path runs
    under an exclusive lock on ``<var_dir>/pki/.lock``, so keys are generated
    once and exactly one animator is started per PKI folder.
    """
    pki_dir = settings.var_dir / "pki"
    port = settings.dev_pki_port
    cached = _CACHE.get((pki_dir, port))
    if cached is not None:
        checked_at, known = cached
        if time.monotonic() - checked_at < HEALTH_RECHECK_SECONDS:
            return known
        if _healthy(known.base_url):
            _CACHE[(pki_dir, port)] = (time.monotonic(), known)
            return known
    pki = DevPki(base_url=f"http://127.0.0.1:{port}", pki_dir=pki_dir, port=port)
    with _locked(pki_dir):
        _ensure_keys(pki_dir / "keys")
        _ensure_materials(pki)
        if not _serves_our_pki(pki):
            _start_animator(pki)
    _CACHE[(pki_dir, port)] = (time.monotonic(), pki)
    return pki


def stop_dev_pki(settings: Settings) -> None:
    """Stop the animator started for these settings and wait until it is gone (no-op when none runs)."""
    pki_dir = settings.var_dir / "pki"
    _CACHE.pop((pki_dir, settings.dev_pki_port), None)
    if not pki_dir.is_dir():
        return
    with _locked(pki_dir):
        animator.stop(pki_dir / PID_FILE, settings.dev_pki_port)


@contextmanager
def _locked(pki_dir: Path) -> Iterator[None]:
    """Exclusive ``flock`` on the PKI folder's lock file: across processes, and across threads
    (each call opens its own file description, and flock locks belong to those)."""
    pki_dir.mkdir(parents=True, exist_ok=True)
    with (pki_dir / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_architecture(pki: DevPki) -> PKIArchitecture:
    """The certomancer architecture as the animator sees it (same keys, same URL prefix)."""
    cfg = CertomancerConfig.from_file(
        str(CONFIG_FILE), key_search_dir=str(pki.pki_dir / "keys"), external_url_prefix=pki.base_url
    )
    return cfg.get_pki_arch(ARCH)


def _key_labels() -> list[str]:
    import yaml

    config = yaml.safe_load(CONFIG_FILE.read_text())
    return list(config["keysets"]["sohoa"]["keys"])


def _ensure_keys(key_dir: Path) -> None:
    """One RSA-2048 key per configured key label, written once (0600)."""
    key_dir.mkdir(parents=True, exist_ok=True)
    for label in _key_labels():
        path = key_dir / f"{label}.key.pem"
        if path.exists():
            continue
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pem)
        tmp.chmod(0o600)
        tmp.replace(path)
        log.info("devpki.key_generated", label=label)


def _ensure_materials(pki: DevPki) -> None:
    """Write certificates (PEM) and PKCS#12 files unless already made for this URL prefix."""
    stamp = pki.pki_dir / "materials.json"
    wanted = {"base_url": pki.base_url, "config_mtime": CONFIG_FILE.stat().st_mtime}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return
    arch = load_architecture(pki)
    (pki.pki_dir / "certs").mkdir(parents=True, exist_ok=True)
    (pki.pki_dir / "p12").mkdir(parents=True, exist_ok=True)
    for label in ("root", "agency-ca", "agency-ocsp", "tsa", "archive-tsa", "outsider-root", "outsider-tsa", *SIGNERS):
        pki.cert_pem(label).write_text(_pem(arch.get_cert(CertLabel(label)).dump()))
    for label in SIGNERS:
        chain = [CertLabel(CHAINS[label])] if label in CHAINS else []
        data = arch.package_pkcs12(CertLabel(label), certs_to_embed=chain, password=PKCS12_PASSWORD)
        pki.pkcs12_for(label).write_bytes(data)
    stamp.write_text(json.dumps(wanted))


def _pem(der: bytes) -> str:
    import base64
    import textwrap

    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"


def _healthy(base_url: str) -> bool:
    """True when the animator answers with the root CRL (a real service, not just a port)."""
    return _root_crl(base_url) is not None


def _root_crl(base_url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(f"{base_url}/sohoa/crls/root/latest.crl", timeout=2) as resp:
            return resp.read() if resp.status == 200 else None
    except OSError:
        return None


def _serves_our_pki(pki: DevPki) -> bool:
    """True when the animator on the port serves a root CRL signed by *our* root key.

    Another development PKI (other keys, another ``var_dir``) on the same port
    answers just as healthily but would vouch for nothing we sign: that is a
    configuration error, not a PKI to reuse.
    """
    crl = _root_crl(pki.base_url)
    if crl is None:
        return False
    from asn1crypto import crl as asn1_crl
    from pyhanko.keys import load_cert_from_pemder

    root = load_cert_from_pemder(str(pki.trust_root))
    if asn1_crl.CertificateList.load(crl).authority_key_identifier == root.key_identifier:
        return True
    raise ConfigurationError(
        f"Cổng {pki.port} đang được một PKI khác dùng", f"port {pki.port} is served by another development PKI",
        detail=f"set SOHOA_DEV_PKI_PORT or stop it (pid file under its var/pki); ours is {pki.pki_dir}",
    )


def _animator_argv(pki: DevPki) -> list[str]:
    """The animator command line: the interpreter itself, so the recorded pid is the animator.

    Run as an isolated script (``-I``: no ``signing`` package import, no script
    folder on ``sys.path``); it watches its pid file (``certomancer_animator.py``).
    """
    return [
        sys.executable, "-I", str(ANIMATOR_SCRIPT), str(pki.pid_file),
        "--config", str(CONFIG_FILE),
        "--key-root", str(pki.pki_dir / "keys"),
        "--service-url-prefix", pki.base_url,
        "animate", "--port", str(pki.port), "--no-web-ui", "--no-time-override", "--aiohttp",
    ]  # fmt: skip


def _start_animator(pki: DevPki) -> None:
    pid = animator.start(
        _animator_argv(pki), pki.pki_dir / "animator.log", pki.pid_file, lambda: _serves_our_pki(pki), START_TIMEOUT
    )
    log.info("devpki.started", base_url=pki.base_url, pid=pid)
