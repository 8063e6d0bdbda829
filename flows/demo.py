"""``sohoa demo``: the committed sample batch, ingested on embedded defaults, then queried as a portal.

It needs nothing running: storage starts the local MinIO under ``var/``, the
catalog is SQLite under ``var/``, signing uses the development PKI and Prefect
its ephemeral API. Running it twice stores nothing twice (the batch is
idempotent), so the second run is quick and prints the same documents.
"""

from __future__ import annotations

from rich.console import Console

from sohoa.settings import PROJECT_ROOT, Settings

from flows.batch import BatchSummary, Outcome

SAMPLES = PROJECT_ROOT / "samples"
SAMPLE_OWNER = "001099012345"  # the synthetic citizen of samples/manifest.csv


def _print_stored(summary: BatchSummary, console: Console) -> None:
    console.print("\n[bold]Tài liệu trong kho / documents in the store[/bold]")
    for o in summary.outcomes:
        if o.outcome in (Outcome.STORED, Outcome.NEEDS_REVIEW):
            state = "đã ký, đã lưu / signed, stored" if o.outcome is Outcome.STORED else "bản nháp chờ duyệt / draft awaiting review"
            console.print(f"  {o.name}: {o.doc_type} — {state} — id {o.document_id}")


def run_demo(settings: Settings) -> BatchSummary:
    """Ingest ``samples/`` (its manifest included), then show ``sohoa find --owner`` for the sample citizen."""
    from flows.cli import run_ingest
    from storage import open_storage
    from storage.render import render_find

    console = Console(stderr=True)
    console.print(f"[bold]Số hoá lô mẫu / ingesting the sample batch[/bold] {SAMPLES}")
    summary = run_ingest(SAMPLES, None, settings)
    _print_stored(summary, console)
    console.print(f"\n[bold]Cổng dịch vụ công hỏi / a portal asks:[/bold] sohoa find --owner {SAMPLE_OWNER} --json")
    with open_storage(settings) as store:
        documents = store.find_for_cli(owner_id=SAMPLE_OWNER, doc_type=None)
    render_find(documents, as_json=True)
    console.print(
        "\nMinIO và PKI cục bộ vẫn chạy cho `sohoa serve` / `sohoa find`; dừng: `sohoa services stop`"
        "\n(the local MinIO and PKI keep running for `sohoa serve` / `sohoa find`; stop them with `sohoa services stop`)"
    )
    return summary
