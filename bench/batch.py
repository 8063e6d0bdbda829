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
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.batch import BatchItem, DocumentOutcome, Outcome  # noqa: E402
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

    from flows.ingest import CHUNK, DOCUMENTS_IN_FLIGHT, RETRY_ON_IO, WINDOW, run_windowed
    from prefect.task_runners import ThreadPoolTaskRunner
    from sohoa.model import DocumentMeta

    @task(name="bench-rss", **RETRY_ON_IO)
    def one(item: BatchItem) -> DocumentOutcome:
        return DocumentOutcome(item.name, Outcome.STORED, sha256="0" * 64, document_id=str(uuid.uuid4()), pages=1)

    items = [BatchItem(Path(f"HS/{i}.png"), f"HS/{i}.png", DocumentMeta()) for i in range(tasks)]

    @flow(name="bench-rss-chunk", task_runner=ThreadPoolTaskRunner(max_workers=DOCUMENTS_IN_FLIGHT))
    def chunk(part: list[BatchItem]) -> int:  # the ingest flow's own submission loop around a trivial task
        return sum(o.pages for o in run_windowed(lambda item: one.submit(item), part, WINDOW))

    @flow(name="bench-rss")
    def batch() -> int:  # the ingest flow's chunking into sub-flows
        return sum(chunk(items[s : s + CHUNK]) for s in range(0, tasks, CHUNK))

    import psutil

    before = psutil.Process().memory_info().rss
    assert batch() == tasks
    after = psutil.Process().memory_info().rss
    print(json.dumps({"tasks": tasks, "peak_rss_mib": _vm_hwm() / 2**20, "rss_growth_mib": (after - before) / 2**20}))


def _vm_hwm() -> int:
    """This process's peak RSS in bytes. Not ``ru_maxrss``: Linux carries that over from the parent
    across fork + exec, so a child of a big parent would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def peak_rss(tasks: int, prefect_home: Path) -> dict[str, float]:
    """Peak RSS of a fresh process running ``tasks`` document tasks, and how much its RSS grew during the flow."""
    env = {**os.environ, "PREFECT_HOME": str(prefect_home)}
    proc = subprocess.run([sys.executable, __file__, "--rss-child", str(tasks)], capture_output=True, text=True, env=env, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def rss_report(sizes: list[int]) -> dict[int, dict[str, float]]:
    rss = {n: peak_rss(n, Path(os.environ["PREFECT_HOME"])) for n in sorted(sizes)}
    if len(rss) >= 2:
        small, large = rss[min(rss)], rss[max(rss)]
        growth = large["peak_rss_mib"] / small["peak_rss_mib"] - 1
        print("peak RSS: " + ", ".join(f"{n} tasks {r['peak_rss_mib']:.0f} MiB (+{r['rss_growth_mib']:.0f} MiB during the flow)"
                                        for n, r in rss.items()) + f"; peak growth {growth:.1%}, target ≤ 10 %", file=sys.stderr)
    return rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=8, help="documents (one page each) per throughput run")
    parser.add_argument("--overhead-tasks", type=int, default=50)
    parser.add_argument("--rss", type=int, nargs="*", default=[200, 2000], help="batch sizes for the RSS runs")
    parser.add_argument("--only-rss", action="store_true", help="skip the OCR and overhead runs")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from flows.runtime import configure_prefect

    if args.rss_child:  # the parent has set PREFECT_HOME
        rss_child(args.rss_child)
        return
    base = Path(tempfile.mkdtemp(prefix="sohoa-bench-batch-"))
    configure_prefect(load_settings(var_dir=base / "prefect-var"))
    report = {"peak_rss": rss_report(args.rss)} if args.only_rss else run(args, base)
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
    page_time = speed["seconds_per_page_w1"]
    report: dict[str, object] = {
        **speed,
        "prefect_seconds_per_task": per_task,
        "prefect_overhead_share_of_page": per_task / page_time,
        "peak_rss": rss_report(args.rss),
        "peer_ocrmypdf_pages_per_min_one_core": PEER_OCRMYPDF_PAGES_PER_MIN,
        "peer_prefect_seconds_per_task": PEER_PREFECT_TASK_SECONDS,
    }
    print(f"pages/min: 1 worker {speed['pages_per_min_w1']:.1f}, 2 workers {speed['pages_per_min_w2']:.1f} "
          f"(×{speed['speedup']:.2f}, target ≥ 1.8); OCRmyPDF -j1 peer {PEER_OCRMYPDF_PAGES_PER_MIN:.1f}", file=sys.stderr)
    print(f"Prefect per document task: {per_task * 1000:.0f} ms = {per_task / page_time:.1%} of a page "
          f"(target ≤ 5 %); peer figure {PEER_PREFECT_TASK_SECONDS * 1000:.0f} ms", file=sys.stderr)
    return report


if __name__ == "__main__":
    main()
