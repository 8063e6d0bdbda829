"""Staff batch uploads: files (or one zip) saved to a batch folder, then the ingest flow in the background.

A batch folder lives under ``var/api/batches/<batch_id>`` with a small
``batch.json`` (who started it, how many files). The flow runs in a worker
thread of this process; its progress (one outcome per finished file) is kept
in memory for the status page and ``GET /v1/batches/{id}``. After a restart
(or on another worker) a batch's progress is read back from where the flows
record finished files (``flows.ledger``, by content hash): the run itself died
with the old process, so such a batch is shown finished, and "interrupted" when
some files have no recorded outcome (failures are never recorded there);
uploading the files again finishes it, skipping what is done. A zip is
unpacked with its names checked (no absolute paths, no ``..``) and its total
size capped, so a crafted archive cannot escape the folder or fill the disk.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sohoa.errors import CorruptFileError, InputFileError, NoPagesError, SohoaError, TooLargeError
from sohoa.logs import get_logger
from sohoa.model import sha256_file
from sohoa.settings import Settings

log = get_logger(__name__)
MAX_ZIP_ENTRIES = 10_000
BATCH_RECORD = "batch.json"
_BATCH_ID = re.compile(r"[0-9a-f]{12}")
_SAFE_NAME = re.compile(r"[^\w.\- ]", re.UNICODE)


@dataclass
class BatchState:
    """What the status page shows: files seen, outcomes so far, and how the run ended."""

    batch_id: str
    started_by: str
    total: int
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    error: dict[str, str | None] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "started_by": self.started_by,
            "total": self.total,
            "finished": len(self.outcomes),
            "done": self.done,
            "error": self.error,
            "outcomes": list(self.outcomes),
        }


def safe_name(name: str) -> str:
    """A single path component made of word characters, dots, dashes and spaces."""
    cleaned = _SAFE_NAME.sub("_", PurePosixPath(name.replace("\\", "/")).name).strip(" .")
    return cleaned or "file"


def unpack_zip(archive: Path, target: Path, max_bytes: int) -> int:
    """Extract ``archive`` into ``target``; returns the number of files. Refuses unsafe or oversized archives."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_ENTRIES or sum(m.file_size for m in members) > max_bytes:
                raise TooLargeError("Tệp ZIP quá lớn khi giải nén", "the zip is too large once unpacked")
            for member in members:
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                if member.filename.startswith("/") or ".." in parts:
                    raise InputFileError("Tên tệp trong ZIP không an toàn", "unsafe path inside the zip", detail=member.filename)
                dest = target.joinpath(*(safe_name(p) for p in parts))
                dest.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(member) as src, dest.open("wb") as out:
                    out.write(src.read(max_bytes + 1))
    except zipfile.BadZipFile as e:
        raise CorruptFileError("Tệp ZIP bị hỏng", "the zip file is corrupt") from e
    return len(members)


class BatchRunner:
    """Starts ingest flows in background threads and tracks their progress."""

    def __init__(self, settings: Settings) -> None:
        from flows.runtime import configure_prefect

        configure_prefect(settings)  # before Prefect is first imported, as every edge does
        self.settings = settings
        self.root = settings.var_dir / "api" / "batches"
        self._states: dict[str, BatchState] = {}
        self._lock = threading.Lock()

    def new_folder(self) -> tuple[str, Path]:
        batch_id = uuid.uuid4().hex[:12]
        folder = self.root / batch_id / "files"
        folder.mkdir(parents=True)
        return batch_id, folder

    def start(self, batch_id: str, folder: Path, started_by: str) -> BatchState:
        """Run the ingest flow over ``folder`` in a thread; the state fills in as files finish."""
        from flows.batch import discover
        from flows.manifest import find_manifest

        manifest = find_manifest(folder)
        total = len(discover(folder, manifest))
        if total == 0:
            raise NoPagesError("Lô không có tệp hồ sơ nào", "the batch holds no document files")
        state = BatchState(batch_id, started_by, total)
        (folder.parent / BATCH_RECORD).write_text(json.dumps({"started_by": started_by, "total": total}), encoding="utf-8")
        with self._lock:
            self._states[batch_id] = state
        threading.Thread(target=self._run, args=(state, folder, manifest), daemon=True, name=f"batch-{batch_id}").start()
        return state

    def _run(self, state: BatchState, folder: Path, manifest: Path | None) -> None:
        from flows import ingest_batch, progress

        def listener(outcome: Any) -> None:
            with self._lock:
                state.outcomes.append(_outcome_json(outcome))

        try:
            with progress.listening(state.batch_id, listener):
                ingest_batch(folder, manifest, self.settings, batch_id=state.batch_id)
        except SohoaError as e:
            state.error = e.to_json()
        except Exception as e:  # noqa: BLE001 - a crashed flow must show on the status page, not vanish
            log.error("batch_crashed", batch_id=state.batch_id, error=type(e).__name__)
            state.error = {"code": "flow_failed", "vi": "Luồng xử lý bị lỗi", "en": "the ingest flow failed", "detail": type(e).__name__}
        finally:
            state.done = True

    def get(self, batch_id: str) -> BatchState | None:
        """The batch's state: live from this process, else read back from the flows' ledger."""
        with self._lock:
            state = self._states.get(batch_id)
        if state is None and _BATCH_ID.fullmatch(batch_id):
            state = self._restored(batch_id)
            if state is not None:
                with self._lock:
                    state = self._states.setdefault(batch_id, state)
        return state

    def all(self) -> list[BatchState]:
        """Every batch under ``var/api/batches``, newest folder first."""
        folders = sorted(self.root.glob(f"*/{BATCH_RECORD}"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [s for s in (self.get(f.parent.name) for f in folders) if s is not None]

    def _restored(self, batch_id: str) -> BatchState | None:
        """A batch started before this process: finished files from ``flows.ledger``, the run itself over."""
        from flows import ledger
        from flows.batch import discover

        record = self.root / batch_id / BATCH_RECORD
        if not record.is_file():
            return None
        info = json.loads(record.read_text(encoding="utf-8"))
        state = BatchState(batch_id, str(info["started_by"]), int(info["total"]), done=True)
        for item in discover(record.parent / "files", None):
            finished = ledger.recorded(self.settings, sha256_file(item.path), item.name)
            if finished is not None:
                state.outcomes.append(_outcome_json(finished))
        if len(state.outcomes) < state.total:
            state.error = {"code": "interrupted", "detail": None,
                           "vi": "Lô bị gián đoạn khi dịch vụ khởi động lại; tải lại các tệp để hoàn tất",
                           "en": "the batch was interrupted by a restart; upload the files again to finish it"}  # fmt: skip
        return state


def _outcome_json(outcome: Any) -> dict[str, Any]:
    return {
        "name": outcome.name,
        "outcome": outcome.outcome.value,
        "document_id": outcome.document_id,
        "doc_type": outcome.doc_type,
        "pages": outcome.pages,
        "reason": outcome.reason,
    }
