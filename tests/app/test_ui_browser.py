"""The chat in a real browser (Debian's Chromium driven by Playwright) against the real server."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect, sync_playwright

from tests.conftest import ROOT, STAFF_KEY

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

    land = "Quel levier du plan concerne l'accès au foncier ?"
    ask(page, land)
    chat = page.locator("#chat")
    expect(chat.get_by_text("Travailler avec les collectivités / EPCI").first).to_be_visible(timeout=30_000)
    api = httpx.post(f"{server}/api/ask", json={"question": land}, timeout=30).json()  # the same answer
    expect(chat.locator(".bot-row").last).to_contain_text(api["answer"].split("\n")[1])
    expect(chat.locator(".bot-row").last.locator(".source-card")).to_have_count(min(3, len(api["citations"])))
    card = chat.locator(".source-card").first
    expect(card).to_contain_text("p. 4")
    expect(card).to_contain_text("III. Accompagner les OLS")
    link = card.locator("a").first
    assert (link.get_attribute("href", timeout=5_000) or "").endswith(".pdf#page=4")
    save(page, "chat-desktop.png")

    ask(page, "Quelle est la capitale de l'Australie ?")
    expect(chat.get_by_text("ne répondent pas à cette question").first).to_be_visible(timeout=30_000)
    expect(chat.get_by_text("Raison")).to_have_count(0)  # the internal reason is for the log and the API
    suggestion = chat.get_by_role("button", name="Que disent les documents sur").first
    asked = (suggestion.inner_text() or "").strip()
    suggestion.click()  # a suggested question is asked by a click, and answered
    expect(chat.get_by_text(asked).last).to_be_visible(timeout=30_000)
    expect(chat.locator(".source-card").last).to_be_visible(timeout=30_000)

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


def _in_view(page: Page, locator: Locator) -> bool:
    """Whether the element's first line is visible: inside the window and inside the chat's own
    scrolling area."""
    return bool(
        locator.evaluate(
            """(element) => {
              const line = element.getBoundingClientRect().top + 16;
              const area = element.closest('.bubble-wrap').getBoundingClientRect();
              return line >= Math.max(0, area.top) && line < Math.min(window.innerHeight, area.bottom);
            }"""
        )
    )


@pytest.mark.parametrize("viewport", [ViewportSize(width=1366, height=900), ViewportSize(width=400, height=800)])
def test_the_newest_answer_arrives_in_view_and_an_example_click_asks_it(
    browser: Browser, server: str, viewport: ViewportSize
) -> None:
    page = browser.new_page(viewport=viewport, is_mobile=viewport["width"] < 500)
    page.goto(server, wait_until="load")
    chat = page.locator("#chat")
    ask(page, "Quel levier du plan concerne l'accès au foncier ?")
    expect(chat.get_by_text("Source 3")).to_be_visible(timeout=30_000)
    page.get_by_text("Combien de ménages attendent un logement social ?").first.click()  # asks, no Envoyer
    answer = chat.get_by_text("107 500 ménages").first
    expect(answer).to_be_attached(timeout=30_000)
    page.wait_for_timeout(500)  # the scroll runs once the answer is complete
    newest = chat.locator(".bot-row").last
    assert _in_view(page, newest), "the newest answer's first line is out of view"
    page.close()


def test_the_chat_is_french_and_the_api_documentation_works_offline(browser: Browser, server: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
    page.goto(server, wait_until="load")
    ask(page, "Combien de ménages attendent un logement social ?")
    expect(page.locator("#chat").get_by_text("107 500 ménages").first).to_be_visible(timeout=30_000)
    labels = page.evaluate(
        """Array.from(document.querySelectorAll('[aria-label], [title], button, footer a'))
             .flatMap(e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.innerText])"""
    )
    english = {"Clear", "Copy", "Copy message", "Copy conversation", "Like", "Dislike", "Use via API", "Settings"}
    assert not english & {label.strip() for label in labels if label}
    assert "Built with Gradio" not in page.locator("body").inner_text()
    assert page.evaluate("document.documentElement.lang") == "fr"
    for docs in ("docs", "redoc"):  # their scripts come from the server, not a CDN
        page.goto(f"{server}/{docs}", wait_until="load")
        expect(page.get_by_text("/api/ask/stream").first).to_be_visible(timeout=15_000)
    page.close()


def _feedback_rows(base: str) -> list[dict[str, Any]]:
    export = httpx.get(f"{base}/api/feedback/export", params={"format": "jsonl"}, headers=STAFF_KEY, timeout=10)
    return [json.loads(line) for line in export.text.splitlines() if line]


def _rate(page: Page, liked: bool, comment: str = "") -> None:
    if comment:
        page.locator("#comment textarea").fill(comment)
    name = "Réponse utile" if liked else "Réponse pas utile"
    page.locator("#chat").get_by_role("button", name=name, exact=True).last.click()


def test_each_verdict_is_stored_with_the_answer_it_rates(browser: Browser, staff: tuple[str, Path]) -> None:
    """Across an error message, the chat's own trash icon and a new conversation, each 👍/👎 is
    stored with its own question, answer, citations and only the comment typed for it."""
    base, _ = staff
    before = len(_feedback_rows(base))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base, wait_until="load")
    chat, thanks = page.locator("#chat"), page.locator("#thanks")
    asked = [
        ("Combien de ménages attendent un logement social ?", "107 500 ménages", True, "Très utile"),
        ("Quel levier du plan concerne l'accès au foncier ?", "observatoires du foncier", False, ""),
        ("Quand ont eu lieu les deuxièmes assises régionales du logement ?", "19 décembre 2024", True, ""),
        ("Des bureaux vides, on peut en faire du logement social ?", "changement d'usage", False, "Incomplet"),
    ]
    for number, (question, expected, liked, comment) in enumerate(asked):
        if number == 1:  # an error message first, then a rating on it: nothing stored
            ask(page, "x" * 1200)
            expect(chat.get_by_text("1000 caractères au plus").first).to_be_visible(timeout=30_000)
            _rate(page, True)
            expect(thanks).to_contain_text("aucune réponse", timeout=10_000)
        if number == 2:
            chat.get_by_role("button", name="Effacer la conversation").click()
        if number == 3:
            page.locator("#new-conversation").click()
        ask(page, question)
        expect(chat.get_by_text(expected).first).to_be_visible(timeout=30_000)
        if number % 2:  # the others are rated while the answer may still be arriving, as a hurried official would
            expect(chat.locator(".bot-row").last.locator(".source-card").first).to_be_visible(timeout=30_000)
        _rate(page, liked, comment)
        expect(thanks).to_contain_text("Merci", timeout=10_000)
        expect(page.locator("#comment textarea")).to_have_value("")  # cleared once sent
    page.close()
    rows = _feedback_rows(base)[before:]
    assert [(row["rating"], row["question"], row["comment"]) for row in rows] == [
        ("up" if liked else "down", question, comment) for question, _, liked, comment in asked
    ]
    for row, (_, expected, _, _) in zip(rows, asked, strict=True):
        assert expected in row["answer"] and not row["refused"]
        assert any(expected in citation["text"] for citation in row["citations"])
