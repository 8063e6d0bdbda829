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
    assert rejected.status_code == 200 and rejected.json()["status"] == "revoked"
    assert client.get("/v1/review", headers=staff).json()["documents"] == []
    again = client.post(f"/v1/review/{draft.id}/reject", json={"reason": "lần hai"}, headers=staff)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
