"""Fixtures of the flows tests (registered in conftest.py).

Prefect runs against one session-scoped test server (``prefect_test_harness``,
its own temporary SQLite database), started only when a flow test asks for it.
Batches are tiny folders built from the committed synthetic samples; a
``variant`` of a sample has the same pixels and different bytes, so it is a
distinct document that costs the same OCR.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, PngImagePlugin

from sohoa.settings import PROJECT_ROOT, Settings
from tests.fixtures_signing import DevPkiFixture

SAMPLES = PROJECT_ROOT / "samples"
CCCD = SAMPLES / "HS-2026-0001" / "cccd-mat-truoc.png"  # auto-approved: QR confirms the printed fields
NOTICE = SAMPLES / "HS-2026-0002" / "thong-bao.png"  # an administrative notice

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="sohoa-prefect-tests-"))


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect test server (temporary database) for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def variant(source: Path, target: Path, tag: str) -> Path:
    """A copy of a PNG sample with a text chunk added: same page, different bytes and hash."""
    info = PngImagePlugin.PngInfo()
    info.add_text("sohoa-variant", tag)
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as img:
        img.save(target, pnginfo=info, dpi=img.info.get("dpi", (300, 300)))
    return target


def corrupt_pdf(target: Path) -> Path:
    """A PDF cut off after its header: what a failed scanner upload looks like."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pa")
    return target


@pytest.fixture
def flow_settings(settings: Settings, dev_pki: DevPkiFixture) -> Settings:
    """The test's settings (session MinIO, own buckets and var/) signing with the session PKI, two OCR workers."""
    return dev_pki.signing_settings(settings, workers=2)


def prefect_api_url() -> str:
    """The running test server's API URL (inside ``prefect_server``), for child processes."""
    from prefect.settings import get_current_settings

    return str(get_current_settings().api.url)


def cccd_without_qr(target: Path) -> Path:
    """The sample CCCD with its QR code painted over: nothing confirms the printed fields, so it needs review."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(CCCD) as img:
        page = img.copy()
    ImageDraw.Draw(page).rectangle((1060, 180, page.width, 460), fill=255)
    page.save(target, dpi=(400, 400))
    return target
