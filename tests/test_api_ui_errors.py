"""Errors on the review UI's browser routes are pages in the visitor's language; the JSON API keeps JSON."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.fixtures_api import ApiHarness
from tests.fixtures_signing import SAMPLE_META, sample_extraction


def _sign_in(api: ApiHarness, role: str) -> None:
    client_id, _, secret = api.keys[role].partition(".")
    answer = api.client.post("/ui/login", data={"client_id": client_id, "client_secret": secret})
    assert answer.status_code == 200 and "sohoa_session" in api.client.cookies


def _is_page(answer: object, status: int, *texts: str) -> None:
    assert answer.status_code == status  # type: ignore[attr-defined]
    assert answer.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    for text in texts:
        assert text in answer.text, answer.text  # type: ignore[attr-defined]


def test_not_found_validation_and_conflict_are_pages(api_signed: ApiHarness, result_pdf: Path) -> None:
    store = api_signed.app.state.services.store()
    draft = store.store_draft(result_pdf, sample_extraction(), SAMPLE_META, hashlib.sha256(b"ui-errors").hexdigest())
    _sign_in(api_signed, "staff")
    client = api_signed.client

    _is_page(client.get("/ui/review/khong-co"), 404, "Không tìm thấy", '<html lang="vi">', "Quay lại hàng chờ duyệt")
    _is_page(client.get("/ui/khong-co-trang-nay"), 404, "Không tìm thấy")
    _is_page(client.post(f"/ui/review/{draft.id}/reject", data={"reason": "x"}), 422, "Dữ liệu nhập không hợp lệ", "reason")
    assert client.post(f"/ui/review/{draft.id}/reject", data={"reason": "ảnh mờ"}).status_code == 200  # back to the queue
    assert store.get(draft.id).status.value == "rejected"
    _is_page(client.post(f"/ui/review/{draft.id}/reject", data={"reason": "lần hai"}), 409,
             "Hồ sơ đã thay đổi trạng thái", "Tài liệu không còn chờ duyệt")  # fmt: skip

    _is_page(client.get("/ui/review/khong-co", params={"lang": "en"}), 404, "Not found", "Document not found")
    as_json = client.get("/v1/review/khong-co", headers=api_signed.as_role("staff"))
    assert as_json.status_code == 404 and as_json.json()["code"] == "not_found"


def test_a_session_without_review_rights_gets_a_403_page(api_offline: ApiHarness) -> None:
    client_id, _, secret = api_offline.keys["portal"].partition(".")
    token = api_offline.client.post("/v1/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                       "client_secret": secret}).json()["access_token"]  # fmt: skip
    api_offline.client.cookies.set("sohoa_session", token)
    try:
        _is_page(api_offline.client.get("/ui/queue"), 403, "Không có quyền thực hiện", "portal")
    finally:
        api_offline.client.cookies.clear()
