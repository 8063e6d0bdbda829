"""Turning pyHanko validation statuses into report lines (``Check``) an auditor reads.

Each check answers one question in Vietnamese and English. ``ok`` is True
(passed), False (a proven defect: the verdict is *invalid*) or None (cannot be
decided from what the document carries and the configured trust: the verdict
is *indeterminate*), following ETSI EN 319 102-1: a broken hash, a revoked or
expired signer, or changes after signing are failures; an unknown chain, an
untrusted timestamp or missing revocation data are indeterminate.
"""

from __future__ import annotations

from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation.status import (
    PdfSignatureStatus,
    SignatureCoverageLevel,
    SignatureStatus,
    TimestampSignatureStatus,
)

from sohoa.model import Check, Verdict

_EXPIRY = {
    AdESFailure.NOT_YET_VALID, AdESIndeterminate.EXPIRED, AdESIndeterminate.NOT_YET_VALID,
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE, AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
}  # fmt: skip
_ALLOWED_AFTER_SIGNING = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


def verdict_of(checks: list[Check]) -> Verdict:
    """Invalid if any check failed, else indeterminate if any is undecided, else valid."""
    if any(c.ok is False for c in checks):
        return Verdict.INVALID
    if any(c.ok is None for c in checks):
        return Verdict.INDETERMINATE
    return Verdict.VALID


def integrity_check(status: PdfSignatureStatus) -> Check:
    if status.intact and status.valid:
        return Check("integrity", True, "Chữ ký toàn vẹn, nội dung đã ký không đổi", "signature intact, signed content unchanged")
    return Check("integrity", False, "Nội dung đã ký bị thay đổi hoặc chữ ký hỏng", "signed content altered or signature broken")


def coverage_check(status: PdfSignatureStatus) -> Check:
    """The signature covers the whole file, or its whole revision followed only by LTV data."""
    level = status.modification_level
    whole_revision = status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and level in _ALLOWED_AFTER_SIGNING
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE or whole_revision:
        return Check("coverage", True, "Chữ ký bao trùm toàn bộ tài liệu", "signature covers the whole document")
    return Check("coverage", False, "Chữ ký không bao trùm toàn bộ tài liệu", "signature does not cover the whole document")


def modification_check(status: PdfSignatureStatus) -> Check:
    """Only revocation data and document timestamps may follow the signature (pyHanko diff analysis)."""
    level = status.modification_level
    if level in _ALLOWED_AFTER_SIGNING and status.docmdp_ok is not False:
        return Check("modifications", True, "Không có sửa đổi sau khi ký", "no modification after signing")
    what = level.name if level is not None else "UNKNOWN"
    return Check(
        "modifications", False,
        f"Tài liệu bị sửa đổi sau khi ký ({what}: thêm trang, chú thích hoặc thay tệp đính kèm)",
        f"document modified after signing ({what}: pages, annotations or attachments changed)",
    )  # fmt: skip


def signer_check(status: SignatureStatus, who: str) -> Check:
    """Chain to a trust root, not revoked, valid at the signing time (``who``: signer or timestamp)."""
    vi_who = "người ký" if who == "signer" else "đơn vị cấp dấu thời gian"
    name = f"{who}_trust"
    if status.trusted:
        return Check(name, True, f"Chứng thư {vi_who} hợp lệ, chuỗi tới gốc tin cậy", f"{who} certificate valid and chains to a trust root")
    indic = status.trust_problem_indic
    if status.revoked:
        return Check(name, False, f"Chứng thư {vi_who} đã bị thu hồi", f"{who} certificate is revoked")
    if indic in _EXPIRY:
        return Check(name, False, f"Chứng thư {vi_who} hết hạn hoặc chưa có hiệu lực lúc ký", f"{who} certificate expired or not yet valid at signing time")
    if indic == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return Check(name, None, f"Chứng thư {vi_who} không thuộc gốc tin cậy đã cấu hình", f"{who} certificate does not chain to a configured trust root")
    reason = indic.name if indic is not None else "UNKNOWN"
    return Check(
        name, None,
        f"Không xác định được trạng thái chứng thư {vi_who} từ dữ liệu nhúng ({reason})",
        f"{who} certificate status cannot be decided from embedded data ({reason})",
    )  # fmt: skip


def timestamp_check(status: TimestampSignatureStatus | None) -> Check:
    """The RFC 3161 signature timestamp: present, intact, from a trusted TSA."""
    if status is None:
        return Check("timestamp", None, "Không có dấu thời gian tin cậy", "no signature timestamp")
    if not (status.intact and status.valid):
        return Check("timestamp", False, "Dấu thời gian bị hỏng", "signature timestamp is broken")
    trust = signer_check(status, "timestamp")
    if not trust.ok:
        return Check("timestamp", trust.ok, trust.vi, trust.en)
    when = status.timestamp.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Check("timestamp", True, f"Dấu thời gian hợp lệ: {when}", f"valid signature timestamp: {when}")


def document_timestamp_check(index: int, status: TimestampSignatureStatus | None, error: str | None) -> Check:
    """One archival document timestamp (B-LTA); a broken one invalidates the evidence chain."""
    name = f"document_timestamp_{index}"
    if status is None:
        return Check(name, False, f"Dấu thời gian tài liệu #{index} hỏng ({error})", f"document timestamp #{index} is broken ({error})")
    line = timestamp_check(status)
    return Check(name, line.ok, f"Tài liệu #{index}: {line.vi}", f"document #{index}: {line.en}")


def extraction_check(embedded: str | None, recorded: str | None, expected: str | None) -> Check:
    """The embedded extraction JSON matches the XMP record and, if given, the catalog's hash."""
    if embedded is None:
        if expected is None:
            return Check("extraction", True, "Không có dữ liệu trích xuất đính kèm (tệp ký thông thường)", "no embedded extraction (plain signed PDF)")
        return Check("extraction", False, "Thiếu dữ liệu trích xuất đính kèm", "embedded extraction JSON is missing")
    if recorded is not None and recorded != embedded:
        return Check("extraction", False, "Dữ liệu trích xuất không khớp siêu dữ liệu XMP", "embedded extraction does not match the XMP record")
    if expected is not None and expected != embedded:
        return Check("extraction", False, "Dữ liệu trích xuất không khớp danh mục", "embedded extraction does not match the catalog hash")
    return Check("extraction", True, "Dữ liệu trích xuất đính kèm khớp mã băm", "embedded extraction matches its recorded hash")
