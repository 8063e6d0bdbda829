"""Portal and auditor routes against the real store, the real PKI and a really signed PDF."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx

from tests.fixtures_api import PORTAL_PROCEDURES, ApiHarness, store_signed_pdf
from tests.fixtures_signing import SAMPLE_META

OWNER = "0312345678"  # the sample's enterprise code
PURPOSE = "giải quyết thủ tục cấp phép"


def _query(**extra: str) -> dict[str, str]:
    return {"owner_id": OWNER, "purpose": PURPOSE, "for_procedure": PORTAL_PROCEDURES[0], **extra}


def test_find_get_reuse_and_access_log(api_signed: ApiHarness, signed_pdf: Path) -> None:
    doc = store_signed_pdf(api_signed, signed_pdf, "scan-a")
    client, portal = api_signed.client, api_signed.as_role("portal")

    page = client.get("/v1/documents", params=_query(), headers=portal).json()
    assert [d["id"] for d in page["documents"]] == [doc.id] and page["next_offset"] is None
    found = page["documents"][0]
    assert found["fields"]["enterprise_code"] == OWNER
    assert found["signature"]["sha256"] == doc.sha256 and found["signature"]["signer"] == "officer"
    assert found["procedure_code"] == SAMPLE_META.procedure_code

    one = client.get(f"/v1/documents/{doc.id}", params={"purpose": PURPOSE, "for_procedure": PORTAL_PROCEDURES[0]}, headers=portal)
    assert one.status_code == 200 and one.json()["id"] == doc.id

    reuse = {"dossier_code": "HS-2026-1", "procedure": PORTAL_PROCEDURES[1], "purpose": "cấp giấy phép con", "request_reference": "YC-77"}
    assert client.post(f"/v1/documents/{doc.id}/reuse", json=reuse, headers=portal).status_code == 200

    log = client.get(f"/v1/owners/{OWNER}/access-log", params={"purpose": "công dân tra cứu"}, headers=portal).json()
    actions = [(e["actor"], e["action"], e["purpose"]) for e in log["entries"]]
    assert actions == [
        ("test-portal", "reuse", "cấp giấy phép con"),
        ("test-portal", "read", PURPOSE),
        ("test-portal", "find", PURPOSE),
    ]


def test_filters_and_paging(api_signed: ApiHarness, signed_pdf: Path) -> None:
    ids = {store_signed_pdf(api_signed, signed_pdf, f"scan-{i}").id for i in range(3)}
    client, auditor = api_signed.client, api_signed.as_role("auditor")
    first = client.get("/v1/documents", params={**_query(limit="2")}, headers=auditor).json()
    second = client.get("/v1/documents", params={**_query(limit="2", offset="2")}, headers=auditor).json()
    assert first["next_offset"] == 2 and second["next_offset"] is None
    assert {d["id"] for d in first["documents"] + second["documents"]} == ids
    other_type = client.get("/v1/documents", params=_query(type="cccd_front"), headers=auditor).json()
    assert other_type["documents"] == []
    other_procedure = client.get("/v1/documents", params=_query(procedure="9.9"), headers=auditor).json()
    assert other_procedure["documents"] == []
    own_procedure = client.get("/v1/documents", params=_query(procedure=SAMPLE_META.procedure_code), headers=auditor).json()
    assert len(own_procedure["documents"]) == 3


def test_pdf_redirects_to_a_presigned_url_of_the_signed_pdf(api_signed: ApiHarness, signed_pdf: Path) -> None:
    doc = store_signed_pdf(api_signed, signed_pdf, "scan-pdf")
    response = api_signed.client.get(
        f"/v1/documents/{doc.id}/pdf", params={"purpose": PURPOSE, "for_procedure": PORTAL_PROCEDURES[0]},
        headers=api_signed.as_role("portal"), follow_redirects=False,
    )
    assert response.status_code == 307
    assert httpx.get(response.headers["location"]).content == signed_pdf.read_bytes()


def test_unknown_document_is_404_in_both_languages(api_signed: ApiHarness) -> None:
    response = api_signed.client.get("/v1/documents/nope", params={"purpose": PURPOSE}, headers=api_signed.as_role("auditor"))
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found" and body["vi"] == "Không tìm thấy tài liệu" and body["en"] == "Document not found"


def test_verification_and_evidence_bundle(api_signed: ApiHarness, signed_pdf: Path) -> None:
    doc = store_signed_pdf(api_signed, signed_pdf, "scan-ev")
    client, auditor = api_signed.client, api_signed.as_role("auditor")
    report = client.get(f"/v1/documents/{doc.id}/verification", params={"purpose": "kiểm toán"}, headers=auditor).json()
    assert report["verdict"] == "valid", report

    response = client.get(f"/v1/documents/{doc.id}/evidence", params={"purpose": "kiểm toán"}, headers=auditor)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    bundle = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(bundle.namelist())
    assert {f"{doc.id}.pdf", "verification.json", "verification.html", "audit.json"} <= names
    assert any(n.startswith("trust-anchors/") and n.endswith(".pem") for n in names)
    assert bundle.read(f"{doc.id}.pdf") == signed_pdf.read_bytes()
    assert json.loads(bundle.read("verification.json"))["verdict"] == "valid"
    proof = json.loads(bundle.read("audit.json"))
    assert proof["chain"]["ok"] is True
    assert [e["action"] for e in proof["entries"]] == ["evidence", "verify"]
    assert "Báo cáo kiểm tra chữ ký" in bundle.read("verification.html").decode()


def test_verify_upload(api_signed: ApiHarness, signed_pdf: Path) -> None:
    client, auditor = api_signed.client, api_signed.as_role("auditor")
    ok = client.post("/v1/verify", files={"file": ("doc.pdf", signed_pdf.read_bytes(), "application/pdf")}, headers=auditor)
    assert ok.status_code == 200 and ok.json()["verdict"] == "valid", ok.json()
    tampered = bytearray(signed_pdf.read_bytes())
    # A byte the signature covers (the signed XMP), not one in /Contents: a bit flipped in the CMS's
    # unsigned certificate bag (a spare copy of the CA certificate) rightly leaves the document valid.
    tampered[tampered.index(b"<sohoa:agency>") + len(b"<sohoa:agency>")] ^= 0x01
    bad = client.post("/v1/verify", files={"file": ("doc.pdf", bytes(tampered), "application/pdf")}, headers=auditor)
    assert bad.status_code == 200 and bad.json()["verdict"] != "valid"
    not_pdf = client.post("/v1/verify", files={"file": ("doc.pdf", b"hello", "application/pdf")}, headers=auditor)
    assert not_pdf.status_code == 422 and not_pdf.json()["code"] == "mislabelled_file"
