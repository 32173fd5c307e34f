"""
A report, end to end, on phones (issue 13, item 3).

Awa reports Kadidia's reply; Oumou has the thread open; Mariam, a moderator,
opens the review queue and hides the reply; it disappears from Oumou's open
page without a reload, and Awa is told the outcome (never by whom).
"""

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    Page = expect = None

SCREENSHOTS = "/tmp/e2e-report-{}.png"
OUTCOME = "Votre signalement a été examiné : le contenu a été masqué."


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def expect_live(page: Page) -> None:
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def test_a_reported_post_hidden_from_the_queue_disappears_live(site, sign_in):
    seeded = site.seeded
    thread = site.url(seeded["thread_url"])
    reply = f"#post-{seeded['first_reply']['id']}"
    moderator_name = seeded["m"]["name"]

    # Oumou reads the thread; her page stays open throughout.
    reader = sign_in("c", phone=True)
    reader.goto(thread)
    expect_live(reader)
    expect(reader.locator(reply)).to_contain_text("la commission foncière s'est réunie")
    reader.evaluate("window.__marker = 1")

    # Awa reports the reply through its "Signaler" link and the small form.
    reporter = sign_in("a", phone=True)
    reporter.goto(thread)
    reporter.locator(reply).get_by_role("link", name="Signaler").click()
    expect(reporter.locator("h1")).to_have_text("Signaler un message")
    expect(reporter.locator("blockquote.excerpt")).to_contain_text("commission foncière")
    reporter.get_by_label("données personnelles exposées").check()
    reporter.get_by_label("Précisions").fill("Le nom d'une plaignante est cité.")
    no_horizontal_scroll(reporter)
    reporter.screenshot(path=SCREENSHOTS.format("form"), full_page=True)
    reporter.get_by_role("button", name="Envoyer le signalement").click()
    expect(reporter.locator("body")).to_contain_text("votre signalement a été transmis")
    expect_live(reporter)
    unread = int(reporter.locator("#bell-count").text_content().strip() or 0)

    # Mariam opens the queue on her phone and hides the reply with a note.
    moderator = sign_in("m", phone=True)
    moderator.goto(site.url(f"/communautes/{seeded['community']}/signalements/"))
    case = moderator.locator("article.case", has_text="commission foncière")
    expect(case).to_contain_text("données personnelles exposées (1)")
    expect(case).to_contain_text("Le nom d'une plaignante est cité.")
    no_horizontal_scroll(moderator)
    moderator.screenshot(path=SCREENSHOTS.format("queue"), full_page=True)
    case.get_by_label("Note").fill("Nom d'une plaignante")
    case.get_by_role("button", name="Masquer").click()
    expect(moderator.locator("body")).to_contain_text("Aucun signalement à examiner.")
    no_horizontal_scroll(moderator)

    # Gone from Oumou's open page, live.
    expect(reader.locator(reply)).to_contain_text("Message masqué par la modération.")
    expect(reader.locator(reply)).not_to_contain_text("commission foncière")
    assert reader.evaluate("window.__marker") == 1, "the reader's page was reloaded"
    reader.screenshot(path=SCREENSHOTS.format("reader"), full_page=True)

    # Awa's bell rings on the page she is on; the notice says what, not who.
    expect(reporter.locator("#bell-count")).to_have_text(str(unread + 1))
    reporter.locator("#bell").click()
    expect(reporter.locator("main")).to_contain_text(OUTCOME)
    expect(reporter.locator("main")).not_to_contain_text(moderator_name)
    no_horizontal_scroll(reporter)
    reporter.screenshot(path=SCREENSHOTS.format("outcome"), full_page=True)
