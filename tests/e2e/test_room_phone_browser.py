"""
Live rooms on a 360×740 phone, in real browsers over a real Daphne.

A moderator mutes a member for ten minutes from the salon page: the member
learns it at once — why, and until when — and again after a reload; the
moderator gives her the floor back and she writes again. The webinar room
fits the phone: no horizontal scroll on any tab, one presence count, and
a page that is one screen of chat, not a column of every panel.
"""

import re

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the fixtures skip these tests, or fail them in CI (conftest.py)
    Page = expect = None

from .test_live_browser import assert_not_reloaded, expect_live, mark

SCREENSHOTS = "/tmp/e2e-phone-{}.png"


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def unique_ids(page: Page) -> None:
    ids = page.evaluate("Array.from(document.querySelectorAll('[id]'), (el) => el.id)")
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_moderator_mutes_a_member_for_ten_minutes_from_the_salon_page(site, sign_in):
    salon = site.url(f"/communautes/{site.seeded['community']}/salon/")
    member, moderator = sign_in("b", phone=True), sign_in("m", phone=True)
    for page in (member, moderator):
        page.goto(salon)
        expect_live(page)
        mark(page)
    for page in (member, moderator):
        expect(page.locator("#presence-count")).to_have_text("2 présent·es")
    member.locator("#chat-body").fill("Je partage le modèle de plaidoyer de Kayes.")
    member.locator("#chat-body").press("Enter")
    line = moderator.locator("#chat-log > li.msg", has_text="modèle de plaidoyer")
    expect(line).to_be_visible()

    # From the message: the mute form opens with its author chosen.
    line.locator(".msg-mute").click()
    expect(moderator.locator("#mute-user")).to_have_value(str(site.seeded["b"]["id"]))
    moderator.locator("#mute-minutes").select_option("10")
    moderator.locator("#mute-reason").fill("Merci de garder ce document pour le fil dédié")
    moderator.locator("#mute-form button[type=submit]").click()

    # The member learns it at once, without reloading: until when, and why.
    state = member.locator("#write-state")
    expect(state).to_contain_text(re.compile(r"muet·te ici jusqu'à \d\d:\d\d"))
    expect(state).to_contain_text("Motif : Merci de garder ce document pour le fil dédié")
    expect(member.locator("#chat-form")).to_be_hidden()
    assert_not_reloaded(member)
    muted = moderator.locator("#mute-list li", has_text=site.seeded["b"]["name"])
    expect(muted).to_contain_text(re.compile(r"jusqu'à \d\d:\d\d"))
    no_horizontal_scroll(member)
    no_horizontal_scroll(moderator)
    member.screenshot(path=SCREENSHOTS.format("muted-member"))
    moderator.screenshot(path=SCREENSHOTS.format("salon-moderator"), full_page=True)

    # And after a reload, the page says the same.
    member.reload()
    expect_live(member)
    expect(member.locator("#write-state")).to_contain_text("Motif : Merci de garder ce document")
    expect(member.locator("#chat-form")).to_be_hidden()
    mark(member)

    # The moderator gives her the floor back; she writes again.
    muted.get_by_role("button", name="Rendre la parole").click()
    expect(member.locator("#chat-form")).to_be_visible()
    expect(member.locator("#write-state")).to_be_hidden()
    expect(moderator.locator("#mute-list li", has_text=site.seeded["b"]["name"])).to_have_count(0)
    member.locator("#chat-body").fill("Bien noté, merci.")
    member.locator("#chat-body").press("Enter")
    expect(moderator.locator("#chat-log > li.msg", has_text="Bien noté, merci.")).to_be_visible()
    # Today's messages sit under a day separator.
    expect(member.locator("#chat-log > li.day")).to_have_text("Aujourd'hui")

    # Closing turns the button into "Rouvrir" at once, and the member reads a note, not a form.
    moderator.get_by_role("button", name="Fermer la salle (lecture seule)").click()
    expect(moderator.locator("#close-form button")).to_have_text("Rouvrir la salle")
    expect(member.locator("#room-state")).to_contain_text("La salle est fermée")
    expect(member.locator("#chat-form")).to_be_hidden()
    # A page opened while the room is closed gets its form back when it reopens.
    member.reload()
    expect_live(member)
    expect(member.locator("#chat-form")).to_be_hidden()
    mark(member)
    moderator.get_by_role("button", name="Rouvrir la salle").click()
    expect(moderator.locator("#close-form button")).to_have_text("Fermer la salle (lecture seule)")
    expect(member.locator("#chat-form")).to_be_visible()
    expect(member.locator("#room-state")).to_have_text("")
    assert_not_reloaded(member)
    assert_not_reloaded(moderator)


def test_the_webinar_room_fits_a_phone_with_one_presence_count(site, sign_in):
    room = site.url(site.seeded["webinar_room"])
    member = sign_in("a", phone=True)
    member.goto(room)
    expect_live(member)
    count = member.locator("#presence-count")
    expect(count).to_have_text("1 présent·e")
    unique_ids(member)

    moderator = sign_in("m", phone=True)
    moderator.goto(room)
    expect_live(moderator)
    for page in (member, moderator):
        expect(page.locator("#presence-count")).to_have_count(1)
        expect(page.locator("#presence-count")).to_have_text("2 présent·es")

    for page, tabs in (
        (member, ["discussion", "questions", "sondages", "mains"]),
        (moderator, ["discussion", "questions", "sondages", "mains", "moderation"]),
    ):
        mark(page)
        for tab in tabs:
            page.locator(f".room-tabs a[data-tab={tab}]").click()
            panel = page.locator(f"[data-panel={tab}]")
            expect(panel).to_be_visible()
            # One part at a time: the others are out of the page.
            assert page.locator("[data-panel]:visible").count() == 1, tab
            no_horizontal_scroll(page)
            height = page.evaluate("document.documentElement.scrollHeight")
            assert height < 2200, f"{tab}: the page is {height} px high on a phone"
        assert_not_reloaded(page)
        unique_ids(page)

    # A poll the member voted in shows her vote after a reload, and no second "Voter".
    moderator.locator(".room-tabs a[data-tab=sondages]").click()
    moderator.locator("#poll-form").evaluate("form => form.closest('details').open = true")
    moderator.locator("#poll-question").fill("Prochaine séance à Kayes ou à Ségou ?")
    moderator.locator("#poll-options").fill("Kayes\nSégou")
    moderator.locator("#poll-form button[type=submit]").click()
    member.locator(".room-tabs a[data-tab=sondages]").click()
    poll = member.locator("#polls article.poll").first
    expect(poll).to_contain_text("Prochaine séance")
    poll.get_by_label("Kayes").check()
    poll.get_by_role("button", name="Voter").click()
    expect(poll.locator(".badge.mine")).to_be_visible()
    member.reload()
    expect_live(member)
    expect(member.locator(".room-tabs a[aria-current]")).to_have_attribute("data-tab", "sondages")
    poll = member.locator("#polls article.poll").first
    expect(poll.get_by_label("Kayes")).to_be_checked()
    expect(poll.locator(".badge.mine")).to_be_visible()
    expect(poll.get_by_role("button", name="Voter")).to_have_count(0)
    member.screenshot(path=SCREENSHOTS.format("webinar-member"))
    moderator.locator(".room-tabs a[data-tab=discussion]").click()
    moderator.screenshot(path=SCREENSHOTS.format("webinar-moderator"))


def test_a_message_held_by_the_rate_limit_survives_closing_the_page(site, sign_in):
    salon = site.url(f"/communautes/{site.seeded['community']}/salon/")
    writer, reader = sign_in("a", phone=True), sign_in("m", phone=True)
    for page in (writer, reader):
        page.goto(salon)
        expect_live(page)
    texts = [f"Point {n} de l'ordre du jour" for n in range(1, 7)]
    for text in texts:  # five in ten seconds pass; the sixth is held back
        writer.locator("#chat-body").fill(text)
        writer.locator("#chat-body").press("Enter")
    expect(writer.locator("#chat-error")).to_contain_text("Doucement")
    expect(writer.locator("#chat-log > li.pending", has_text=texts[-1])).to_have_count(1)

    # The page is closed while the sixth waits; opened again, it still has it, and sends it.
    writer.goto(site.url("/"))
    writer.goto(salon)
    expect(writer.locator("#chat-log > li", has_text=texts[-1])).to_have_count(1)
    sent = reader.locator("#chat-log > li.msg", has_text=texts[-1])
    expect(sent).to_have_count(1, timeout=25_000)
    expect(writer.locator("#chat-log > li.msg", has_text=texts[-1])).to_have_attribute(
        "id", re.compile(r"^msg-\d+$"), timeout=15_000
    )
    reader.reload()
    expect_live(reader)
    for text in texts:  # each once, in order
        expect(reader.locator("#chat-log > li.msg", has_text=text)).to_have_count(1)
    expect(writer.locator("#outbox-note")).to_be_hidden()


def test_a_room_page_opened_early_lets_the_member_in_when_the_room_opens(site, sign_in):
    member = sign_in("a", phone=True)
    # The page's clock runs ahead on demand; the room opens 30 minutes before the session.
    member.clock.install()
    member.goto(site.url(site.seeded["upcoming_room"]))
    expect_live(member)
    expect(member.locator("#room-state")).to_contain_text("pas encore ouverte")
    expect(member.locator("#chat-form")).to_be_hidden()
    member.locator(".room-tabs a[data-tab=questions]").click()
    expect(member.locator("#ask-form")).to_be_hidden()

    member.clock.fast_forward("01:31:00")

    expect(member.locator("#ask-form")).to_be_visible()
    member.locator(".room-tabs a[data-tab=discussion]").click()
    expect(member.locator("#chat-form")).to_be_visible()
    expect(member.locator("#room-state")).to_have_text("")
