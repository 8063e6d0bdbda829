"""The staff review UI end to end in headless Chromium, on the real pipeline.

A staff member signs in, uploads a scan that needs review, watches the batch
finish, opens the draft from the review queue, corrects a field, approves; the
document is then signed, stored, and served to an auditor through the API.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Page, sync_playwright

from sohoa.settings import Settings
from storage.local_minio import free_port
from tests.fixtures_api import ApiHarness, harness
from tests.fixtures_flows import NOTICE, variant

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def served(flow_settings: Settings, prefect_server: None) -> Iterator[tuple[str, ApiHarness]]:
    """The app on a real loopback port (uvicorn in a thread), plus its keys."""
    for api in harness(flow_settings):
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(api.app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", api
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def browser_page() -> Iterator[Page]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield browser.new_page()
        browser.close()


def _sign_in(page: Page, base: str, api: ApiHarness) -> None:
    client_id, secret = api.keys["staff"].split(".", 1)
    page.goto(f"{base}/ui/login")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    page.fill("input[name=client_id]", client_id)
    page.fill("input[name=client_secret]", secret)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/ui/queue")


def _upload(page: Page, base: str, scan: Path) -> str:
    """Upload one scan; returns the draft's document id once the batch has finished."""
    page.goto(f"{base}/ui/batches")
    page.set_input_files("input[name=files]", str(scan))
    page.click("button[type=submit]:has-text('Tải lên')")
    page.wait_for_url(f"{base}/ui/batches/*")
    link = page.locator("a[href^='/ui/review/']")
    link.wait_for(timeout=600_000)  # the page refreshes itself every 2 s until the batch is done
    return str(link.get_attribute("href")).rsplit("/", 1)[1]


def test_review_queue_correct_approve_then_signed_and_queryable(
    served: tuple[str, ApiHarness], browser_page: Page, tmp_path: Path
) -> None:
    base, api = served
    page = browser_page
    _sign_in(page, base, api)
    document_id = _upload(page, base, variant(NOTICE, tmp_path / "thong-bao.png", "ui-test"))

    page.goto(f"{base}/ui/queue")
    page.click(f"a[data-doc='{document_id}']")
    page.wait_for_url(f"{base}/ui/review/{document_id}")
    assert page.locator("figure.page img").count() >= 1  # the cleaned page image the boxes refer to
    assert page.locator("input#f_document_number").input_value() == "12/TB-UBND"  # the notice's fields are shown
    assert page.locator(".box").count() >= 1  # every located field's box is drawn on the page image
    page.keyboard.press("j")  # keyboard: first field selected and its box highlighted
    assert page.locator(".box.active").count() <= 1
    page.fill("input#f_document_number", "13/TB-UBND")  # the reviewer's correction must be what is signed
    page.click("#approve")
    page.wait_for_url(lambda url: url.endswith(("done=approved", "/approve")), timeout=600_000)
    assert page.url == f"{base}/ui/queue?done=approved"
    assert "Đã duyệt, ký số và lưu trữ" in page.locator("[role=status]").inner_text()
    assert page.locator(f"a[data-doc='{document_id}']").count() == 0

    auditor = api.as_role("auditor")
    doc = api.client.get(f"/v1/documents/{document_id}", params={"purpose": "kiểm tra sau duyệt"}, headers=auditor).json()
    assert doc["status"] == "active" and doc["fields"]["document_number"] == "13/TB-UBND"
    assert doc["signature"]["signer"] and doc["signature"]["signed_at"]
    report = api.client.get(f"/v1/documents/{document_id}/verification", params={"purpose": "kiểm tra"}, headers=auditor)
    assert report.json()["verdict"] == "valid"
