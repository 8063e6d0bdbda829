"""``sohoa ingest``: run the batch flow with a progress bar and end with a summary.

The progress bar counts pages (estimated from the files before the run, then
corrected by the real counts) with pages per second and ETA; it is drawn on
stderr so stdout stays clean. The summary says, in Vietnamese and English, how
many files were stored, wait for review, were quarantined (with reasons) or
failed (re-run the batch: finished files are skipped).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from sohoa.errors import FileNotFound
from sohoa.settings import Settings

from flows.batch import BatchSummary, DocumentOutcome, Outcome, discover, total_pages
from flows.runtime import configure_prefect

_LABELS = {
    Outcome.STORED: "Đã lưu / stored",
    Outcome.NEEDS_REVIEW: "Chờ duyệt / needs review",
    Outcome.QUARANTINED: "Cách ly / quarantined",
    Outcome.FAILED: "Lỗi hệ thống / failed",
}


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]Trang / pages"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.2f} trang/s"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _advance(bar: Progress, task_id: TaskID, outcome: DocumentOutcome) -> None:
    """Count the file's real pages; grow the total when the estimate was short."""
    task = bar.tasks[task_id]
    done = task.completed + max(outcome.pages, 1)
    total = max(task.total or 0, done)
    rate = done / task.elapsed if task.elapsed else 0.0
    bar.update(task_id, completed=done, total=total, rate=rate)


def render_summary(summary: BatchSummary, console: Console) -> None:
    """The end-of-batch table plus one line per quarantined or failed file."""
    table = Table(title=f"Lô / batch {summary.batch_id}: {len(summary.outcomes)} tệp / files, {summary.pages} trang / pages")
    table.add_column("Kết quả / outcome")
    table.add_column("Số tệp / files", justify="right")
    counts = summary.counts()
    for outcome, label in _LABELS.items():
        table.add_row(label, str(counts.get(outcome, 0)))
    console.print(table)
    for o in summary.with_outcome(Outcome.QUARANTINED) + summary.with_outcome(Outcome.FAILED):
        console.print(f"  {_LABELS[o.outcome]}: {o.name} — {o.reason}")
    reused = sum(1 for o in summary.outcomes if o.reused)
    if reused:
        console.print(f"Đã xong từ lần chạy trước, không xử lý lại / finished by an earlier run, skipped: {reused}")
    rate = summary.pages_processed / summary.seconds if summary.seconds else 0.0
    console.print(f"Thời gian / time: {summary.seconds:.1f} s ({rate * 60:.1f} trang/phút / pages/min)")
    if not summary.complete:
        console.print("Chạy lại lệnh để xử lý tiếp các tệp lỗi / re-run to retry the failed files")


def run_ingest(directory: Path, manifest: Path | None, settings: Settings) -> BatchSummary:
    """Run ``ingest_batch`` on ``directory`` in this process, with progress and summary on stderr."""
    if not directory.is_dir():
        raise FileNotFound(f"Không có thư mục {directory}", f"No such folder: {directory}")
    configure_prefect(settings)
    from flows import progress
    from flows.ingest import ingest_batch

    console = Console(stderr=True)
    estimate = total_pages(discover(directory, manifest))
    batch_id = uuid.uuid4().hex[:12]
    with _progress(console) as bar:
        task_id = bar.add_task("ingest", total=estimate, rate=0.0)
        with progress.listening(batch_id, lambda o: _advance(bar, task_id, o)):
            summary = ingest_batch(directory, manifest, settings, batch_id)
    render_summary(summary, console)
    return summary
