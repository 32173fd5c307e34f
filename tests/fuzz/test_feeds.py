"""
Feed addresses, fuzzed: hostile CoP slugs, tag slugs and tokens in the path,
hostile query strings on a public CoP's, a tag's and a member's feed. A feed
answers 200, 304 or 404, never a 500 or a traceback.
"""

from urllib.parse import quote

from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from ..factories import make_thread
from .strategies import FUZZ, texts
from .test_addresses import query


def test_feed_paths_and_query_strings_never_fail(world, tracebacks):
    public = world["other_cop"]
    make_thread(world.users["other_moderator"], public, title="Publique", tags=["écoute"])
    client = Client(raise_request_exception=False)
    valid = [
        reverse("community_feed", args=[public.slug]),
        reverse("tag_feed", args=["écoute"]),
        reverse("member_feed", args=[world["feed_token"].token]),
    ]

    def segment(value: str) -> str:
        return quote(value.encode("utf-8", "surrogatepass"), safe="")

    paths = st.one_of(
        st.sampled_from(valid),
        texts.map(lambda v: f"/communautes/{segment(v)}/flux.atom"),
        texts.map(lambda v: f"/etiquettes/{segment(v)}/flux.atom"),
        texts.map(lambda v: f"/flux/{segment(v)}.atom"),
    )
    pairs = st.lists(st.tuples(texts, texts), max_size=3)

    @settings(FUZZ, max_examples=200)
    @given(paths, pairs)
    def get(path, pairs):
        cache.clear()
        response = client.get(path + ("?" + query(pairs) if pairs else ""))
        logged = tracebacks.take()
        assert response.status_code in (200, 304, 404), (path, pairs, response.status_code)
        assert logged == []

    get()
