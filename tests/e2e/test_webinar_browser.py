"""
The webinar room in real browsers, over a real Daphne: a member asks a
question, another upvotes it, a moderator marks it answered, and each step
appears live on every screen without a reload.
"""

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    expect = None

from .test_live_browser import assert_not_reloaded, expect_live, mark

SCREENSHOT = "/tmp/e2e-webinar.png"


def test_question_asked_upvoted_and_answered_live_on_every_screen(site, sign_in):
    room = site.url(site.seeded["webinar_room"])
    pages = {who: sign_in(who) for who in ("a", "b", "m")}
    for page in pages.values():
        page.goto(room)
        expect_live(page)
        mark(page)
        # Questions have a tab of their own; switching tabs does not reload the page.
        page.locator(".room-tabs a[data-tab=questions]").click()
        expect(page.locator("#questions")).to_be_visible()
    asker, voter, moderator = pages["a"], pages["b"], pages["m"]

    asker.locator("#ask-body").fill("Comment suivre les quotas dans les communes de Kayes ?")
    asker.locator("#ask-form button[type=submit]").click()
    for page in pages.values():
        question = page.locator("#questions li.question").first
        expect(question).to_contain_text("Comment suivre les quotas")
        expect(question.locator(".q-votes")).to_have_text("0")

    voter.locator("#questions li.question .q-upvote").click()
    for page in pages.values():
        expect(page.locator("#questions li.question .q-votes").first).to_have_text("1")
    expect(voter.locator(".q-upvote")).to_have_attribute("aria-pressed", "true")

    moderator.locator("#questions li.question .q-answer").click()
    for page in pages.values():
        expect(page.locator("#questions li.question").first).to_have_class("question answered")
        expect(page.locator("#questions li.question .q-answered").first).to_be_visible()
        assert_not_reloaded(page)
    voter.screenshot(path=SCREENSHOT, full_page=True)

    # Persisted: a reload shows the same state, on the same tab.
    asker.reload()
    expect(asker.locator(".room-tabs a[aria-current]")).to_have_attribute("data-tab", "questions")
    expect(asker.locator("#questions li.question .q-votes").first).to_have_text("1")
    expect(asker.locator("#questions li.question.answered")).to_have_count(1)
