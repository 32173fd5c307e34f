"""
No response, e-mail, feed or socket frame carries another member's e-mail or phone.

Every member of a small world gets a distinctive e-mail address and phone
number. Then every GET route (the crawl of tests/test_no_write_on_get.py, plus
each profile, the private CoP's pages and one's own data), the calendar
feeds, the download of one's data, the reminder e-mails and the WebSocket
frames (hello, snapshot, events) are read as each kind of reader, and none may
hold a contact of someone else. The reader's own may appear (their settings
page, their data).

A route that answers GET and is missing from the crawl fails
``test_every_get_route_is_crawled``: a new page joins the crawl by being named
in ``tests/test_no_write_on_get.py`` ``pages()`` (or ``extra_pages`` here).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from forum import services
from forum.models import JoinRequest, User
from webinars import services as webinar_services
from webinars.services import calendar as calendar_services
from webinars.services.reminders import send_due_reminders

from .factories import make_membership, make_organisation, make_post, make_thread, make_user
from .test_no_write_on_get import pages, world  # noqa: F401 - the crawl and its world
from .webinars.conftest import make_session

READERS = ["anonymous", "member", "moderator", "outsider", "staff", "applicant"]


def contact_of(index: int) -> tuple[str, str]:
    return f"secret.{index}.contact@leak.example", f"+223 7{index} 40 {index}1 9{index}"


def secrets_of(user: User) -> set[str]:
    """The strings that must not reach anyone else: e-mail, phone, and the phone's digits."""
    found = {user.email, user.phone, user.phone.replace(" ", ""), user.phone.replace(" ", "")[1:]}
    return {value for value in found if value}


@pytest.fixture
def applicant(db, private_cop):
    """Someone who asked to join the private CoP and waits."""
    user = make_user(username="candidate", display_name="Nana Candidate")
    JoinRequest.objects.create(community=private_cop, user=user, message="Je voudrais rejoindre.")
    return user


@pytest.fixture
def people(world, member, moderator, outsider, staff, applicant, private_cop):  # noqa: F811
    """Give every account a distinctive e-mail and phone; return them by role."""
    hidden = make_user(username="hidden", display_name="Aminata Cachée")
    make_membership(hidden, private_cop)
    everyone = {
        "member": member,
        "moderator": moderator,
        "outsider": outsider,
        "staff": staff,
        "applicant": applicant,
        "hidden": hidden,
    }
    for index, user in enumerate(everyone.values(), start=1):
        email, phone = contact_of(index)
        User.objects.filter(pk=user.pk).update(email=email, phone=phone)
        user.email, user.phone = email, phone
    make_thread(hidden, private_cop, title="Sujet d'Aminata", body="Dans la communauté privée.")
    make_post(member, world["thread"], body="Une réponse d'Awa.")
    # Something behind every other page: a feed address, an invitation, an
    # organisation with members, a series and a document.
    cop = world["cop"]
    organisation = make_organisation(name="Réseau des juristes", slug="juristes")
    User.objects.filter(pk__in=[member.pk, hidden.pk]).update(organisation=organisation)
    world["extra"] = {
        "token": calendar_services.get_or_create_token(member).token,
        "invitation": services.create_invitation(moderator=moderator, community=private_cop).token,
        "organisation": organisation.slug,
        "series": webinar_services.create_series(
            author=moderator,
            community=cop,
            title="Série",
            first_start=timezone.now() + timedelta(days=7),
            rrule="FREQ=WEEKLY;COUNT=2",
        ).pk,
        "document": webinar_services.add_document(
            author=moderator,
            session=world["session"],
            title="Note",
            file=ContentFile(b"notes", name="notes.txt"),
        ).pk,
    }
    return everyone


def extra_pages(w, people) -> list[str]:
    urls = [reverse("profile", args=[user.pk]) for user in people.values()]
    private = w["private"]
    urls += [
        reverse("community_members", args=[private.slug]),
        reverse("join_requests", args=[private.slug]),
        reverse("moderation_log", args=[private.slug]),
        reverse("mention_candidates", args=[private.slug]) + "?q=",
        reverse("mention_candidates", args=[w["cop"].slug]) + "?q=",
        reverse("my_data"),
        reverse("account_delete"),
    ]
    extra = w["extra"]
    urls += [
        reverse("calendar_feed", args=[extra["token"]]),
        reverse("calendar_feed_community", args=[extra["token"], w["cop"].slug]),
        reverse("invitation", args=[extra["invitation"]]),
        reverse("organisation", args=[extra["organisation"]]),
        reverse("webinar_series", args=[extra["series"]]),
        reverse("webinar_document", args=[extra["document"]]),
    ]
    return urls


def reader(name: str, people) -> User | AnonymousUser:
    return AnonymousUser() if name == "anonymous" else people[name]


def leaks_in(text: str, viewer, people) -> list[str]:
    """The contacts of people other than ``viewer`` found in ``text``."""
    found = []
    for user in people.values():
        if viewer is not None and getattr(viewer, "pk", None) == user.pk:
            continue
        found += [secret for secret in secrets_of(user) if secret in text]
    return found


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


@pytest.mark.parametrize("who", READERS)
def test_no_page_or_feed_carries_another_member_contact(world, people, who, client_for):  # noqa: F811
    viewer = reader(who, people)
    client = client_for(viewer)
    leaks = {}
    for url in pages(world) + extra_pages(world, people):
        response = client.get(url)
        assert response.status_code < 500, url
        found = leaks_in(body_of(response), viewer, people)
        if found:
            leaks[url] = found
    assert leaks == {}


@pytest.mark.parametrize("who", ["member", "moderator", "staff"])
def test_my_data_download_carries_no_other_member_contact(world, people, who, client_for):  # noqa: F811
    import io
    import zipfile

    viewer = people[who]
    response = client_for(viewer).post(reverse("my_data_download"))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    text = archive.read("data.json").decode()
    assert viewer.email in text  # one's own data is there…
    assert leaks_in(text, viewer, people) == []  # …and no one else's


def test_own_contact_appears_only_on_own_settings(world, people, client_for):  # noqa: F811
    member = people["member"]
    html = body_of(client_for(member).get(reverse("profile_edit")))
    assert member.email in html
    other = body_of(client_for(people["moderator"]).get(member.get_absolute_url()))
    assert member.email not in other


def test_reminder_emails_carry_only_their_recipient_contact(
    world,  # noqa: F811
    people,
    public_cop,
    moderator,
    mailoutbox,
):
    session = make_session(public_cop, moderator, starts_in=timedelta(hours=20), title="Rappel")
    for name in ("member", "moderator", "hidden"):
        user = people[name]
        if name == "hidden":
            make_membership(user, public_cop)
        webinar_services.register(user=user, session=session, region=_region())
    send_due_reminders(now=timezone.now())
    assert len(mailoutbox) == 3
    for message in mailoutbox:
        [address] = message.to
        recipient = next(u for u in people.values() if u.email == address)
        assert not message.cc and not message.bcc
        text = "\n".join(
            [
                message.subject,
                message.body,
                *(str(a[0]) for a in getattr(message, "alternatives", [])),
            ]
        )
        assert leaks_in(text, recipient, people) == []
        assert leaks_in(str(message.message()), recipient, people) == []


def _region():
    from forum.models import Region

    return Region.objects.order_by("pk").first()


# Every GET route is in the crawl -------------------------------------------------------------


def _named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin" or pattern.app_name == "admin":
                continue  # Django's admin: staff only, and shows contacts by design
            yield from _named_patterns(pattern, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern


def _dummy_url(pattern: URLPattern) -> str | None:
    from django.urls import NoReverseMatch

    converters = getattr(pattern.pattern, "converters", {})
    names = list(converters) or list(pattern.pattern.regex.groupindex)
    for guess in ("1", "x", "a1b2"):
        try:
            return reverse(pattern.name, kwargs={name: guess for name in names})
        except NoReverseMatch:
            continue
    return None


def test_every_get_route_is_crawled(world, people, client_for):  # noqa: F811
    crawled = {
        resolve(url.split("?")[0]).url_name for url in pages(world) + extra_pages(world, people)
    }
    client = client_for(people["staff"])
    missing = []
    for pattern in _named_patterns():
        if pattern.name in crawled:
            continue
        url = _dummy_url(pattern)
        if url is None:
            missing.append(pattern.name)
            continue
        if client.get(url).status_code != 405:  # answers GET: must be in the crawl
            missing.append(pattern.name)
    assert sorted(set(missing)) == [], sorted(set(missing))


def test_notification_emails_and_digests_carry_only_their_recipient_contact(
    world,  # noqa: F811
    people,
    public_cop,
    mailoutbox,
):
    """A reply to each recipient's thread by someone else, e-mailed alone, then in a digest."""
    from forum.services.emails import send_digests, send_notification_emails, set_email_frequency

    recipients = [people[name] for name in ("member", "moderator", "hidden")]
    replier = people["outsider"]
    for user in (people["hidden"], replier):
        make_membership(user, public_cop)
    for user in recipients:
        set_email_frequency(user=user, frequency="each")
        thread = make_thread(user, public_cop, title=f"Sujet de {user.display_name}")
        make_post(replier, thread, parent=thread.posts.get(parent__isnull=True))
    send_notification_emails()
    for user in recipients:
        set_email_frequency(user=user, frequency="daily")
    send_digests(now=timezone.now() + timedelta(days=1))

    # Each got her reply alone and a digest (the member follows the CoP: its new threads too).
    assert len(mailoutbox) >= 6
    assert {message.to[0] for message in mailoutbox} == {user.email for user in recipients}
    for message in mailoutbox:
        [address] = message.to
        recipient = next(u for u in people.values() if u.email == address)
        text = "\n".join([message.subject, message.body, message.alternatives[0].content])
        assert leaks_in(text, recipient, people) == []
        assert leaks_in(str(message.message()), recipient, people) == []
