"""The approval decision: ``auto_approved`` only when nothing gives a reason to doubt.

A wrong value that is auto-approved is the worst defect this product can have, so the rule
is conservative: the type must be certain, every required field present, no field may carry
a problem (invalid, disagreeing sources, inconsistent dates), and every field with a value
must be verified by an independent source or check digit, or read with high confidence.
"""

from __future__ import annotations

from collections.abc import Mapping

from extractors.fields.schema import DocSchema, Kind
from sohoa.model import Decision, Field

TYPE_CERTAIN = 0.9


def reasons(schema: DocSchema, fields: Mapping[str, Field], problems: Mapping[str, list[str]],
            type_confidence: float, min_confidence: float) -> list[str]:
    """Every reason the document needs a human, in field order; empty means approvable."""
    out: list[str] = []
    if type_confidence < TYPE_CERTAIN:
        out.append(f"doc_type: loại tài liệu chưa chắc chắn / document type uncertain ({type_confidence:.2f})")
    for spec in schema.fields:
        field = fields[spec.name]
        out.extend(f"{spec.name}: {p}" for p in problems.get(spec.name, []))
        if field.value is None:
            if spec.required:
                out.append(f"{spec.name}: không tìm thấy / not found")
        elif not field.verified and field.confidence < min_confidence:
            out.append(f"{spec.name}: độ tin cậy thấp / low confidence ({field.confidence:.2f})")
    return out


LEGIBLE_DPI = 200  # Decree 30's minimum for an electronic copy; below it tone marks are guesswork
PHOTO_LEGIBLE_DPI = 250  # a photo's blur and JPEG cost what a scan's extra dpi give (preprocessing enlarges below it)


def source_dpi(steps: tuple[str, ...]) -> int:
    """The scan's own resolution when preprocessing enlarged it (step ``upsample150``), else a large number."""
    enlarged = [int(s.removeprefix("upsample")) for s in steps if s.startswith("upsample") and s[8:].isdigit()]
    return min(enlarged, default=10**6)


def tone_marks_unreliable(steps: tuple[str, ...]) -> bool:
    """Whether Tesseract's confidence can no longer vouch for Vietnamese tone marks on a page.

    A scan below ``LEGIBLE_DPI``; or a photographed page (preprocessing flattened its
    perspective) below ``PHOTO_LEGIBLE_DPI``: blur and JPEG blocks on a 200-dpi photo of
    small type gave ``chuyến đối`` for ``chuyển đổi`` at 0.96 confidence, re-readings agreeing.
    A card photographed close up stays well above both, so its own checks decide."""
    floor = PHOTO_LEGIBLE_DPI if "perspective" in steps else LEGIBLE_DPI
    return source_dpi(steps) < floor


def low_resolution_reasons(schema: DocSchema, fields: Mapping[str, Field]) -> list[str]:
    """On such a page (``tone_marks_unreliable``) text no other source confirms goes to a human."""
    return [f"{spec.name}: ảnh chụp/quét độ phân giải thấp, dấu thanh không chắc chắn / "
            f"low-resolution scan or photo, tone marks unreliable"
            for spec in schema.fields
            if spec.kind is Kind.TEXT and fields[spec.name].value is not None and not fields[spec.name].verified]


def decide(found_reasons: list[str]) -> Decision:
    return Decision.NEEDS_REVIEW if found_reasons else Decision.AUTO_APPROVED
