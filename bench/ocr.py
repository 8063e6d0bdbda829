"""OCR benchmark: raw Tesseract, OCRmyPDF and sohoa on the same pages, in one run.

Usage: ``.venv/bin/python bench/ocr.py [--quick] [--scans DIR]``

Pages: the shared reference scans (``/work/shared/bench/make_scans.py``: real
Vietnamese prose at 300 dpi, clean / mild / heavy), plus phone photos and
150-dpi scans generated here from the clean pages. For every page it prints
the seconds and CER (``/work/shared/bench/cer.py``'s definition) of each tool,
then medians and ratios per set, and finally the throughput of a two-page file
on one worker versus two. Every tool runs single-threaded (``OMP_THREAD_LIMIT=1``).
Figures are only comparable within one run: the machine may be shared.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractors import recognise_file, write_searchable_pdf  # noqa: E402
from sohoa import logs  # noqa: E402
from sohoa.settings import Settings, load_settings  # noqa: E402
from tests.fixtures_extract import phone_photo, save_tiff_pages  # noqa: E402

SHARED = Path("/work/shared/bench")
ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def _load_cer() -> Callable[[str, str], float]:
    spec = importlib.util.spec_from_file_location("shared_cer", SHARED / "cer.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cer  # type: ignore[no-any-return]


CER = _load_cer()


@dataclass
class Sample:
    """One page to score: the image file, its ground truth, its set and declared dpi."""

    name: str
    path: Path
    truth: str
    group: str
    dpi: int = 300


@dataclass
class Score:
    seconds: float  # wall clock
    cpu: float  # CPU seconds of this process and its children: fairer on a loaded machine
    cer: float
    own: float = 0.0  # the part of ``cpu`` spent in this (Python) process, not in Tesseract & co


def build_reference(out: Path) -> None:
    """Run the shared generator (skipped when ``out`` already holds its manifest)."""
    if not (out / "manifest.json").exists():
        subprocess.run([str(ROOT / ".venv/bin/python"), str(SHARED / "make_scans.py"), str(out)], check=True)


def reference_samples(scans: Path, quick: bool) -> list[Sample]:
    entries = json.loads((scans / "manifest.json").read_text())
    if quick:
        entries = [e for e in entries if e["name"].startswith(("seed0_", "seed1_"))]
    return [
        Sample(e["name"], scans / f"{e['name']}.{e['ext']}", (scans / f"{e['name']}.gt.txt").read_text(encoding="utf-8"), e["level"])
        for e in entries
    ]


def generated_samples(clean: list[Sample], out: Path) -> list[Sample]:
    """Phone photos and 150-dpi scans made from the clean reference pages."""
    made: list[Sample] = []
    for sample in clean:
        page = np.asarray(Image.open(sample.path).convert("L"))
        photo = out / f"{sample.name}_photo.jpg"
        Image.fromarray(phone_photo(page, seed=len(made))).save(photo, quality=85, dpi=(300, 300))
        made.append(Sample(f"{sample.name}_photo", photo, sample.truth, "photo"))
        low = out / f"{sample.name}_150dpi.png"
        Image.fromarray(cv2.resize(page, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)).save(low, dpi=(150, 150))
        made.append(Sample(f"{sample.name}_150dpi", low, sample.truth, "150dpi", 150))
    return made


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of this process (all threads) and of its waited-for children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def timed(run: Callable[[], str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (self + children), own CPU seconds (self) and the text of one run."""
    start, (own, children) = time.perf_counter(), _cpu()
    text = run()
    own_after, children_after = _cpu()
    return time.perf_counter() - start, own_after - own + children_after - children, own_after - own, text


def raw_tesseract(sample: Sample, work: Path) -> str:
    base = work / f"{sample.name}.raw"
    subprocess.run(["tesseract", str(sample.path), str(base), "-l", "vie"], env=ENV, capture_output=True, check=True)
    return Path(f"{base}.txt").read_text(encoding="utf-8")


def ocrmypdf(sample: Sample, work: Path) -> str:
    sidecar = work / f"{sample.name}.omp.txt"
    args = ["ocrmypdf", "-q", "-l", "vie", "--deskew", "--rotate-pages", "--image-dpi", str(sample.dpi)]
    args += ["--sidecar", str(sidecar), "-j", "1", str(sample.path), str(work / f"{sample.name}.omp.pdf")]
    done = subprocess.run(args, env=ENV, capture_output=True)
    return sidecar.read_text(encoding="utf-8") if done.returncode == 0 and sidecar.exists() else ""


def sohoa(sample: Sample, work: Path, settings: Settings) -> str:
    """``sohoa ocr IMG -o OUT.pdf`` in process: recognition plus the merged searchable PDF."""
    folder = work / f"{sample.name}.sohoa"
    result = recognise_file(sample.path, settings, folder)
    write_searchable_pdf(result, folder / "out.pdf")
    return result.text


def score_sample(sample: Sample, work: Path, settings: Settings) -> dict[str, Score]:
    tools: dict[str, Callable[[], str]] = {
        "tesseract": lambda: raw_tesseract(sample, work),
        "ocrmypdf": lambda: ocrmypdf(sample, work),
        "sohoa": lambda: sohoa(sample, work, settings),
    }
    scores = {}
    for name, run in tools.items():
        seconds, cpu, own, text = timed(run)
        scores[name] = Score(seconds, cpu, CER(sample.truth, text), own)
    return scores


def report_group(group: str, rows: list[tuple[Sample, dict[str, Score]]]) -> None:
    def med(tool: str, attr: str) -> float:
        return statistics.median(getattr(s[tool], attr) for _, s in rows)

    def worst(tool: str) -> float:
        return max(s[tool].cer for _, s in rows)

    def ratio(num: str, den: str, attr: str) -> float:
        return statistics.median(getattr(s[num], attr) / getattr(s[den], attr) for _, s in rows)

    line = f"{group:<8} n={len(rows):<2}"
    for tool in ("tesseract", "ocrmypdf", "sohoa"):
        line += f" | {tool} {med(tool, 'seconds'):6.2f}s cpu {med(tool, 'cpu'):5.2f}s cer med {med(tool, 'cer'):.4f} max {worst(tool):.4f}"
    for attr in ("seconds", "cpu"):
        line += f" | {attr}: sohoa/tesseract {ratio('sohoa', 'tesseract', attr):.2f}x ocrmypdf/sohoa {ratio('ocrmypdf', 'sohoa', attr):.2f}x"
    line += f" | sohoa own cpu {med('sohoa', 'own'):4.2f}s"
    print(line)


def parallel_throughput(clean: list[Sample], work: Path) -> None:
    """Two pages in one TIFF: wall time on one worker versus two."""
    pages = [np.asarray(Image.open(s.path).convert("L")) for s in clean[:2]]
    tiff = save_tiff_pages(pages, work / "two-pages.tif")
    times: dict[int, float] = {1: float("inf"), 2: float("inf")}
    for round_ in range(2):  # alternate and keep the best of two: other load comes and goes
        for workers in (1, 2):
            settings = load_settings(workers=workers)
            seconds, *_ = timed(lambda: recognise_file(tiff, settings, work / f"par{workers}-{round_}").text)
            times[workers] = min(times[workers], seconds)
    print(f"two pages: 1 worker {times[1]:.2f}s, 2 workers {times[2]:.2f}s, throughput x{times[1] / times[2]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="seeds 0-1 only (6 reference pages + 4 generated; full: 15 + 6)")
    parser.add_argument("--scans", type=Path, default=None, help="reference scans folder (built if missing)")
    args = parser.parse_args()
    logs.configure(level=logging.WARNING)  # keep the table readable
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        work = Path(tmp)
        scans = args.scans or work / "scans"
        build_reference(scans)
        samples = reference_samples(scans, args.quick)
        clean = [s for s in samples if s.group == "clean"]
        samples += generated_samples(clean[:3], work)
        settings = load_settings(workers=1)
        recognise_file(samples[0].path, settings, work / "warm-up")  # lazy imports are not a page's time
        rows: list[tuple[Sample, dict[str, Score]]] = []
        for sample in samples:
            scores = score_sample(sample, work, settings)
            rows.append((sample, scores))
            cells = " | ".join(f"{t} {s.seconds:6.2f}s cpu {s.cpu:5.2f}s cer {s.cer:.4f}" for t, s in scores.items())
            cells += f" | sohoa own cpu {scores['sohoa'].own:4.2f}s"
            print(f"{sample.name:<22} {cells}", flush=True)
        print()
        for group in ("clean", "mild", "heavy", "photo", "150dpi"):
            report_group(group, [r for r in rows if r[0].group == group])
        report_group("all-ref", [r for r in rows if r[0].group in ("clean", "mild", "heavy")])
        parallel_throughput(clean, work)


if __name__ == "__main__":
    main()
