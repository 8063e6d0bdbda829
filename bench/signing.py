"""Signing benchmark: signatures/s and verifications/s per core, and where signing time goes.

Runs a throw-away development PKI (certomancer animator on loopback: TSA, OCSP,
CRLs), builds 1-page and 10-page result documents, then for B-T and B-LT:

* signs ``--n`` times with ``signing.sign_pdf`` and, as the peer, with
  pyHanko's documented API at its defaults (the same PAdES level, key, TSA);
* verifies ``--n`` times with ``signing.verify_pdf`` (offline, every check) and,
  as peers, bare ``pyhanko.sign.validation.validate_pdf_signature`` and
  poppler's ``pdfsig`` (wall time of the process).

The pyHanko peers run with the libraries as shipped (``signing.speedups``
switched off while they are measured).

"Per core" = 1 / CPU seconds per operation, counting our process AND the
animator process (the TSA and OCSP responder work is part of a signature's cost
on one machine). Wall-clock rates are printed too. Medians over ``--n`` runs.
Verification is measured in batches of ``BATCH``, ours and bare pyHanko's
alternated: this machine's speed drifts (a fixed pure-Python loop takes from
350 to 600 ms from one second to the next on an idle guest), so alternation
lets the drift hit both, and the rates are printed as the median batch and the
fastest batch (timeit's convention: interference only ever adds time), with
the median of the per-pair ratios.
The cost split times each part on its own: hashing the document, building the
CMS (RSA-2048 signature), one TSA round trip, fetching revocation data for the
signer and TSA chains, and the PDF write (a B-B signature minus hash and CMS).

With ``--conformance`` the 1-page outputs are also checked by veraPDF
(PDF/A-3b) and the EU DSS validator (PAdES level and ETSI indication), see
``bench/signing_conformance.py``.

    .venv/bin/python -m bench.signing [--n 10] [--conformance]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import HTTPTimeStamper as AiohttpTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import CertificateValidator, ValidationContext

from signing import build_result_pdf, sign_pdf, verify_pdf
from signing.devpki import PKCS12_PASSWORD, ensure_dev_pki, stop_dev_pki
from signing.signers import open_signer
from signing.speedups import stock_libraries
from signing.trust import offline_context, signing_context, timestamper, trust_roots
from sohoa.heap import start_up_heap_frozen
from sohoa.settings import Settings, load_settings
from sohoa.tools import require, run
from storage.local_minio import free_port
from tests.fixtures_signing import SAMPLE_META, make_text_pdf, sample_extraction


BATCH = 10  # verifications per batch: ~0.2-0.5 s of CPU, well above the kernel's 10 ms accounting tick


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _measure(action: Callable[[], object], n: int, helper: psutil.Process) -> tuple[float, float, float]:
    """Median wall seconds; mean CPU seconds of both processes, and of ours alone.

    CPU is summed over all ``n`` runs before dividing: the kernel counts CPU
    time in 10 ms ticks, too coarse for one operation.
    """
    walls = []
    ours = psutil.Process()
    o0, h0 = _cpu(ours), _cpu(helper)
    for _ in range(n):
        w0 = time.perf_counter()
        action()
        walls.append(time.perf_counter() - w0)
    own, other = _cpu(ours) - o0, _cpu(helper) - h0
    return statistics.median(walls), (own + other) / n, own / n


def _batch_cpu(action: Callable[[], object], helper: psutil.Process) -> float:
    """CPU seconds per operation over one batch of ``BATCH`` runs (our process and the animator)."""
    ours = psutil.Process()
    o0, h0 = _cpu(ours), _cpu(helper)
    for _ in range(BATCH):
        action()
    return (_cpu(ours) - o0 + _cpu(helper) - h0) / BATCH


def _alternating(ours: Callable[[], object], peer: Callable[[], object], n: int,
                 helper: psutil.Process) -> tuple[list[float], list[float]]:
    """CPU seconds per operation of each batch, ours then the peer's (libraries as shipped), alternated."""
    mine, theirs = [], []
    for _ in range(max(1, n // BATCH)):
        mine.append(_batch_cpu(ours, helper))
        with stock_libraries():
            theirs.append(_batch_cpu(peer, helper))
    return mine, theirs


def _bare_pyhanko_sign(src: Path, dst: Path, settings: Settings) -> None:
    """The peer: pyHanko's documented API with its defaults (PKCS#12 loaded per
    document, aiohttp TSA and fetchers, container size estimated by a dry run)."""
    signer = signers.SimpleSigner.load_pkcs12(str(settings.signer_pkcs12), passphrase=PKCS12_PASSWORD)
    level = settings.signature_level
    context = ValidationContext(trust_roots=trust_roots(settings), allow_fetching=True) if level != "B-T" else None
    meta = signers.PdfSignatureMetadata(
        field_name="S", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=level != "B-T", validation_context=context,
    )  # fmt: skip
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=AiohttpTimeStamper(str(settings.tsa_url)))
    with src.open("rb") as inf, dst.open("wb") as outf:
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(inf), output=outf)


def _bare_pyhanko_verify(path: Path, settings: Settings) -> None:
    with path.open("rb") as f:
        sig = PdfFileReader(f).embedded_regular_signatures[0]
        validate_pdf_signature(sig, offline_context(trust_roots(settings), None, None), skip_diff=False)


def _cost_split(doc: Path, settings: Settings, work: Path, n: int, helper: psutil.Process) -> dict[str, float]:
    """Median wall milliseconds of each part of a B-LT signature, measured separately."""
    data = doc.read_bytes()
    stamper = timestamper(settings)
    digest = hashlib.sha256(data).digest()
    with open_signer(settings) as signer:
        cms = lambda: asyncio.run(signer.async_sign_general_data(digest, "sha256", detached=True))  # noqa: E731
        chain = list(signer.cert_registry)

        def revocation() -> None:
            validator = CertificateValidator(signer.signing_cert, intermediate_certs=chain, validation_context=signing_context(settings))
            asyncio.run(validator.async_validate_usage({"non_repudiation"}))

        parts = {
            "hashing": lambda: hashlib.sha256(data).digest(),
            "CMS (RSA sign + assembly)": cms,
            "TSA round trip": lambda: asyncio.run(stamper.async_timestamp(digest, "sha256")),
            "revocation fetch (OCSP + CRL)": revocation,
        }
        result = {name: _measure(action, n, helper)[0] * 1000 for name, action in parts.items()}
    bb = settings.model_copy(update={"signature_level": "B-T"})
    plain = signers.PdfSignatureMetadata(field_name="S", md_algorithm="sha256")

    def b_b() -> None:
        with open_signer(bb) as s, doc.open("rb") as inf, (work / "bb.pdf").open("wb") as outf:
            signers.PdfSigner(plain, signer=s).sign_pdf(IncrementalPdfFileWriter(inf), output=outf)

    total_bb = _measure(b_b, n, helper)[0] * 1000
    result["B-B signature, whole (read+write)"] = total_bb
    result["PDF read+write (B-B − hash − CMS)"] = max(0.0, total_bb - result["hashing"] - result["CMS (RSA sign + assembly)"])
    return result


def _pdfsig(path: Path) -> None:
    run([require("pdfsig"), "-nocert", path], timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10, help="runs per measurement (median)")
    parser.add_argument("--conformance", action="store_true", help="also run veraPDF and the EU DSS validator")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-signing-") as tmp:
        work = Path(tmp)
        base = load_settings(var_dir=work / "var", dev_pki_port=free_port())
        pki = ensure_dev_pki(base)
        helper = psutil.Process(int(pki.pid_file.read_text()))
        settings = load_settings(**{**base.model_dump(), "signer_pkcs12": pki.signer_pkcs12,
                                    "signer_pkcs12_password": PKCS12_PASSWORD.decode(), "tsa_url": pki.tsa_url(),
                                    "trust_roots": (pki.trust_root,)})  # fmt: skip
        try:
            with start_up_heap_frozen():  # as in the service (api.app's lifespan), where verifications run
                _run(work, settings, args.n, helper, args.conformance)
        finally:
            stop_dev_pki(base)


def _run(work: Path, settings: Settings, n: int, helper: psutil.Process, conformance: bool) -> None:
    print(f"n={n} runs per figure; wall = median; per core = n / CPU s over the n runs (sohoa process + animator)")
    print(f"verification: batches of {BATCH}, ours and bare pyHanko's alternated; per core = median batch "
          "(fastest batch); × = median of the per-pair ratios")
    print(f"{'doc':>7} {'level':>5} | {'sign/s wall':>11} {'sign/s core':>11} {'(sohoa only)':>12} "
          f"{'peer/s core':>11} | {'verify/s wall':>13} {'verify/s core':>15} {'pyHanko/s core':>15} "
          f"{'×':>5} {'pdfsig/s wall':>13}")  # fmt: skip
    docs = {}
    for pages in (1, 10):
        src = make_text_pdf(work / f"in{pages}.pdf", pages)
        docs[pages] = build_result_pdf(src, sample_extraction(), SAMPLE_META, work / f"result{pages}.pdf")
    for pages, doc in docs.items():
        for level in ("B-T", "B-LT"):
            s = settings.model_copy(update={"signature_level": level})
            out = work / f"signed-{pages}-{level}.pdf"
            sw, sc, so = _measure(lambda: sign_pdf(doc, out, s), n, helper)
            with stock_libraries():  # the peers run pyHanko and asn1crypto as shipped
                _, pc, _ = _measure(lambda: _bare_pyhanko_sign(doc, work / "peer.pdf", s), n, helper)
            vw, _, _ = _measure(lambda: verify_pdf(out, s), n, helper)
            mine, peer = _alternating(lambda: verify_pdf(out, s), lambda: _bare_pyhanko_verify(out, s), n, helper)
            ratio = statistics.median(p / m for m, p in zip(mine, peer, strict=True))
            qw, _, _ = _measure(lambda: _pdfsig(out), n, helper)
            print(f"{pages:>5}pg {level:>5} | {1 / sw:>11.1f} {1 / sc:>11.1f} {1 / so:>12.1f} {1 / pc:>11.1f} | "
                  f"{1 / vw:>13.1f} {_rates(mine):>15} {_rates(peer):>15} {ratio:>5.2f} {1 / qw:>13.1f}")  # fmt: skip
    print("\ncost split of one B-LT signature, 1-page document (median wall ms):")
    for name, ms in _cost_split(docs[1], settings, work, n, helper).items():
        print(f"  {name:<32} {ms:8.2f}")
    if conformance:
        _conformance(work, docs[1], settings)


def _rates(cpu_per_op: list[float]) -> str:
    return f"{1 / statistics.median(cpu_per_op):.1f} ({1 / min(cpu_per_op):.1f})"


def _conformance(work: Path, doc: Path, settings: Settings) -> None:
    from bench.signing_conformance import dss, verapdf

    lta = sign_pdf(doc, work / "signed-1-B-LTA.pdf", settings.model_copy(update={"signature_level": "B-LTA"})).pdf_path
    visible = sign_pdf(doc, work / "signed-1-B-LT-visible.pdf", settings.model_copy(update={"signature_visible": True}))
    signed = [work / "signed-1-B-T.pdf", work / "signed-1-B-LT.pdf", lta, visible.pdf_path]
    print("\nveraPDF (PDF/A-3b):")
    print(verapdf([doc, *signed]))
    print("\nEU DSS 6.3, offline, development root trusted:")
    print(dss(settings.trust_roots[0], signed))


if __name__ == "__main__":
    main()
