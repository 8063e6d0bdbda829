"""Review routes (JSON) on a real draft: the queue, the draft's evidence, rejection, and what portals see."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.fixtures_api import ApiHarness
from tests.fixtures_signing import SAMPLE_META, sample_extraction


def test_draft_in_queue_with_evidence_then_rejected(api_signed: ApiHarness, result_pdf: Path) -> None:
    store = api_signed.app.state.services.store()
    draft = store.store_draft(result_pdf, sample_extraction(), SAMPLE_META, hashlib.sha256(b"draft-scan").hexdigest())
    client, staff = api_signed.client, api_signed.as_role("staff")

    assert [d["id"] for d in client.get("/v1/review", headers=staff).json()["documents"]] == [draft.id]
    shown = client.get(f"/v1/review/{draft.id}", headers=staff).json()
    fields = {f["name"]: f for f in shown["fields"]}
    assert shown["doc_type"] == "business_registration"
    assert fields["enterprise_code"]["value"] == "0312345678" and fields["enterprise_code"]["bbox"] == [10, 20, 300, 40]
    assert fields["enterprise_code"]["low_confidence"] is False and fields["enterprise_code"]["disagreement"] is False

    portal_view = client.get(f"/v1/documents/{draft.id}", params={"purpose": "xem", "for_procedure": "1.001234"},
                             headers=api_signed.as_role("portal"))  # fmt: skip
    assert portal_view.status_code == 404  # portals never see unsigned drafts

    rejected = client.post(f"/v1/review/{draft.id}/reject", json={"reason": "ảnh mờ, chụp lại"}, headers=staff)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert store.catalog.get(draft.id).revoked_reason == "rejected in review: ảnh mờ, chụp lại"
    assert client.get("/v1/review", headers=staff).json()["documents"] == []
    again = client.post(f"/v1/review/{draft.id}/reject", json={"reason": "lần hai"}, headers=staff)
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def _draft_with_ocr(api: ApiHarness, result_pdf: Path, tmp_path: Path) -> str:
    """A draft whose original (a born-digital notice) has a real cached OCR result, as after ingestion."""
    from flows.steps import recognise_cached
    from sohoa.model import sha256_file
    from tests.fixtures_extract import born_digital_pdf

    lines = ["CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP",
             "Mã số doanh nghiệp: 0312345678", "Tên doanh nghiệp: CÔNG TY TNHH AN BÌNH"]  # fmt: skip
    original = born_digital_pdf(lines, tmp_path / "original.pdf")
    sha256 = sha256_file(original)
    settings = api.app.state.services.settings
    recognise_cached(original, sha256, settings)
    store = api.app.state.services.store()
    return str(store.store_draft(result_pdf, sample_extraction(), SAMPLE_META, sha256).id)


def test_type_correction_reextracts_and_is_signed_as_approved(api_signed: ApiHarness, result_pdf: Path,
                                                               tmp_path: Path) -> None:  # fmt: skip
    from extractors.fields.types import registry
    from sohoa.model import DocType

    draft_id = _draft_with_ocr(api_signed, result_pdf, tmp_path)
    client, staff = api_signed.client, api_signed.as_role("staff")
    retyped = client.post(f"/v1/review/{draft_id}/type", json={"doc_type": "administrative_document"}, headers=staff)
    assert retyped.status_code == 200, retyped.text
    wanted = list(registry()[DocType.ADMINISTRATIVE_DOCUMENT].schema.names)
    assert retyped.json()["doc_type"] == "administrative_document"
    assert [f["name"] for f in retyped.json()["fields"]] == wanted
    assert [f["name"] for f in client.get(f"/v1/review/{draft_id}", headers=staff).json()["fields"]] == wanted
    bad = client.post(f"/v1/review/{draft_id}/type", json={"doc_type": "passport"}, headers=staff)
    assert bad.status_code == 422

    approved = client.post(f"/v1/review/{draft_id}/approve", json={"fields": {}}, headers=staff)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["doc_type"]) == ("active", "administrative_document")
    audit = api_signed.app.state.services.store().audit
    actions = [e.action for e in audit.entries_for_owner("0312345678") if e.document_id == draft_id]
    assert "retype" in actions and "approve" in actions
