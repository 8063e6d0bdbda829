"""Printing ``sohoa find`` results: the contract's JSON, or a readable Vietnamese table."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from sohoa.model import StoredDocument

TYPE_NAMES = {
    "cccd_front": "CCCD (mặt trước)",
    "cccd_back": "CCCD (mặt sau)",
    "birth_certificate": "Giấy khai sinh",
    "business_registration": "Giấy CN đăng ký doanh nghiệp",
    "administrative_document": "Văn bản hành chính",
    "other": "Khác",
}


def find_json(documents: Sequence[StoredDocument]) -> dict[str, list[dict[str, object]]]:
    return {"documents": [d.to_find_json() for d in documents]}


def find_table(documents: Sequence[StoredDocument]) -> str:
    """One line per document: id, type, owner name, validity, signing time."""
    if not documents:
        return "Không có giấy tờ còn hiệu lực / no valid documents"
    header = (f"{'Mã tài liệu / id':38}  {'Loại / type':30}  {'Chủ sở hữu / owner':28}  "
              f"{'Hiệu lực đến / valid until':26}  Ký lúc / signed")
    lines = [header, "-" * len(header)]
    for d in documents:
        until = d.valid_until.isoformat() if d.valid_until else "—"
        signed = d.signed_at.strftime("%Y-%m-%d %H:%M") if d.signed_at else "—"
        lines.append(f"{d.id:38}  {TYPE_NAMES[d.doc_type.value]:30}  {(d.owner_name or '—')[:28]:28}  {until:26}  {signed}")
    return "\n".join(lines)


def render_find(documents: Sequence[StoredDocument], as_json: bool) -> None:
    """Write the result of ``sohoa find`` to stdout."""
    text = json.dumps(find_json(documents), ensure_ascii=False, indent=2) if as_json else find_table(documents)
    sys.stdout.write(text + "\n")
