"""Open a page in headless Chromium (the Debian package) and measure what a reader would see.

Driven by Playwright's Python API with ``executable_path`` set to the system Chromium: no
browser is downloaded (``playwright install`` is never run). Each call starts Chromium with a
new, empty profile directory and the flags known to work in containers without a GPU.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip

# Run in the page: the document's width, every element that sticks out of its container
# (a parent that does not clip or scroll), every table container that would need its
# scroll bar, and every image's natural size.
MEASURE = """() => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const parent = el.parentElement;
    if (!parent) continue;
    const r = el.getBoundingClientRect(), p = parent.getBoundingClientRect();
    const clips = getComputedStyle(parent).overflowX !== 'visible';
    if (r.width > 0 && !clips && (r.right > p.right + 1 || r.left < p.left - 1)) {
      out.push(`${el.tagName}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)} ` +
               `in ${parent.tagName} ${Math.round(p.left)}..${Math.round(p.right)}: ` +
               (el.textContent || '').trim().slice(0, 60));
    }
  }
  const scrolled = [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => `${w.scrollWidth} > ${w.clientWidth}: ${w.textContent.trim().slice(0, 60)}`);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    viewport: window.innerWidth,
    overflowing: out,
    scrolled: scrolled,
    images: [...document.images].map(i => ({complete: i.complete, width: i.naturalWidth,
                                             alt: i.alt})),
    sections: document.querySelectorAll('section').length,
    title: document.title,
  };
}"""


@dataclass(frozen=True)
class PageCheck:
    """What the browser measured on one page; ``screenshot``: the full page as PNG."""

    measured: dict[str, Any]
    console_errors: list[str]
    screenshot: Path


def chromium_or_skip() -> Path:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: `make system-deps` installs the chromium package")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    return CHROMIUM


def check_pages(
    pages: dict[Path, Path], *, width: int = 1280, height: int = 900
) -> dict[Path, PageCheck]:
    """Open each page (html -> screenshot path) at ``width`` × ``height`` CSS pixels in one
    browser, measure it, save a full-page screenshot."""
    from playwright.sync_api import sync_playwright

    profile = Path(tempfile.mkdtemp(prefix="rentwatch-chromium-"))
    checks: dict[Path, PageCheck] = {}
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(profile), executable_path=str(chromium_or_skip()), headless=True,
                args=list(FLAGS), viewport={"width": width, "height": height},
                timeout=120_000,
            )  # fmt: skip
            try:
                for html, screenshot in pages.items():
                    errors: list[str] = []
                    page = context.new_page()
                    page.on("console", lambda m, e=errors: e.append(m.text)
                            if m.type == "error" else None)  # fmt: skip
                    page.on("pageerror", lambda x, e=errors: e.append(str(x)))
                    page.goto(html.resolve().as_uri(), wait_until="load", timeout=120_000)
                    measured = page.evaluate(MEASURE)
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot), full_page=True, timeout=120_000)
                    page.close()
                    checks[html] = PageCheck(measured, errors, screenshot)
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return checks
