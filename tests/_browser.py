"""Headless Chromium for the HTML report tests (Debian's ``chromium`` driven by Playwright).

Playwright's own browser download is never used (no network in tests): the system Chromium is
launched through ``executable_path``. Tests skip when either is missing; ``.ci/run`` installs both.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("FRAMESIFT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Where screenshots are kept (the CI run keeps this folder as its artifacts).
ARTIFACTS = Path(os.environ.get("FRAMESIFT_TEST_ARTIFACTS") or Path(__file__).resolve().parents[1] / "test-artifacts")


@contextmanager
def chromium_page(**context_options):
    """A fresh page; yields ``(page, problems, requests)``: console errors / page errors, URLs requested."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 1000}, **context_options)
            page = context.new_page()
            problems: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
            page.on("request", lambda r: requests.append(r.url))
            yield page, problems, requests
        finally:
            browser.close()


def check_report_page(page, problems: list[str], manifest: dict, screenshot: str) -> None:
    """The report shows every curve and every pick, and clicking a pick opens its full frame.

    ``manifest``: the manifest the page was made from (with its ``report`` curves). Saves a
    full-page screenshot under :data:`ARTIFACTS` after opening the last pick.
    """
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)
    assert problems == [], problems
    report = manifest["report"]
    n = len(report["candidates"]["time"])
    assert n > 0
    for name in report["channels"]:
        points = page.get_attribute(f"#curve-{name}", "points")
        assert points is not None, f"no curve for {name}"
        assert len(points.split()) == n, name
    assert "fused" in report["channels"]
    assert page.locator("#row-candidates .tick").count() == n
    assert page.locator("#row-events .event").count() == len(report["events"])
    assert page.locator("#row-events .event.transient").count() == sum(e["transient"] for e in report["events"])
    assert page.locator("#row-spans .span").count() == len(report["spans"])
    if report.get("visual_embedded") is not None:
        assert page.locator("#row-candidates circle.embedded").count() == len(report["visual_embedded"])
    frames = manifest["frames"]
    cards = page.locator(".pick")
    assert cards.count() == len(frames)
    assert page.locator(".pickline").count() == len(frames)
    for k, f in enumerate(frames):
        card = page.locator(f"#pick-{k}")
        assert card.get_attribute("data-index") == str(f["index"])
        assert (card.locator("img").get_attribute("src") or "").startswith("data:image/jpeg;base64,")
    assert page.locator("#detail").is_hidden()
    for k, f in enumerate(frames):
        # cards for even picks, the timeline markers for odd ones: both open the frame
        target = page.locator(f"#pick-{k}") if k % 2 == 0 else page.locator(f'circle.pickdot[data-pick="{k}"]')
        target.click()
        assert page.locator("#detail").is_visible()
        img = page.locator("#detail-image")
        assert img.get_attribute("data-index") == str(f["index"])
        width = page.evaluate("document.getElementById('detail-image').naturalWidth")
        assert width == min(f["resolution"][0], 1280), (width, f["resolution"])
        assert f"#{f['index']}" in page.locator("#detail-title").inner_text()
    assert problems == [], problems
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
