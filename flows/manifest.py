"""The batch manifest: administrative context for the files of a batch.

A manifest is a CSV file (header row) or a JSON file (a list of objects, or
``{"dossiers": [...]}``) with these columns / keys:

- ``path`` — a dossier sub-folder name (the row applies to every file in it) or
  a file path relative to the batch folder (the row applies to that file only);
  when empty, ``dossier_code`` is used as the sub-folder name;
- ``dossier_code``, ``procedure_code``, ``agency``, ``owner_id`` — free text;
- ``doc_type`` — a type hint, one of the ``DocType`` values.

A file row overrides its dossier row. Without a manifest, a file's dossier code
is the name of its sub-folder. A malformed manifest raises
``InvalidManifestError`` (exit 2) before any work starts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from sohoa.errors import InvalidManifestError
from sohoa.model import DocType, DocumentMeta

Manifest = Mapping[str, DocumentMeta]  # key: dossier folder or relative file path (POSIX)
MANIFEST_NAMES = ("manifest.csv", "manifest.json")
_COLUMNS = {"path", "dossier_code", "procedure_code", "agency", "owner_id", "doc_type"}


def _invalid(path: Path, en: str, vi: str) -> InvalidManifestError:
    return InvalidManifestError(f"Tệp kê khai không hợp lệ: {vi}", f"Invalid manifest: {en}", detail=path.name)


def _rows(path: Path) -> list[dict[str, object]]:
    """The manifest's rows as dictionaries, whatever its format."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise _invalid(path, "cannot be read as UTF-8", "không đọc được (UTF-8)") from e
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise _invalid(path, f"bad JSON ({e.msg})", f"JSON sai ({e.msg})") from e
        rows = data.get("dossiers") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise _invalid(path, "expected a list of objects", "cần một danh sách đối tượng")
        return rows
    return list(csv.DictReader(text.splitlines()))


def _text(row: Mapping[str, object], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _meta(row: Mapping[str, object], path: Path) -> tuple[str, DocumentMeta]:
    """One row as (key, meta); the key is normalised to a relative POSIX path."""
    unknown = set(row) - _COLUMNS - {None}
    if unknown:
        raise _invalid(path, f"unknown columns {sorted(unknown)}", f"cột không biết {sorted(unknown)}")
    hint = _text(row, "doc_type")
    try:
        doc_type = DocType(hint) if hint else None
    except ValueError as e:
        raise _invalid(path, f"unknown doc_type {hint!r}", f"loại giấy tờ không biết {hint!r}") from e
    key = _text(row, "path") or _text(row, "dossier_code")
    if key is None:
        raise _invalid(path, "a row has neither path nor dossier_code", "một dòng thiếu path và dossier_code")
    meta = DocumentMeta(
        dossier_code=_text(row, "dossier_code"),
        procedure_code=_text(row, "procedure_code"),
        agency=_text(row, "agency"),
        owner_id=_text(row, "owner_id"),
        doc_type_hint=doc_type,
    )
    return str(PurePosixPath(key.replace("\\", "/"))), meta


def load_manifest(path: Path) -> Manifest:
    """Parse a CSV or JSON manifest; duplicate keys are an error, not a silent overwrite."""
    entries: dict[str, DocumentMeta] = {}
    for row in _rows(path):
        key, meta = _meta(row, path)
        if key in entries:
            raise _invalid(path, f"{key!r} listed twice", f"{key!r} bị lặp")
        entries[key] = meta
    return entries


def find_manifest(directory: Path) -> Path | None:
    """A manifest file at the top of the batch folder, used when none is given."""
    return next((directory / n for n in MANIFEST_NAMES if (directory / n).is_file()), None)


def meta_for(relative: PurePosixPath, manifest: Manifest) -> DocumentMeta:
    """Context of one file: its own row, else its dossier's row, else the folder name as dossier code."""
    if str(relative) in manifest:
        return manifest[str(relative)]
    dossier = relative.parts[0] if len(relative.parts) > 1 else None
    if dossier is not None and dossier in manifest:
        return manifest[dossier]
    return DocumentMeta(dossier_code=dossier)


def manifest_files(directory: Path, manifest: Path | None) -> Iterable[Path]:
    """Files of the batch folder that are manifests, not documents to ingest."""
    found = [directory / n for n in MANIFEST_NAMES]
    return [p.resolve() for p in [*found, *([manifest] if manifest else [])] if p.exists()]
