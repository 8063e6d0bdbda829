"""Batch benchmark: pages/min on 1 and on 2 cores, Prefect overhead per page, peak RSS vs batch size.

    .venv/bin/python bench/batch.py --pages 12 --overhead-tasks 30

What it runs (all real: MinIO, the development PKI, Tesseract, Prefect's ephemeral API):
1. Throughput on N cores: a fresh process pinned to N cores (``os.sched_setaffinity``
   before anything is imported; Tesseract, Ghostscript and every other tool it starts
   inherit the pin) runs ``ingest_batch`` with ``workers=N`` on ``--pages``
   single-page documents (variants of the committed samples: CCCD fronts signed and
   stored, notices stored as drafts), after a 2-document warm-up batch (imports, first
   signer and storage opening: a long batch amortises them). Legs alternate 1 core,
   2 cores, 2 cores, 1 core... for ``--rounds`` rounds; medians are reported, with the
   1-minute load average before and after each leg (the machine is shared). Pages/min
   counts the flow's own time (Prefect's server start excluded).
   The services sohoa talks to (MinIO, the PKI animator answering TSA, OCSP and CRL
   requests, Prefect's API server: the ephemeral one is a separate uvicorn process,
   started here by the parent) are pinned, every thread, to the SAME N cores for
   the leg: the whole system runs on N cores and no leg gets a core's work done
   for free. In production they run elsewhere, so the absolute figures are
   conservative; left unpinned they would do their work on the idle second core
   during the 1-core leg and on sohoa's cores during the 2-core leg, capping the
   ratio below 2 by their share of the CPU whatever sohoa does. Their CPU per page
   is measured and printed.
2. Prefect's overhead per document task: the same task options and runner with a
   trivial body, flow time minus direct calls, per task; one task per document,
   so per page it is that divided by pages per document (1 here), compared with the
   2-core page time (the shortest, so the strictest share).
3. Peak RSS of a fresh flow process submitting 200 and 2,000 document tasks (trivial
   bodies: what grows with batch size is the flow's bookkeeping, a document's OCR
   memory is freed when its task ends).
4. ``--rss-pages 200 2000``: the same question on real pages. A fresh ingest process on
   2 cores (same services and pinning as a 2-core leg) OCRs, extracts, signs and stores
   each batch size in full; its peak RSS (VmHWM, warm-up included) and its RSS after
   every tenth of the batch are printed, with the Prefect API server's RSS. About
   40 minutes for 2,000 pages on an idle 2-core machine.

Peer figures (``/work/shared/reference/peers.md``, same machine kind): OCRmyPDF
``-j1`` 9.8 s/page (6.1 pages/min per core), bare Tesseract 2.3 s/page; Prefect
~10 ms per task on the thread pool.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.batch import BatchItem, DocumentOutcome, Outcome  # noqa: E402
from sohoa.settings import PROJECT_ROOT, Settings, load_settings  # noqa: E402

PEER_OCRMYPDF_PAGES_PER_MIN = 60 / 9.8
PEER_PREFECT_TASK_SECONDS = 0.010
WARM_UP_DOCUMENTS = 2  # one of each sample: both the signing and the draft path are warm


def _settings(base: Path, endpoint: str, workers: int, pki: Any) -> Settings:
    from signing.devpki import PKCS12_PASSWORD

    suffix = uuid.uuid4().hex[:8]
    return load_settings(
        var_dir=base / f"var-{suffix}", s3_endpoint=endpoint, s3_access_key="bench", s3_secret_key="bench-secret-key",
        bucket_documents=f"docs-{suffix}", bucket_originals=f"orig-{suffix}", bucket_quarantine=f"quar-{suffix}",
        bucket_audit=f"audit-{suffix}", retention_days_signed=1, retention_days_draft=1, workers=workers,
        signer_pkcs12=pki.signer_pkcs12, signer_pkcs12_password=PKCS12_PASSWORD.decode(),
        tsa_url=pki.tsa_url(), trust_roots=(pki.trust_root,), dev_pki_port=pki.port,
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


def throughput_child(config: dict[str, Any]) -> None:
    """In a fresh process already pinned to ``config['cpus']``: a warm-up batch, then the measured one,
    with the CPU seconds it took (this process and its tools, and the services)."""
    from flows import progress
    from flows.ingest import ingest_batch
    from signing.devpki import ensure_dev_pki

    cores = len(os.sched_getaffinity(0))
    base = Path(config["base"])
    pki = ensure_dev_pki(load_settings(var_dir=Path(config["pki_var"]), dev_pki_port=config["pki_port"]))  # the parent's animator
    settings = _settings(base, config["endpoint"], cores, pki)
    tag = f"{config['tag']}-c{cores}"
    ingest_batch(_documents(base / f"warm-{tag}", WARM_UP_DOCUMENTS), None, settings)
    folder = _documents(base / f"batch-{tag}", config["pages"])
    done: list[float] = []  # seconds from the start at which each document finished
    rss: list[int] = []  # this process's RSS in bytes as each document finished (read at the document completing each tenth)
    own, services, started = _own_cpu(), _cpu_seconds(config["services"]), time.monotonic()
    rss_after_warm_up = _rss()

    def finished(_outcome: object) -> None:
        done.append(time.monotonic() - started)
        rss.append(_rss())

    with progress.listening(tag, finished), _sampling(cores) as held:
        summary = ingest_batch(folder, None, settings, batch_id=tag)
    assert summary.complete, summary.outcomes
    print(json.dumps({"cores": cores, "seconds": summary.seconds, "pages": summary.pages_processed, "done": done,
                      "ocr_slots_held": statistics.fmean(held) / cores if held else 0.0,
                      "sohoa_cpu": _own_cpu() - own,
                      "services_cpu": {k: v - services[k] for k, v in _cpu_seconds(config["services"]).items()},
                      "outcomes": {str(k): v for k, v in summary.counts().items()},
                      "peak_rss_mib": _vm_hwm() / 2**20, "rss_after_warm_up_mib": rss_after_warm_up / 2**20,
                      "rss_by_tenth_mib": [rss[-(-len(rss) * k // 10) - 1] / 2**20 for k in range(1, 11)] if rss else []}))


def _rss() -> int:
    """This process's resident set size now, in bytes."""
    import psutil

    return int(psutil.Process().memory_info().rss)


@contextmanager
def _sampling(workers: int, every: float = 0.05) -> Iterator[list[int]]:
    """Sample how many OCR slots are held every ``every`` seconds while the block runs: with the slots
    busy most of the time, OCR (most of a page's CPU) is kept fed; idle slots point at a bottleneck elsewhere."""
    from flows.slots import ocr_slots

    slots, held, stop = ocr_slots(workers), [], threading.Event()

    def sample() -> None:
        while not stop.wait(every):
            held.append(slots.held)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield held
    finally:
        stop.set()
        sampler.join()


def _cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU seconds used so far by each (service) process of ``pids``."""
    import psutil

    return {name: sum(psutil.Process(pid).cpu_times()[:2]) for name, pid in pids.items()}


def _own_cpu() -> float:
    """User + system CPU seconds of this process and the tools it has started and waited for."""
    me, tools = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + tools.ru_utime + tools.ru_stime


def pin(pids: Iterable[int], cpus: list[int]) -> None:
    """Pin every thread of the processes ``pids`` to ``cpus`` (affinity is per thread on Linux;
    threads they start later inherit it)."""
    for pid in pids:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                os.sched_setaffinity(int(tid), cpus)
            except ProcessLookupError:  # a thread that just ended
                pass


def one_leg(cpus: list[int], config: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """One measured leg: the ingest in a child pinned to ``cpus``, the services pinned there too;
    its pages/min, CPU per page, how busy the leg's cores were, the load average around it."""
    pin(config["services"].values(), cpus)
    load_before = os.getloadavg()[0]
    leg = _run_child(["--throughput-child", json.dumps({**config, "cpus": cpus})], env)
    pages, seconds, services = leg["pages"], leg["seconds"], sum(leg["services_cpu"].values())
    return {
        "cores": len(cpus), "pages_per_min": pages / seconds * 60, "seconds_per_page": seconds / pages,
        "sohoa_cpu_per_page": leg["sohoa_cpu"] / pages, "services_cpu_per_page": services / pages,
        "services_cpu": leg["services_cpu"],
        # share of the leg's cores that the pipeline kept busy (the rest: waiting, or other users' work)
        "busy": (leg["sohoa_cpu"] + services) / (seconds * len(cpus)), "ocr_slots_held": leg["ocr_slots_held"],
        "load_before": load_before, "load_after": os.getloadavg()[0], "outcomes": leg["outcomes"], "done": leg["done"],
        "peak_rss_mib": leg["peak_rss_mib"], "rss_after_warm_up_mib": leg["rss_after_warm_up_mib"],
        "rss_by_tenth_mib": leg["rss_by_tenth_mib"],
    }


def throughput(pages: int, rounds: int, config: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    """Legs on 1 and 2 cores, alternated (1, 2 | 2, 1 | ...) so drifting load hits both; medians."""
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        raise SystemExit(f"bench/batch.py needs 2 usable cores, this process may use {allowed}")
    print(f"placement: each leg's ingest process and its tools pinned to N of cores {allowed[:2]} (workers=N); MinIO, "
          "the PKI animator (TSA/OCSP/CRL) and Prefect's API pinned to the same N cores: the whole system on N cores "
          "(conservative: in production the services run elsewhere)", file=sys.stderr)
    legs: list[dict[str, Any]] = []
    for r in range(rounds):
        for n in ((1, 2) if r % 2 == 0 else (2, 1)):
            leg = one_leg(allowed[:n], {**config, "pages": pages, "tag": f"r{r}"}, env)
            print(f"  round {r + 1}, {n} core{'s' * (n > 1)}: {leg['pages_per_min']:.1f} pages/min, cores {leg['busy']:.0%} "
                  f"busy with the pipeline, OCR slots {leg['ocr_slots_held']:.0%} held "
                  f"(load {leg['load_before']:.1f} → {leg['load_after']:.1f}; {leg['outcomes']})", file=sys.stderr)
            legs.append(leg)
    pin(config["services"].values(), allowed)
    out: dict[str, Any] = {"legs": legs}
    for n in (1, 2):
        mine = [leg for leg in legs if leg["cores"] == n]
        for key in ("pages_per_min", "seconds_per_page", "sohoa_cpu_per_page", "services_cpu_per_page", "busy",
                    "ocr_slots_held"):
            out[f"{key}_c{n}"] = statistics.median(leg[key] for leg in mine)
    out["speedup"] = out["pages_per_min_c2"] / out["pages_per_min_c1"]
    return out


def prefect_overhead(tasks: int, api_pid: int) -> tuple[float, float]:
    """Seconds Prefect adds per document task (same options and runner as ``ingest_document_task``) in
    the flow process, and CPU seconds its API server spends per task (elsewhere in production)."""
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

    many()  # warm-up: first registration
    api_before = _cpu_seconds({"api": api_pid})["api"]
    in_flow = many()
    api_cpu = _cpu_seconds({"api": api_pid})["api"] - api_before
    started = time.monotonic()
    [body(i) for i in range(tasks)]
    direct = time.monotonic() - started
    return (in_flow - direct) / tasks, api_cpu / tasks


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


def _run_child(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run this script in a fresh process with ``argv``; its last stdout line is JSON."""
    proc = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"bench child {argv[0]} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def rss_report(sizes: list[int]) -> dict[int, dict[str, float]]:
    """Peak RSS of a fresh process (its own ephemeral Prefect API) per batch size, and its growth during the flow."""
    rss = {n: _run_child(["--rss-child", str(n)], dict(os.environ)) for n in sorted(sizes)}
    if len(rss) >= 2:
        small, large = rss[min(rss)], rss[max(rss)]
        growth = large["peak_rss_mib"] / small["peak_rss_mib"] - 1
        print("peak RSS: " + ", ".join(f"{n} tasks {r['peak_rss_mib']:.0f} MiB (+{r['rss_growth_mib']:.0f} MiB during the flow)"
                                        for n, r in rss.items()) + f"; peak growth {growth:.1%}, target ≤ 10 %", file=sys.stderr)
    return rss


def rss_pages(sizes: list[int], config: dict[str, Any], env: dict[str, str], api_pid: int) -> dict[int, dict[str, Any]]:
    """Peak RSS of a fresh ingest process (2 cores, as a 2-core leg) OCRing, signing and storing each batch size of
    real pages, its RSS through the batch, and the Prefect API server's RSS after it (it serves every run)."""
    import psutil

    cpus = sorted(os.sched_getaffinity(0))[:2]
    out: dict[int, dict[str, Any]] = {}
    for n in sorted(sizes):
        leg = one_leg(cpus, {**config, "pages": n, "tag": f"rss{n}"}, env)
        leg["prefect_api_rss_mib"] = psutil.Process(api_pid).memory_info().rss / 2**20
        out[n] = leg
        print(f"  {n} pages: peak RSS {leg['peak_rss_mib']:.0f} MiB (after warm-up {leg['rss_after_warm_up_mib']:.0f}; "
              f"by tenths {', '.join(f'{v:.0f}' for v in leg['rss_by_tenth_mib'])}); {leg['pages_per_min']:.1f} pages/min; "
              f"Prefect API server {leg['prefect_api_rss_mib']:.0f} MiB; {leg['outcomes']}", file=sys.stderr)
    pin(config["services"].values(), sorted(os.sched_getaffinity(0)))
    if len(out) >= 2:
        small, large = out[min(out)], out[max(out)]
        print(f"peak RSS on real pages: {min(out)} pages {small['peak_rss_mib']:.0f} MiB, {max(out)} pages "
              f"{large['peak_rss_mib']:.0f} MiB: {large['peak_rss_mib'] / small['peak_rss_mib'] - 1:+.1%} (target ≤ 10 %)",
              file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=12, help="documents (one page each) per throughput leg")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of (1-core leg, 2-core leg), alternated")
    parser.add_argument("--overhead-tasks", type=int, default=50)
    parser.add_argument("--rss", type=int, nargs="*", default=[200, 2000], help="batch sizes for the RSS runs")
    parser.add_argument("--only-rss", action="store_true", help="skip the OCR and overhead runs")
    parser.add_argument("--rss-pages", type=int, nargs="+", metavar="PAGES",
                        help="instead of everything else: peak RSS of real batches of these sizes (e.g. 200 2000)")
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--throughput-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.throughput_child:  # pinned before flows.ingest is imported: it sizes itself by the usable cores
        config = json.loads(args.throughput_child)
        os.sched_setaffinity(0, config["cpus"])
        throughput_child(config)
        return
    if args.rss_child:  # the parent has set PREFECT_HOME
        rss_child(args.rss_child)
        return
    from flows.runtime import configure_prefect

    base = Path(tempfile.mkdtemp(prefix="sohoa-bench-batch-"))
    configure_prefect(load_settings(var_dir=base / "prefect-var"))
    if args.only_rss:
        report: dict[str, object] = {"peak_rss": rss_report(args.rss)}
    elif args.rss_pages:
        with services(base) as (config, env, api_pid):
            report = {"peak_rss_real_pages": rss_pages(args.rss_pages, config, env, api_pid)}
    else:
        report = run(args, base)
    print(json.dumps(report, indent=2))


def _prefect_api() -> Any:
    """Prefect's ephemeral API server, started by this (unpinned) parent and shared by it and the legs."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the instance Prefect's own client uses when no API URL is set
    server.start()
    return server


@contextmanager
def services(base: Path) -> Iterator[tuple[dict[str, Any], dict[str, str], int]]:
    """MinIO, the development PKI's animator and Prefect's API for the legs: the legs' shared config, their
    environment, and the API server's pid."""
    from signing.devpki import ensure_dev_pki, stop_dev_pki
    from storage.local_minio import MinioServer, free_port

    minio = MinioServer.start(bin_dir=PROJECT_ROOT / "bin", data_dir=base / "minio", port=free_port(),
                              access_key="bench", secret_key="bench-secret-key")
    pki_settings = load_settings(var_dir=base / "pki-var", dev_pki_port=free_port())
    try:
        pki = ensure_dev_pki(pki_settings)
        api = _prefect_api()
        pids = {"minio": minio.process.pid, "pki": int(pki.pid_file.read_text()),  # type: ignore[union-attr]
                "prefect_api": api.server_process.pid}
        config = {"base": str(base), "endpoint": minio.endpoint, "pki_var": str(pki_settings.var_dir), "pki_port": pki.port,
                  "services": pids}
        yield config, {**os.environ, "PREFECT_API_URL": api.api_url}, pids["prefect_api"]
    finally:
        stop_dev_pki(pki_settings)
        minio.stop()


def run(args: argparse.Namespace, base: Path) -> dict[str, object]:
    with services(base) as (config, env, api_pid):
        speed = throughput(args.pages, args.rounds, config, env)
        per_task, api_per_task = prefect_overhead(args.overhead_tasks, api_pid)
    page_time = speed["seconds_per_page_c2"]
    report: dict[str, object] = {
        **speed,
        "prefect_seconds_per_task": per_task,
        "prefect_overhead_share_of_page": per_task / page_time,
        "prefect_api_cpu_per_task": api_per_task,
        "peak_rss": rss_report(args.rss),
        "peer_ocrmypdf_pages_per_min_one_core": PEER_OCRMYPDF_PAGES_PER_MIN,
        "peer_prefect_seconds_per_task": PEER_PREFECT_TASK_SECONDS,
    }
    _print_summary(speed, per_task, api_per_task, page_time)
    return report


def _print_summary(speed: dict[str, Any], per_task: float, api_per_task: float, page_time: float) -> None:
    print(f"pages/min (median of {len(speed['legs']) // 2} legs each): 1 core {speed['pages_per_min_c1']:.1f}, "
          f"2 cores {speed['pages_per_min_c2']:.1f} → ×{speed['speedup']:.2f} (target ≥ 1.8); "
          f"OCRmyPDF -j1 peer {PEER_OCRMYPDF_PAGES_PER_MIN:.1f} per core", file=sys.stderr)
    print(f"CPU per page: sohoa {speed['sohoa_cpu_per_page_c1']:.2f} s (1 core) / {speed['sohoa_cpu_per_page_c2']:.2f} s "
          f"(2 cores); the services pinned with it (MinIO, PKI animator, Prefect API) {speed['services_cpu_per_page_c1']:.2f}"
          f" / {speed['services_cpu_per_page_c2']:.2f} s; cores busy with the pipeline {speed['busy_c1']:.0%} / "
          f"{speed['busy_c2']:.0%}; OCR slots held {speed['ocr_slots_held_c1']:.0%} / {speed['ocr_slots_held_c2']:.0%}", file=sys.stderr)
    print(f"Prefect per document task: {per_task * 1000:.0f} ms = {per_task / page_time:.1%} of a 2-core page "
          f"(target ≤ 5 %); peer figure {PEER_PREFECT_TASK_SECONDS * 1000:.0f} ms; its API server's CPU "
          f"{api_per_task * 1000:.0f} ms per task", file=sys.stderr)


if __name__ == "__main__":
    main()
