"""Interface texts of the review UI and the evidence report: Vietnamese first, English switchable.

A page's language comes from ``?lang=``, else the ``lang`` cookie, else
Vietnamese. A missing key is a programming error and fails loudly in tests.
"""

from __future__ import annotations

from collections.abc import Callable

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"

TEXTS: dict[str, tuple[str, str]] = {
    "app_title": ("Số hoá hồ sơ", "Document digitisation"),
    "login": ("Đăng nhập", "Sign in"),
    "logout": ("Đăng xuất", "Sign out"),
    "client_id": ("Mã ứng dụng", "Client ID"),
    "client_secret": ("Khoá bí mật", "Client secret"),
    "queue": ("Hàng chờ duyệt", "Review queue"),
    "queue_empty": ("Không có hồ sơ nào chờ duyệt.", "Nothing is waiting for review."),
    "batches": ("Tải lô hồ sơ", "Batch upload"),
    "upload": ("Tải lên và xử lý", "Upload and process"),
    "upload_help": (
        "Chọn các tệp ảnh/PDF hoặc một tệp ZIP (có thể kèm manifest.csv).",
        "Choose image/PDF files or one ZIP (a manifest.csv may be included).",
    ),
    "batch": ("Lô", "Batch"),
    "progress": ("Tiến độ", "Progress"),
    "state": ("Trạng thái", "State"),
    "document": ("Tài liệu", "Document"),
    "doc_type": ("Loại giấy tờ", "Document type"),
    "owner": ("Chủ sở hữu", "Owner"),
    "field": ("Trường", "Field"),
    "value": ("Giá trị", "Value"),
    "confidence": ("Độ tin cậy", "Confidence"),
    "source": ("Nguồn", "Source"),
    "low_confidence": ("Độ tin cậy thấp", "Low confidence"),
    "disagreement": ("Các nguồn không khớp", "Sources disagree"),
    "alternatives": ("Giá trị khác", "Other values"),
    "approve": ("Duyệt và ký số", "Approve and sign"),
    "reject": ("Từ chối", "Reject"),
    "reason": ("Lý do", "Reason"),
    "page": ("Trang", "Page"),
    "open": ("Mở", "Open"),
    "keys_help": (
        "Phím tắt: j/k chọn trường, Enter sửa, Alt+A duyệt, Alt+R từ chối.",
        "Keys: j/k move between fields, Enter edits, Alt+A approves, Alt+R rejects.",
    ),
    "approved": ("Đã duyệt, ký số và lưu trữ", "Approved, signed and stored"),
    "rejected": ("Đã từ chối", "Rejected"),
    "report": ("Báo cáo kiểm tra chữ ký", "Signature verification report"),
    "verdict": ("Kết luận", "Verdict"),
    "check": ("Kiểm tra", "Check"),
    "result": ("Kết quả", "Result"),
    "signer": ("Người ký", "Signer"),
    "signed_at": ("Thời điểm ký", "Signed at"),
    "timestamp_at": ("Dấu thời gian", "Timestamp"),
    "level": ("Mức chữ ký", "Signature level"),
    "audit_chain": ("Chuỗi nhật ký truy cập", "Audit chain"),
    "yes": ("Đạt", "Pass"),
    "no": ("Không đạt", "Fail"),
    "unknown": ("Chưa xác định", "Undetermined"),
    "language": ("English", "Tiếng Việt"),
    "error_400": ("Yêu cầu không hợp lệ", "Bad request"),
    "error_403": ("Không có quyền thực hiện", "Not allowed"),
    "error_404": ("Không tìm thấy", "Not found"),
    "error_409": ("Hồ sơ đã thay đổi trạng thái", "The document's state has changed"),
    "error_413": ("Tệp tải lên quá lớn", "Upload too large"),
    "error_422": ("Dữ liệu nhập không hợp lệ", "Invalid input"),
    "error_429": ("Quá nhiều yêu cầu", "Too many requests"),
    "error_other": ("Đã xảy ra lỗi", "Something went wrong"),
    "back_to_queue": ("Quay lại hàng chờ duyệt", "Back to the review queue"),
    "change_type": ("Đổi loại giấy tờ", "Change document type"),
    "type_changed": ("Đã đổi loại giấy tờ và trích xuất lại các trường", "Document type changed; fields extracted again"),
}
ERROR_TITLES = frozenset({400, 403, 404, 409, 413, 422, 429})


def pick_lang(query: str | None, cookie: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    return DEFAULT_LANG


def translator(lang: str) -> Callable[[str], str]:
    """``t(key)`` for templates: the text in ``lang``."""
    index = LANGS.index(lang)
    return lambda key: TEXTS[key][index]
