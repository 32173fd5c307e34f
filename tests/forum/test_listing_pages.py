"""
Long listings are shown a page at a time: the right rows in the right order on
each page, links that keep the filters, the same number of queries on every
page and at every size, and one answer for junk page numbers (page 1 for no
number at all, 404 for a page that does not exist) — never a 500.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import live_views, selectors, unread_views
from forum.models import Region, ThreadFollow

from ..factories import make_organisation, make_thread

pytestmark = pytest.mark.django_db


def cost(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries.captured_queries)


@pytest.fixture
def few_per_page(settings):
    """Three threads a page, so that a handful of threads makes several pages."""
    settings.JEKAFO = {**settings.JEKAFO, "THREADS_PER_PAGE": 3}


def titles(response) -> list[str]:
    return [thread.title for thread in response.context["page"].object_list]


# Nouveautés ------------------------------------------------------------------------------


def test_whats_new_lists_her_news_latest_first_across_pages(
    public_cop, member, moderator, client_for, few_per_page
):
    made = [make_thread(moderator, public_cop, title=f"Nouvelle {n}") for n in range(7)]
    client = client_for(member)
    url = reverse("whats_new")

    pages = [client.get(url), client.get(url + "?page=2"), client.get(url + "?page=3")]

    expected = [t.title for t in reversed(made)]
    assert [titles(page) for page in pages] == [expected[:3], expected[3:6], expected[6:]]
    first = pages[0].content.decode()
    assert 'href="?page=2"' in first
    assert "Page 1 sur" not in first  # no total: the list is not counted
    assert 'href="?"' in pages[1].content.decode()  # page 1 has one address: no ?page=1
    assert client.get(url + "?page=4").status_code == 404


def test_whats_new_costs_the_same_on_every_page_and_past_its_window(
    public_cop, member, moderator, client_for, few_per_page, monkeypatch
):
    monkeypatch.setattr(unread_views, "NEWS_WINDOW", 6)
    client = client_for(member)
    url = reverse("whats_new")
    for number in range(2):
        make_thread(moderator, public_cop, title=f"Petite {number}")
    small = cost(client, url)

    for number in range(30):
        make_thread(moderator, public_cop, title=f"Grande {number}")

    assert [cost(client, url + f"?page={n}") for n in (1, 2)] == [small, small]


def test_whats_new_says_when_older_threads_are_not_listed(
    public_cop, member, moderator, client_for, monkeypatch
):
    old = make_thread(moderator, public_cop, title="Ancienne discussion non lue")
    for number in range(3):
        make_thread(member, public_cop, title=f"La mienne {number}")  # nothing new for her
    client = client_for(member)
    notice = "Les fils plus anciens ne sont pas listés ici"

    whole = client.get(reverse("whats_new"))
    assert titles(whole) == [old.title] and notice not in whole.content.decode()

    monkeypatch.setattr(unread_views, "NEWS_WINDOW", 3)
    bounded = client.get(reverse("whats_new"))

    assert titles(bounded) == []
    page = bounded.content.decode()
    assert notice in page
    assert reverse("home") + "#cops-h" in page  # her CoPs' pages, which list every thread


def test_whats_new_never_lists_a_private_cop_she_left(
    private_cop, public_cop, member, moderator, client_for, few_per_page
):
    from forum import services

    make_thread(moderator, private_cop, title="Stratégie privée")
    make_thread(moderator, public_cop, title="Publique")
    services.leave_community(user=member, community=private_cop)

    response = client_for(member).get(reverse("whats_new"))

    assert titles(response) == ["Publique"]


# Bad page numbers ------------------------------------------------------------------------


def listing_urls(public_cop) -> list[str]:
    return [
        reverse("whats_new"),
        reverse("organisations"),
        reverse("follows"),
        reverse("community", args=[public_cop.slug]),
        reverse("community_members", args=[public_cop.slug]),
        reverse("tag", args=["plaidoyer"]),
    ]


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("", 200),
        ("1", 200),
        ("abc", 200),
        ("²", 200),
        ("1.5", 200),
        ("0", 404),
        ("-1", 404),
        ("9999", 404),
        (str(2**53 - 1), 404),
        ("1" + "0" * 30, 404),
        ("99999999999999999999999999999999999999", 404),
    ],
)
def test_bad_page_numbers_give_the_first_page_or_a_404(
    number, status, public_cop, member, moderator, client_for
):
    make_thread(moderator, public_cop, title="Une discussion", tags=["plaidoyer"])
    client = client_for(member)

    for url in listing_urls(public_cop):
        response = client.get(url, {"page": number})
        assert response.status_code == status, (url, number)


def test_read_page_number_answers_page_1_or_404():
    from django.http import Http404

    assert selectors.read_page_number(None) == 1
    assert selectors.read_page_number("abc") == 1
    assert selectors.read_page_number("7") == 7
    for junk in ("0", "-3", "1" * 40):
        with pytest.raises(Http404):
            selectors.read_page_number(junk)


# Organisation directory ------------------------------------------------------------------


def test_organisation_directory_pages_keep_their_filters(client_for, monkeypatch):
    monkeypatch.setattr(selectors, "ORGANISATIONS_PER_PAGE", 4)
    segou = Region.objects.get_or_create(slug="segou", defaults={"name": "Ségou"})[0]
    kayes = Region.objects.get_or_create(slug="kayes", defaults={"name": "Kayes"})[0]
    for number in range(6):
        make_organisation(name=f"Ségou {number:02d}", domains=["plaidoyer"], regions=[segou])
    make_organisation(name="Kayes 00", domains=["plaidoyer"], regions=[kayes])
    client = client_for(None)
    url = reverse("organisations")

    first = client.get(url, {"domain": "plaidoyer", "region": "segou"})
    page = first.content.decode()

    assert [o.name for o in first.context["organisations"]] == [f"Ségou {n:02d}" for n in range(4)]
    assert "6 organisations" in page  # the total of the matches, not of the page
    assert "?domain=plaidoyer&amp;region=segou&amp;page=2" in page
    second = client.get(url, {"domain": "plaidoyer", "region": "segou", "page": "2"})
    assert [o.name for o in second.context["organisations"]] == ["Ségou 04", "Ségou 05"]
    assert client.get(url, {"domain": "plaidoyer", "region": "segou", "page": "3"}).status_code == (
        404
    )


def test_organisation_directory_costs_the_same_for_3_and_40_organisations(client_for):
    client = client_for(None)
    url = reverse("organisations")
    for _ in range(3):
        make_organisation(domains=["plaidoyer"])
    small = cost(client, url)

    for _ in range(37):
        make_organisation(domains=["plaidoyer"])

    assert cost(client, url) == small
    assert cost(client, url + "?page=2") == small


def test_a_tag_page_shows_its_first_organisations_and_links_to_the_rest(client_for, monkeypatch):
    monkeypatch.setattr(selectors, "ORGANISATIONS_PER_PAGE", 3)
    for number in range(4):
        make_organisation(name=f"Organisation {number}", domains=["plaidoyer"])
    client = client_for(None)

    response = client.get(reverse("tag", args=["plaidoyer"]))

    assert len(response.context["organisations"]) == 3
    assert reverse("organisations") + "?domain=plaidoyer" in response.content.decode()


# Mes abonnements -------------------------------------------------------------------------


def test_followed_threads_are_shown_a_page_at_a_time(
    public_cop, private_cop, member, moderator, client_for, monkeypatch
):
    monkeypatch.setattr(live_views, "FOLLOWED_THREADS_PER_PAGE", 3)
    made = [make_thread(moderator, public_cop, title=f"Suivie {n}") for n in range(5)]
    for thread in made:
        ThreadFollow.objects.get_or_create(user=member, thread=thread)
    client = client_for(member)
    url = reverse("follows")
    small = cost(client, url)

    first, second = client.get(url), client.get(url + "?page=2")

    shown = [[f.thread.title for f in r.context["threads"]] for r in (first, second)]
    expected = [t.title for t in reversed(made)]
    assert shown == [expected[:3], expected[3:]]
    assert 'href="?page=2"' in first.content.decode()
    assert client.get(url + "?page=3").status_code == 404
    for number in range(20):
        ThreadFollow.objects.get_or_create(
            user=member, thread=make_thread(moderator, public_cop, title=f"Plus {number}")
        )
    assert cost(client, url + "?page=4") == small


# Join requests ---------------------------------------------------------------------------


def test_join_requests_are_shown_oldest_first_a_page_at_a_time(
    public_cop, moderator, client_for, monkeypatch
):
    from forum import services, views

    from ..factories import make_user

    monkeypatch.setattr(views, "JOIN_REQUESTS_PER_PAGE", 2)
    people = [make_user(display_name=f"Demandeuse {n}") for n in range(3)]
    for person in people:
        services.request_to_join(user=person, community=public_cop, message="Bonjour")
    client = client_for(moderator)
    url = reverse("join_requests", args=[public_cop.slug])
    small = cost(client, url)

    first, second = client.get(url), client.get(url + "?page=2")

    names = [[r.user.display_name for r in p.context["requests"]] for p in (first, second)]
    assert names == [["Demandeuse 0", "Demandeuse 1"], ["Demandeuse 2"]]
    assert 'href="?page=2"' in first.content.decode()
    assert client.get(url + "?page=3").status_code == 404
    for _ in range(6):
        services.request_to_join(user=make_user(), community=public_cop, message="")
    assert cost(client, url + "?page=3") == small
