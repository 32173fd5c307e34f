"""Search: French matching, the same ranking on both engines, visibility, the index following."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from forum import services
from forum.inputs import BadInput
from forum.models import Community, Post, SearchEntry, Thread, User
from forum.search import SearchFilters, rebuild_index, search
from tests.factories import (
    make_membership,
    make_organisation,
    make_post,
    make_thread,
    make_user,
)

pytestmark = pytest.mark.django_db


def titles(results):
    return [hit.title for hit in results.hits]


def urls(results):
    return [hit.url for hit in results.hits]


@pytest.fixture
def corpus(public_cop, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        one = make_thread(
            member,
            public_cop,
            title="Les élèves filles à Ségou",
            body="Le maintien des élèves à l'école après le mariage.",
        )
        two = make_thread(
            member,
            public_cop,
            title="Associations féminines de Kayes",
            body="Les violences faites aux femmes et les mariages précoces.",
        )
        make_post(member, two, body="Une violence économique aussi : l'héritage.")
    return one, two


@pytest.mark.parametrize(
    "query, expected",
    [
        ("eleve", "Les élèves filles à Ségou"),
        ("ÉLÈVES", "Les élèves filles à Ségou"),
        ("feminin", "Associations féminines de Kayes"),
        ("mariages", "Les élèves filles à Ségou"),
        ("mariage", "Associations féminines de Kayes"),
        ("violence", "Associations féminines de Kayes"),
        ("violences faites", "Associations féminines de Kayes"),
        ("mari", "Les élèves filles à Ségou"),
        ("fémi", "Associations féminines de Kayes"),
    ],
)
def test_french_matches_fold_accents_stem_and_complete_the_last_word(
    corpus, outsider, query, expected
):
    assert expected in titles(search(outsider, query))


def test_folding_takes_apart_ligatures_and_bambara_letters():
    from forum.search.text import terms

    assert terms("Sœur Jɛkafɔ ŊANA") == terms("soeur jekafo ngana")


def test_whole_words_must_all_be_present(corpus, outsider):
    assert titles(search(outsider, "violence ségou")) == []


def test_snippet_highlights_the_matching_words(corpus, outsider):
    hit = next(h for h in search(outsider, "mariage").hits if h.title.startswith("Les élèves"))
    marked = [text for text, on in hit.snippet if on]
    assert marked and all(t.lower().startswith("mariage") for t in marked)
    assert "".join(text for text, _ in hit.snippet).startswith("Le maintien")


def test_rebuild_writes_the_same_entries(corpus):
    before = sorted(SearchEntry.objects.values_list("kind", "object_id", "body_terms"))
    assert rebuild_index() == len(before) == 3
    assert sorted(SearchEntry.objects.values_list("kind", "object_id", "body_terms")) == before


# The same results on both engines --------------------------------------------------------------

GOLDEN = [
    ("Mariage précoce à Mopti", "Les mariages précoces privent les filles d'école."),
    ("Héritage des veuves", "Le mariage coutumier et l'héritage : que dit le code ?"),
    ("Violences conjugales", "Accueillir les survivantes de violences ; un mariage forcé."),
    ("Écoles et élèves filles", "Garder les élèves mariées à l'école."),
    ("Comité de mariage", "Mariage, mariages, marié, mariée : un comité sur le mariage."),
]


def test_golden_same_top_results_in_the_same_order(
    public_cop, member, outsider, django_capture_on_commit_callbacks
):
    """Runs in both CI passes (SQLite, PostgreSQL): equal expectations prove the engines agree."""
    with django_capture_on_commit_callbacks(execute=True):
        for title, body in GOLDEN:
            make_thread(member, public_cop, title=title, body=body)
    # "mariées" is "marie", not "mariag": the Snowball stem, the same on both engines.
    assert titles(search(outsider, "mariage")) == [
        "Comité de mariage",  # in the title and four times in the text
        "Mariage précoce à Mopti",  # in the title
        "Violences conjugales",  # once in the text; newer first among equals
        "Héritage des veuves",
    ]
    assert titles(search(outsider, "mari")) == [
        "Comité de mariage",
        "Mariage précoce à Mopti",
        "Écoles et élèves filles",  # "mariées" starts with "mar" too
        "Violences conjugales",
        "Héritage des veuves",
    ]
    assert titles(search(outsider, "ecole eleve")) == ["Écoles et élèves filles"]
    assert titles(search(outsider, "violence")) == ["Violences conjugales"]
    assert titles(search(outsider, "heritage mari")) == ["Héritage des veuves"]
    page_one = search(outsider, "mariage", per_page=2)
    page_two = search(outsider, "mariage", page=2, per_page=2)
    assert page_one.has_next and not page_two.has_next
    assert titles(page_one) + titles(page_two) == titles(search(outsider, "mariage"))
    assert search(outsider, "mariage", page=3, per_page=2).hits == []


# Visibility --------------------------------------------------------------------------------------

SECRET = "Dossier confidentiel excision Mopti"


@pytest.fixture
def secret(private_cop, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(member, private_cop, title=SECRET, body="Témoignage excision.")
        make_post(member, thread, body="Suivi médical après excision.")
    return thread


def test_a_private_cops_posts_are_found_by_its_members_only(
    secret, member, outsider, anonymous, staff
):
    assert len(search(member, "excision").hits) == 2
    assert search(outsider, "excision").hits == []
    assert search(None, "excision").hits == []
    assert search(anonymous, "excision").hits == []
    assert len(search(staff, "excision").hits) == 2


def test_a_member_who_left_or_was_banned_finds_nothing_at_once(
    secret, private_cop, member, moderator
):
    services.sanction_member(
        moderator=moderator, community=private_cop, user=member, kind="ban", duration="1d"
    )
    assert search(member, "excision").hits == []
    other = make_user(username="kadia", display_name="Kadia Sow")
    make_membership(other, private_cop)
    assert len(search(other, "excision").hits) == 2
    services.leave_community(user=other, community=private_cop)
    assert search(other, "excision").hits == []


def test_a_thread_moved_into_a_private_cop_leaves_outsiders_results(
    thread, private_cop, moderator, outsider, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_post(member, thread, body="Réponse sur la loi foncière.")
    assert len(search(outsider, "fonciere").hits) == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.move_thread(moderator=moderator, thread=thread, target=private_cop)
    assert search(outsider, "fonciere").hits == []
    assert {h.community for h in search(member, "fonciere").hits} == {private_cop}


def test_the_final_check_drops_a_hit_the_index_did_not_hear_about(secret, member, outsider):
    # Written around the services (no event): the index still holds the entries.
    Post.objects.filter(thread=secret, parent__isnull=False).update(hidden_at=timezone.now())
    Community.objects.filter(pk=secret.community_id).update(visibility="public")
    assert titles(search(member, "suivi medical")) == []
    assert titles(search(outsider, "temoignage")) == [SECRET]
    Community.objects.filter(pk=secret.community_id).update(visibility="private")
    Thread.objects.filter(pk=secret.pk).update(is_pending=True)
    assert search(member, "temoignage").hits == []


def test_hidden_pending_and_deleted_posts_are_never_found(
    thread, member, moderator, public_cop, outsider, django_capture_on_commit_callbacks
):
    newcomer = make_user(username="salimata", display_name="Salimata Koné")
    make_membership(newcomer, public_cop)
    public_cop.premoderation_posts = 1
    public_cop.save()
    with django_capture_on_commit_callbacks(execute=True):
        waiting = make_post(newcomer, thread, body="Proposition de plaidoyer attendue.")
    assert waiting.is_pending
    for viewer in (outsider, newcomer, moderator):
        assert search(viewer, "plaidoyer").hits == []
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_post(moderator=moderator, post=waiting)
    assert titles(search(outsider, "plaidoyer")) == [thread.title]


# The index follows -------------------------------------------------------------------------------


def test_the_index_follows_edit_hide_restore_and_delete(
    thread, member, moderator, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post = make_post(member, thread, body="Rencontre avec les chefs coutumiers.")
    assert len(search(outsider, "coutumier").hits) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_post(editor=member, post=post, body="Rencontre avec les notables.")
    assert search(outsider, "coutumier").hits == []
    assert len(search(outsider, "notables").hits) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.hide_post(moderator=moderator, post=post, reason="hors sujet")
    assert search(outsider, "notables").hits == []
    assert search(moderator, "notables").hits == []
    with django_capture_on_commit_callbacks(execute=True):
        services.restore_post(moderator=moderator, post=post)
    assert len(search(outsider, "notables").hits) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(user=member, post=post)
    assert search(outsider, "notables").hits == []
    assert not SearchEntry.objects.filter(kind="post", object_id=post.pk).exists()


def test_the_index_follows_rename_retag_merge_and_split(
    thread, public_cop, member, moderator, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply = make_post(member, thread, body="Le cadastre de Ségou.")
        services.rename_thread(moderator=moderator, thread=thread, title="Titres fonciers")
    assert set(titles(search(outsider, "cadastre"))) == {"Titres fonciers"}
    tag = thread.tags.first()
    assert tag is not None
    tagged = search(outsider, "cadastre", filters=SearchFilters(tag=tag))
    assert len(tagged.hits) == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.retag_thread(moderator=moderator, thread=thread, tags="cadastre")
    assert search(outsider, "cadastre", filters=SearchFilters(tag=tag)).hits == []
    with django_capture_on_commit_callbacks(execute=True):
        other = make_thread(member, public_cop, title="Autre discussion", body="Texte.")
        services.merge_threads(moderator=moderator, source=thread, target=other)
    assert set(titles(search(outsider, "cadastre"))) == {"Autre discussion"}
    with django_capture_on_commit_callbacks(execute=True):
        services.split_thread(
            moderator=moderator, post=Post.objects.get(pk=reply.pk), title="Cadastre"
        )
    assert "Cadastre" in titles(search(outsider, "cadastre"))


def test_webinar_minutes_and_decisions_are_found_as_their_session_is_seen(
    private_cop, public_cop, moderator, member, outsider, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from webinars import services as webinars
    from webinars.services.report import add_decision, save_minutes

    with django_capture_on_commit_callbacks(execute=True):
        session = webinars.create_session(
            author=moderator,
            community=private_cop,
            title="Séance sur la scolarisation",
            starts_at=timezone.now() - timedelta(days=1),
            duration=60,
        )
        save_minutes(
            moderator=moderator, session=session, minutes="Les **inscriptions** scolaires."
        )
        add_decision(moderator=moderator, session=session, text="Ouvrir les inscriptions en ligne.")
    found = search(member, "inscription")
    assert sorted(h.kind_label for h in found.hits) == ["Compte rendu", "Décision"]
    assert all(h.url == session.get_absolute_url() for h in found.hits)
    assert search(outsider, "inscription").hits == []


def test_organisations_are_found_and_filtered(outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_organisation(name="Association des juristes maliennes", acronym="AJM")
    hit = search(outsider, "juriste").hits[0]
    assert (hit.kind, hit.kind_label, hit.community) == ("organisation", "Organisation", None)
    assert titles(search(None, "ajm")) == ["Association des juristes maliennes (AJM)"]


# Filters -----------------------------------------------------------------------------------------


def test_filters_by_community_author_and_dates(
    public_cop, private_cop, member, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(member, public_cop, title="Semences paysannes", body="Les semences.")
        make_thread(moderator, private_cop, title="Semences et foncier", body="Semences.")
    assert len(search(member, "semence").hits) == 2
    only = search(member, "semence", filters=SearchFilters(community=public_cop))
    assert titles(only) == ["Semences paysannes"]
    by = search(member, "semence", filters=SearchFilters(author=moderator))
    assert titles(by) == ["Semences et foncier"]
    today = date.today()
    assert len(search(member, "semence", filters=SearchFilters(date_from=today)).hits) == 2
    later = SearchFilters(date_from=today + timedelta(days=1), date_to=date.max)
    assert search(member, "semence", filters=later).hits == []
    earlier = SearchFilters(date_to=today - timedelta(days=1))
    assert search(member, "semence", filters=earlier).hits == []


def test_the_author_filter_keeps_the_members_choice(
    public_cop, member, moderator, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(member, public_cop, title="Semences paysannes", body="Les semences.")
    by_member = SearchFilters(author=member)
    member.show_activity = User.ActivityShown.SHARED
    member.save()
    assert search(outsider, "semence", filters=by_member).hits == []
    assert len(search(moderator, "semence", filters=by_member).hits) == 1
    assert len(search(outsider, "semence").hits) == 1  # without the filter: a public thread
    member.show_activity = User.ActivityShown.NOBODY
    member.save()
    assert search(moderator, "semence", filters=by_member).hits == []
    assert len(search(member, "semence", filters=by_member).hits) == 1


# Filters without words ---------------------------------------------------------------------------


def test_filters_alone_list_the_newest_visible_items(
    public_cop, private_cop, member, moderator, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        old = make_thread(member, public_cop, title="Semences paysannes", body="Les semences.")
        make_thread(member, private_cop, title="Cas suivis à Mopti", body="Secret.")
        make_post(moderator, old, body="Une réponse plus récente.")
    today = SearchFilters(date_from=date.today())

    mine = search(member, "", filters=today)
    assert mine.filters_only and mine.query is None
    # Newest first: the reply, the private thread (hers), the first thread.
    assert [hit.kind for hit in mine.hits] == ["post", "thread", "thread"]
    assert titles(mine)[1:] == ["Cas suivis à Mopti", "Semences paysannes"]
    assert "Cas suivis à Mopti" not in titles(search(outsider, "", filters=today))
    assert "Cas suivis à Mopti" not in titles(search(None, "", filters=today))
    assert search(outsider, "", filters=today).count == 2
    # Asking for a CoP she cannot see lists nothing, as with words.
    assert search(outsider, "", filters=SearchFilters(community=private_cop)).hits == []
    by = search(member, "  ", filters=SearchFilters(author=moderator))
    assert [hit.kind for hit in by.hits] == ["post"]
    assert by.hits[0].snippet == [("Une réponse plus récente.", False)]


def test_filters_alone_by_tag_and_region_use_the_scope_terms(
    public_cop, private_cop, member, outsider, django_capture_on_commit_callbacks
):
    from forum.models import Region

    region = Region.objects.get_or_create(slug="test-kayes", defaults={"name": "Test Kayes"})[0]
    public_cop.regions.add(region)
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(member, public_cop, title="Loi foncière", body="Texte.", tags=["Foncier"])
        make_thread(member, public_cop, title="Sans étiquette", body="Texte.")
        make_thread(member, private_cop, title="Ailleurs", body="Texte.", tags=["Foncier"])
    tag = Thread.objects.get(title="Loi foncière").tags.get()
    assert titles(search(outsider, "", filters=SearchFilters(tag=tag))) == ["Loi foncière"]
    assert titles(search(member, "", filters=SearchFilters(tag=tag))) == [
        "Ailleurs",
        "Loi foncière",
    ]
    by_region = SearchFilters(region=region)
    assert titles(search(member, "", filters=by_region)) == ["Sans étiquette", "Loi foncière"]
    both = SearchFilters(region=region, tag=tag)
    assert titles(search(member, "", filters=both)) == ["Loi foncière"]


def test_filters_alone_page_like_words(public_cop, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        thread = make_thread(member, public_cop, title="Fil", body="Début.")
        for number in range(4):
            make_post(member, thread, body=f"Réponse {number}.")
    filters = SearchFilters(community=public_cop)
    first = search(member, "", filters=filters, per_page=2)
    second = search(member, "", filters=filters, page=2, per_page=2)
    third = search(member, "", filters=filters, page=3, per_page=2)
    assert (first.count, first.has_next, second.has_next, third.has_next) == (5, True, True, False)
    assert [h.snippet[0][0] for h in first.hits] == ["Réponse 3.", "Réponse 2."]
    assert len(third.hits) == 1 and third.hits[0].kind == "thread"


def test_filters_alone_keep_the_authors_choice(
    public_cop, member, moderator, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(member, public_cop, title="Semences paysannes", body="Les semences.")
    member.show_activity = User.ActivityShown.SHARED
    member.save()
    by_member = SearchFilters(author=member)
    assert search(outsider, "", filters=by_member).hits == []
    assert titles(search(moderator, "", filters=by_member)) == ["Semences paysannes"]


def test_neither_words_nor_filters_list_nothing(corpus, outsider):
    for text in ("", "   ", '"*" ()'):
        results = search(outsider, text)
        assert (results.hits, results.filters_only, results.query) == ([], False, None)


# Hostile queries ---------------------------------------------------------------------------------

HOSTILE = [
    "",
    "   ",
    '"',
    '"mariage',
    "*",
    "mari*",
    "NEAR(mariage école)",
    "mariage OR école",
    "mariage AND NOT école",
    "(mariage",
    "-mariage",
    "^mariage",
    "title_terms:mariage",
    "scope:c1",
    "c1",
    "kthread",
    "'",
    "\\",
    "\ud800",
    "mariage\ud800",
    "\x00",
    "\u200fمرحبا\u200f",
    "😀 mariage 👩🏾‍⚖️",
    "½ ² ①",
    "ǅ ﬁ ß",
    "a" * 200,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_answer_through_search(corpus, outsider, text):
    results = search(outsider, text)
    assert isinstance(results.hits, list)


def test_scope_terms_cannot_be_searched_as_words(corpus, outsider, public_cop):
    assert search(outsider, f"c{public_cop.pk}").hits == []
    assert search(outsider, "kthread").hits == []


def test_too_long_queries_are_refused_with_a_reason(outsider):
    with pytest.raises(BadInput):
        search(outsider, "a" * 1000)
    with pytest.raises(BadInput):
        search(outsider, " ".join(["mot"] * 20))


def test_a_voice_notes_transcript_is_found_once_written(
    thread, member, outsider, django_capture_on_commit_callbacks
):
    from forum.services.attachments import set_transcript
    from tests.forum.test_post_files import voice_upload

    with django_capture_on_commit_callbacks(execute=True):
        post = services.create_post(
            author=member, thread=thread, parent=None, body="", voice=voice_upload("webm", 2.0)
        )
    assert search(outsider, "coopérative").hits == []
    with django_capture_on_commit_callbacks(execute=True):
        set_transcript(
            editor=member, attached=post.files.get(), text="Notre coopérative de karité à Kita."
        )
    hit = search(outsider, "cooperatives").hits[0]
    assert hit.url == post.get_absolute_url()
    assert [text for text, on in hit.snippet if on] == ["coopérative"]


def test_the_rebuild_command_says_how_many_entries(corpus):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert out.getvalue().strip() == "3 entries written."
