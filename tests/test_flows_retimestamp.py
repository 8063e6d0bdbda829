"""Archive re-timestamping against the real MinIO, the real development PKI (TSA, OCSP, CRL) and Prefect.

A document signed at B-LTA is stored, then the ``retimestamp`` flow finds it due
(``retimestamp_after_days=0``), adds a document timestamp and stores the result
as a new object version: the old version must still be there byte for byte and
still refuse deletion, the new one must verify, the catalog, a reindex and the
audit log must follow it, and a second run (in the flow, then through
``sohoa retimestamp``) must change nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from minio.error import S3Error
from pyhanko.pdf_utils.reader import PdfFileReader

from signing.timestamps import newest_timestamp
from flows.maintenance import retimestamp_archive
from signing import sign_pdf, verify_pdf
from sohoa.model import Verdict
from sohoa.settings import Settings
from storage import Storage, open_storage
from tests.cli_run import settings_env
from tests.fixtures_flows import prefect_api_url
from tests.fixtures_signing import SAMPLE_META, sample_extraction


def _document_timestamps(path: Path) -> int:
    with path.open("rb") as f:
        return len(PdfFileReader(f, strict=False).embedded_timestamp_signatures)


def _versions(store: Storage, key: str) -> list[str]:
    bucket = store.settings.bucket_documents
    listed = store.objects.client.list_objects(bucket, prefix=key, include_version=True)
    return [o.version_id for o in listed if o.object_name == key]


@pytest.fixture
def archive_settings(flow_settings: Settings) -> Settings:
    return Settings(**{**flow_settings.model_dump(), "signature_level": "B-LTA", "retimestamp_after_days": 0})


def test_retimestamp_adds_a_locked_version_and_a_rerun_changes_nothing(
    archive_settings: Settings, result_pdf: Path, tmp_path: Path, prefect_server: None
) -> None:
    signed = sign_pdf(result_pdf, tmp_path / "signed.pdf", archive_settings)
    with open_storage(archive_settings) as store:
        before = store.store_signed(signed, sample_extraction(), SAMPLE_META, "ef" * 32)
        (old_version,) = _versions(store, before.pdf_key)

    first = retimestamp_archive(archive_settings)

    assert (first.surveyed, first.retimestamped, first.failed) == (1, (before.id,), ())
    with open_storage(archive_settings) as store:
        after, new_version = store.get(before.id), store.catalog.pdf_version(before.id)
        assert after.sha256 != before.sha256 and new_version not in (None, old_version)
        assert sorted(_versions(store, before.pdf_key)) == sorted([old_version, new_version])
        bucket = archive_settings.bucket_documents
        assert store.objects.get_bytes(bucket, before.pdf_key, version_id=old_version) == signed.pdf_path.read_bytes()
        with pytest.raises(S3Error) as refused:
            store.objects.client.remove_object(bucket, before.pdf_key, version_id=old_version)
        assert "WORM protected" in refused.value.message
        renewed = tmp_path / "renewed.pdf"
        renewed.write_bytes(store.pdf_bytes(before.id))
        report = verify_pdf(renewed, archive_settings, expected_extraction_sha256=after.extraction_sha256)
        assert (report.verdict, report.level) == (Verdict.VALID, "B-LTA"), report.checks
        assert _document_timestamps(renewed) == _document_timestamps(signed.pdf_path) + 1
        assert newest_timestamp(renewed).at > newest_timestamp(signed.pdf_path).at
        assert "retimestamp" in [e.action for e in store.audit.entries_for_owner(str(after.owner_id))]
        assert store.reindex() == 1  # the store alone says which version holds the document now
        assert (store.get(before.id).sha256, store.catalog.pdf_version(before.id)) == (after.sha256, new_version)

    again = retimestamp_archive(Settings(**{**archive_settings.model_dump(), "retimestamp_after_days": 1}))

    assert (again.surveyed, again.retimestamped, again.failed) == (0, (), ())
    env = {**os.environ, **settings_env(archive_settings), "SOHOA_RETIMESTAMP_AFTER_DAYS": "1",
           "SOHOA_PREFECT_API_URL": prefect_api_url()}
    cli = subprocess.run([sys.executable, "-m", "sohoa.cli", "retimestamp"], capture_output=True, env=env, timeout=600,
                         check=False)
    assert cli.returncode == 0, cli.stderr
    assert "re-timestamped: 0" in cli.stdout.decode()
    with open_storage(archive_settings) as store:
        assert len(_versions(store, before.pdf_key)) == 2
        assert store.get(before.id).sha256 == after.sha256
