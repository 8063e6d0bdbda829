"""Batch benchmark: pages/min on 1 and 2 OCR workers, Prefect overhead per page, peak RSS vs batch size.

    .venv/bin/python bench/batch.py --pages 8 --rss 200 2000

What it runs (all real: MinIO, the development PKI, Tesseract, Prefect's ephemeral API):
1. ``--pages`` single-page synthetic documents (variants of the committed samples:
   CCCD fronts signed and stored, notices stored as drafts) through ``ingest_batch``,
   once with ``workers=1`` and once with ``workers=2`` (fresh buckets each time);
   pages/min counts the flow's own time (Prefect's server start excluded).
2. Prefect's overhead per document task: the same task options and runner with a
   trivial body, flow time minus direct calls, per task; one task per document,
   so per page it is that divided by pages per document (1 here), compared with the
   page time measured in 1.
3. Peak RSS of a fresh flow process submitting 200 and 2,000 document tasks (trivial
   bodies: what grows with batch size is the flow's bookkeeping, a document's OCR
   memory is freed when its task ends). Full-OCR runs of 2,000 pages (~1 h on a
   loaded 2-core machine) were not run; say so when quoting the figure.

Peer figures (``/work/shared/reference/peers.md``, same machine kind): OCRmyPDF
``-j1`` 9.8 s/page (6.1 pages/min per core), bare Tesseract 2.3 s/page; Prefect
~10 ms per task on the thread pool.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sohoa.settings import PROJECT_ROOT, Settings, load_settings  # noqa: E402

PEER_OCRMYPDF_PAGES_PER_MIN = 60 / 9.8
PEER_PREFECT_TASK_SECONDS = 0.010


def _settings(base: Path, endpoint: str, workers: int, pki: object) -> Settings:
    from signing.devpki import PKCS12_PASSWORD

    suffix = uuid.uuid4().hex[:8]
    return load_settings(
        var_dir=base / f"var-{suffix}", s3_endpoint=endpoint, s3_access_key="bench", s3_secret_key="bench-secret-key",
        bucket_documents=f"docs-{suffix}", bucket_originals=f"orig-{suffix}", bucket_quarantine=f"quar-{suffix}",
        bucket_audit=f"audit-{suffix}", retention_days_signed=1, retention_days_draft=1, workers=workers,
        signer_pkcs12=pki.signer_pkcs12, signer_pkcs12_password=PKCS12_PASSWORD.decode(),  # type: ignore[attr-defined]
        tsa_url=pki.tsa_url(), trust_roots=(pki.trust_root,), dev_pki_port=pki.port,  # type: ignore[attr-defined]
    )


def _documents(folder: Path, pages: int) -> Path:
    from PIL import Image, PngImagePlugin

    sources = [PROJECT_ROOT / "samples/HS-2026-0001/cccd-mat-truoc.png", PROJECT_ROOT / "samples/HS-2026-0002/thong-bao.png"]
    for i in range(pages):
        info = PngImagePlugin.PngInfo()
        info.add_text("bench", f"{folder.name}-{i}")
        target = folder / f"HS-{i // 4:04d}" / f"doc-{i:04d}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        with Image.open(sources[i % 2]) as img:
            img.save(target, pnginfo=info, dpi=img.info.get("dpi", (300, 300)))
    return folder


def throughput(pages: int, base: Path, endpoint: str, pki: object) -> dict[str, float]:
    """Pages/min of the real flow with 1 and with 2 OCR workers."""
    from flows.ingest import ingest_batch

    out: dict[str, float] = {}
    for workers in (1, 2):
        settings = _settings(base, endpoint, workers, pki)
        summary = ingest_batch(_documents(base / f"batch-w{workers}", pages), None, settings)
        assert summary.complete, summary.outcomes
        out[f"pages_per_min_w{workers}"] = summary.pages_processed / summary.seconds * 60
        out[f"seconds_per_page_w{workers}"] = summary.seconds / summary.pages_processed
    out["speedup"] = out["pages_per_min_w2"] / out["pages_per_min_w1"]
    return out


def prefect_overhead(tasks: int) -> float:
    """Seconds Prefect adds per document task (same options and runner as ``ingest_document_task``)."""
    from prefect import flow, task

    from flows.ingest import DOCUMENTS_IN_FLIGHT, RETRY_ON_IO
    from prefect.task_runners import ThreadPoolTaskRunner

    def body(i: int) -> int:
        return i * 2

    wrapped = task(name="bench-document", **RETRY_ON_IO)(body)

    @flow(name="bench-overhead", task_runner=ThreadPoolTaskRunner(max_workers=DOCUMENTS_IN_FLIGHT))
    def many() -> float:
        started = time.monotonic()
        futures = [wrapped.submit(i) for i in range(tasks)]
        [f.result() for f in futures]
        return time.monotonic() - started

    many()  # warm-up: server start, first registration
    in_flow = many()
    started = time.monotonic()
    [body(i) for i in range(tasks)]
    direct = time.monotonic() - started
    return (in_flow - direct) / tasks


def rss_child(tasks: int) -> None:
    """In a fresh process: a flow submitting ``tasks`` document-sized tasks; print peak RSS in MiB."""
    from prefect import flow, task

    from flows.batch import DocumentOutcome, Outcome
    from flows.ingest import DOCUMENTS_IN_FLIGHT, RETRY_ON_IO
    from prefect.futures import as_completed
    from prefect.task_runners import ThreadPoolTaskRunner

    @task(name="bench-rss", **RETRY_ON_IO)
    def one(i: int) -> DocumentOutcome:
        return DocumentOutcome(f"HS/{i}.png", Outcome.STORED, sha256="0" * 64, document_id=str(uuid.uuid4()), pages=1)

    @flow(name="bench-rss", task_runner=ThreadPoolTaskRunner(max_workers=DOCUMENTS_IN_FLIGHT))
    def batch() -> int:
        return sum(f.result().pages for f in as_completed([one.submit(i) for i in range(tasks)]))

    assert batch() == tasks
    print(json.dumps({"tasks": tasks, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def peak_rss(tasks: int, prefect_home: Path) -> float:
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    proc = subprocess.run([sys.executable, __file__, "--rss-child", str(tasks)], capture_output=True, text=True, env=env, check=True)
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["peak_rss_mib"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=8, help="documents (one page each) per throughput run")
    parser.add_argument("--overhead-tasks", type=int, default=50)
    parser.add_argument("--rss", type=int, nargs="*", default=[200, 2000], help="batch sizes for the RSS runs")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from flows.runtime import configure_prefect

    base = Path(tempfile.mkdtemp(prefix="sohoa-bench-batch-"))
    configure_prefect(load_settings(var_dir=base / "prefect-var"))
    if args.rss_child:
        rss_child(args.rss_child)
        return
    report = run(args, base)
    print(json.dumps(report, indent=2))


def run(args: argparse.Namespace, base: Path) -> dict[str, object]:
    from signing.devpki import ensure_dev_pki, stop_dev_pki
    from storage.local_minio import MinioServer, free_port

    minio = MinioServer.start(bin_dir=PROJECT_ROOT / "bin", data_dir=base / "minio", port=free_port(),
                              access_key="bench", secret_key="bench-secret-key")
    pki_settings = load_settings(var_dir=base / "pki-var", dev_pki_port=free_port())
    try:
        pki = ensure_dev_pki(pki_settings)
        speed = throughput(args.pages, base, minio.endpoint, pki)
        per_task = prefect_overhead(args.overhead_tasks)
    finally:
        stop_dev_pki(pki_settings)
        minio.stop()
    rss = {n: peak_rss(n, Path(os.environ["PREFECT_HOME"])) for n in args.rss}
    page_time = speed["seconds_per_page_w1"]
    report: dict[str, object] = {
        **speed,
        "prefect_seconds_per_task": per_task,
        "prefect_overhead_share_of_page": per_task / page_time,
        "peak_rss_mib": rss,
        "peer_ocrmypdf_pages_per_min_one_core": PEER_OCRMYPDF_PAGES_PER_MIN,
        "peer_prefect_seconds_per_task": PEER_PREFECT_TASK_SECONDS,
    }
    print(f"pages/min: 1 worker {speed['pages_per_min_w1']:.1f}, 2 workers {speed['pages_per_min_w2']:.1f} "
          f"(×{speed['speedup']:.2f}, target ≥ 1.8); OCRmyPDF -j1 peer {PEER_OCRMYPDF_PAGES_PER_MIN:.1f}", file=sys.stderr)
    print(f"Prefect per document task: {per_task * 1000:.0f} ms = {per_task / page_time:.1%} of a page "
          f"(target ≤ 5 %); peer figure {PEER_PREFECT_TASK_SECONDS * 1000:.0f} ms", file=sys.stderr)
    if len(rss) >= 2:
        sizes = sorted(rss)
        growth = rss[sizes[-1]] / rss[sizes[0]] - 1
        print(f"peak RSS: " + ", ".join(f"{n} tasks {rss[n]:.0f} MiB" for n in sizes) + f" (growth {growth:.1%}, target ≤ 10 %)", file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
