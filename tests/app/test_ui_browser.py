"""The chat in a real browser (Debian's Chromium driven by Playwright) against the real server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is installed by `make test`"),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def ask(page: Page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def save(page: Page, name: str) -> None:
    """Screenshots are test artifacts; the README's copies in docs/screenshots/ are refreshed by hand."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_official_asks_checks_sources_and_browses_the_plan(browser: Browser, server: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server, wait_until="load")
    expect(page.get_by_text("Assistant Plan Logement Occitanie").first).to_be_visible()

    ask(page, "Quel levier du plan concerne l'accès au foncier ?")
    chat = page.locator("#chat")
    expect(chat.get_by_text("Travailler avec les collectivités / EPCI").first).to_be_visible(timeout=30_000)
    card = chat.locator(".source-card").first
    expect(card).to_contain_text("p. 4")
    expect(card).to_contain_text("III. Accompagner les OLS")
    link = card.locator("a").first
    assert (link.get_attribute("href", timeout=5_000) or "").endswith(".pdf#page=4")
    save(page, "chat-desktop.png")

    page.get_by_text("Combien de ménages attendent un logement social ?").first.click()
    page.locator("#send").click()
    expect(chat.get_by_text("107 500 ménages").first).to_be_visible(timeout=30_000)

    ask(page, "Quelle est la capitale de l'Australie ?")
    expect(chat.get_by_text("Les documents ne répondent pas à cette question").first).to_be_visible(timeout=30_000)

    page.get_by_role("tab", name="Parcourir les documents").click()
    expect(page.locator("#outline").get_by_text("III. Accompagner les OLS dans l’accès au foncier")).to_be_visible()
    expect(page.locator("#outline").get_by_text("Chiffres clés", exact=True)).to_be_visible()
    page.close()


def test_phone_width_and_keyboard(browser: Browser, server: str) -> None:
    page = browser.new_page(viewport={"width": 400, "height": 860}, is_mobile=True)
    page.goto(server, wait_until="load")
    page.locator("#question textarea").focus()
    page.keyboard.type("des bureaux vides, on peut en faire des HLM ?")
    page.keyboard.press("Enter")
    expect(page.locator("#chat .source-card").first).to_be_visible(timeout=30_000)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 410, f"the page scrolls sideways at phone width ({width}px)"
    save(page, "chat-phone.png")
    page.close()


def test_feedback_is_stored_and_exported(browser: Browser, staff: tuple[str, Path]) -> None:
    base, _ = staff
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base, wait_until="load")
    ask(page, "Combien de ménages attendent un logement social ?")
    chat = page.locator("#chat")
    expect(chat.get_by_text("107 500 ménages").first).to_be_visible(timeout=30_000)
    page.locator("#comment textarea").fill("Très utile pour le conseil communautaire")
    chat.get_by_role("button", name="Like").first.click()
    expect(page.locator("#thanks")).to_contain_text("Merci", timeout=10_000)
    page.close()
