"""The auditor's evidence bundle: everything needed to re-check a document offline.

The zip holds the signed PDF exactly as stored, the verification report as JSON
and as a readable HTML page, the trust anchors the verification used, and the
document's audit entries with their hash links and the chain verification.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from sohoa.model import StoredDocument

from api import backend
from api.deps import Services
from api.templating import render


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()


def build_zip(svc: Services, doc: StoredDocument, lang: str) -> bytes:
    pdf = backend.pdf_bytes(svc, doc.id)
    report = backend.verify_bytes(svc, pdf, doc.extraction_sha256)
    proof = backend.audit_proof(svc, doc)
    html = render("report.html", lang, doc=doc, report=report, proof=proof)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(f"{doc.id}.pdf", pdf)
        bundle.writestr("verification.json", _json(report.to_json()))
        bundle.writestr("verification.html", html.encode())
        for name, data in backend.trust_anchors(svc):
            bundle.writestr(f"trust-anchors/{name}", data)
        bundle.writestr("audit.json", _json(proof))
    return buffer.getvalue()
