"""The catalog on SQLite and PostgreSQL: portal queries, superseding, revocation, reindex, reconcile."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from sohoa.errors import NotFoundError
from sohoa.model import DocType, DocumentMeta, DocumentStatus
from storage import Storage
from storage.catalog import migrate
from storage.render import find_json, find_table
from storage.schema import documents
from tests.fixtures_storage import MakeDocument, cccd_values, store

AN = "079301234567"
BINH = "001099012345"
ENTERPRISE = "0312345678"


def _t(day: int) -> datetime:
    return datetime(2026, 3, day, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def populated(storage: Storage, make_document: MakeDocument) -> dict[str, str]:
    """A small register: two CCCDs of An (the second supersedes), a birth certificate,
    Bình's expired CCCD, an enterprise's registration under another procedure, one revoked."""
    ids = {}
    ids["an_old"] = store(storage, make_document("an-cccd-2021", signed_at=_t(1), values=cccd_values(AN, "NGUYỄN THỊ AN", "2031-05-01"))).id
    ids["an_new"] = store(storage, make_document("an-cccd-2026", signed_at=_t(2), values=cccd_values(AN, "NGUYỄN THỊ AN", "2041-05-01"))).id
    birth = {"full_name": "Nguyễn Thị An", "date_of_birth": "1990-05-01", "id_number": AN, "registration_date": "1990-06-01"}
    ids["an_birth"] = store(storage, make_document("an-birth", DocType.BIRTH_CERTIFICATE, birth, signed_at=_t(3))).id
    ids["binh_expired"] = store(storage, make_document("binh-cccd", signed_at=_t(4), values=cccd_values(BINH, "TRẦN VĂN BÌNH", "2025-01-01"))).id
    company = {"enterprise_name": "CÔNG TY TNHH SỐ HOÁ", "enterprise_code": ENTERPRISE, "first_registration_date": "2015-02-03"}
    meta = DocumentMeta(procedure_code="2.002", dossier_code="HS-9", agency="Sở KH&ĐT")
    ids["company"] = store(storage, make_document("company-reg", DocType.BUSINESS_REGISTRATION, company, signed_at=_t(5), meta=meta)).id
    revoked_values = {**company, "enterprise_code": "0399999999", "enterprise_name": "CÔNG TY CŨ"}
    ids["revoked"] = store(storage, make_document("old-company", DocType.BUSINESS_REGISTRATION, revoked_values, signed_at=_t(6))).id
    storage.revoke(ids["revoked"], "Cấp nhầm / issued in error")
    return ids


def _answers(storage: Storage) -> dict[str, object]:
    """Every portal query the tests compare, as plain JSON-able results."""
    def ids(docs: list) -> list[str]:  # type: ignore[type-arg]
        return [d.id for d in docs]

    return {
        "an_all": ids(storage.find(AN)),
        "an_cccd": ids(storage.find(AN, DocType.CCCD_FRONT)),
        "an_valid_2035": ids(storage.find(AN, valid_on=date(2035, 1, 1))),
        "binh_valid_today": ids(storage.find(BINH, valid_on=date(2026, 6, 1))),
        "binh_all": ids(storage.find(BINH)),
        "company_by_procedure": ids(storage.find(ENTERPRISE, procedure="2.002")),
        "company_other_procedure": ids(storage.find(ENTERPRISE, procedure="9.999")),
        "paged": ids(storage.find(AN, limit=1, offset=1)),
        "rows": [(d.id, d.status, d.superseded_by, d.revoked_reason, d.owner_name, d.valid_until, d.fields, d.signed_at,
                  d.meta, d.sha256, d.pdf_key) for d in storage.catalog.all()],
    }


def test_portal_queries(storage: Storage, populated: dict[str, str]) -> None:
    answers = _answers(storage)
    assert answers["an_all"] == [populated["an_birth"], populated["an_new"]]
    assert answers["an_cccd"] == [populated["an_new"]]
    assert answers["an_valid_2035"] == [populated["an_birth"], populated["an_new"]]
    assert answers["binh_valid_today"] == []
    assert answers["binh_all"] == [populated["binh_expired"]]
    assert answers["company_by_procedure"] == [populated["company"]]
    assert answers["company_other_procedure"] == []
    assert answers["paged"] == [populated["an_new"]]
    assert storage.find("079 301 234 567") == storage.find(AN)  # owner ids are normalised


def test_superseded_and_revoked_are_kept(storage: Storage, populated: dict[str, str]) -> None:
    old = storage.get(populated["an_old"])
    assert old.status == DocumentStatus.SUPERSEDED and old.superseded_by == populated["an_new"]
    revoked = storage.get(populated["revoked"])
    assert revoked.status == DocumentStatus.REVOKED and revoked.revoked_reason == "Cấp nhầm / issued in error"
    assert storage.pdf_bytes(populated["revoked"]).startswith(b"%PDF")  # nothing is deleted
    with pytest.raises(NotFoundError):
        storage.get("no-such-document")


def test_reindex_round_trip(storage: Storage, populated: dict[str, str]) -> None:
    before = _answers(storage)
    with storage.catalog.engine.begin() as conn:  # lose the whole catalog database
        for table in ("documents", "audit_entries", "audit_checkpoint_claim", "alembic_version"):
            conn.execute(sa.text(f"DROP TABLE {table}"))
    migrate(storage.catalog.engine)
    assert storage.catalog.ids() == set()
    assert storage.reindex() == len(populated)
    assert _answers(storage) == before


def test_reconcile_completes_an_orphan(storage: Storage, populated: dict[str, str], make_document: MakeDocument) -> None:
    orphan = store(storage, make_document("crashed-before-row", signed_at=_t(9), values=cccd_values(AN, "NGUYỄN THỊ AN", "2046-01-01")))
    expected = _answers(storage)
    with storage.catalog.engine.begin() as conn:  # the crash: object and manifest written, row lost, old one not yet superseded
        conn.execute(documents.delete().where(documents.c.id == orphan.id))
        conn.execute(documents.update().where(documents.c.id == populated["an_new"]).values(status="active", superseded_by=None))
    assert storage.find(AN, DocType.CCCD_FRONT)[0].id == populated["an_new"]
    assert storage.reconcile() == 1
    assert storage.reconcile() == 0
    assert _answers(storage) == expected


def test_find_for_cli_renders_contract_json(storage: Storage, populated: dict[str, str]) -> None:
    found = storage.find_for_cli(AN, "cccd_front")
    payload = json.loads(json.dumps(find_json(found)))
    (entry,) = payload["documents"]
    assert entry["id"] == populated["an_new"]
    assert entry["doc_type"] == "cccd_front" and entry["owner_id"] == AN
    assert entry["fields"]["expiry_date"] == "2041-05-01"
    assert entry["signed_at"] == "2026-03-02T08:00:00Z"
    assert len(entry["sha256"]) == 64
    assert "NGUYỄN THỊ AN" in find_table(found)
    assert [e.action for e in storage.audit.entries_for_owner(AN)] == ["find"]


def test_draft_then_signed_is_one_document(storage: Storage, make_document: MakeDocument) -> None:
    prepared = make_document("needs-review", signed_at=_t(7))
    draft = storage.store_draft(prepared.signed.pdf_path, prepared.extraction, prepared.meta, prepared.original_sha256)
    assert draft.status == DocumentStatus.DRAFT and draft.signer is None
    assert storage.find(AN) == []  # drafts are not served to portals
    signed = store(storage, prepared)
    assert (signed.id, signed.status) == (draft.id, DocumentStatus.ACTIVE)
    assert storage.reindex() == 1  # the draft manifest stays in the store, the signed one wins
    assert storage.get(draft.id) == signed


def test_backfilled_older_card_does_not_replace_the_current_one(storage: Storage, make_document: MakeDocument) -> None:
    current = store(storage, make_document("card-2026", signed_at=_t(1), values=cccd_values(AN, "NGUYỄN THỊ AN", "2041-05-01")))
    older = store(storage, make_document("card-2016", signed_at=_t(2), values=cccd_values(AN, "NGUYỄN THỊ AN", "2031-05-01")))
    assert (older.status, older.superseded_by) == (DocumentStatus.SUPERSEDED, current.id)
    assert [d.id for d in storage.find(AN, DocType.CCCD_FRONT)] == [current.id]
    before = storage.catalog.all()
    storage.reindex()
    assert storage.catalog.all() == before


def test_reconcile_completes_a_half_done_revocation(storage: Storage, populated: dict[str, str]) -> None:
    expected = _answers(storage)
    with storage.catalog.engine.begin() as conn:  # the crash: revocation record stored, catalog not updated
        conn.execute(
            documents.update()
            .where(documents.c.id == populated["revoked"])
            .values(status="active", revoked_reason=None)
        )
    assert storage.reconcile() == 1
    assert storage.reconcile() == 0
    assert _answers(storage) == expected


def test_review_retypes_then_rejects_a_draft_only(storage: Storage, make_document: MakeDocument) -> None:
    """A reviewer's type correction applies to drafts only; a rejected draft keeps its row and reason."""
    prepared = make_document("review-draft")
    draft = storage.store_draft(prepared.signed.pdf_path, prepared.extraction, prepared.meta, prepared.original_sha256)
    storage.catalog.retype_draft(draft.id, DocType.ADMINISTRATIVE_DOCUMENT)
    assert storage.get(draft.id).doc_type is DocType.ADMINISTRATIVE_DOCUMENT
    assert [d.id for d in storage.catalog.in_status(DocumentStatus.DRAFT)] == [draft.id]
    storage.catalog.mark_rejected(draft.id, "rejected in review: ảnh mờ")
    rejected = storage.get(draft.id)
    assert (rejected.status, rejected.revoked_reason) == (DocumentStatus.REJECTED, "rejected in review: ảnh mờ")
    assert storage.catalog.in_status(DocumentStatus.DRAFT) == []
    storage.catalog.retype_draft(draft.id, DocType.OTHER)  # no longer a draft: unchanged
    assert storage.get(draft.id).doc_type is DocType.ADMINISTRATIVE_DOCUMENT


def test_rejected_draft_stays_rejected_through_reconcile_and_out_of_the_queue_after_reindex(
    storage: Storage, make_document: MakeDocument
) -> None:
    """The review's reject: a locked revocation record beside the draft's manifest, then status ``rejected``."""
    prepared = make_document("rejected-draft")
    draft = storage.store_draft(prepared.signed.pdf_path, prepared.extraction, prepared.meta, prepared.original_sha256)
    storage.revoke(draft.id, "rejected in review: ảnh mờ")
    storage.catalog.mark_rejected(draft.id, "rejected in review: ảnh mờ")
    assert storage.reconcile() == 0  # the revocation record is already reflected by the rejection
    assert storage.get(draft.id).status is DocumentStatus.REJECTED
    assert storage.reindex() == 1  # the store alone: the draft's revocation record takes it out of the queue
    rebuilt = storage.get(draft.id)
    assert (rebuilt.status, rebuilt.revoked_reason) == (DocumentStatus.REVOKED, "rejected in review: ảnh mờ")
