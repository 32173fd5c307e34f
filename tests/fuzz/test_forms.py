"""
Every form of the site, fuzzed: 200 hostile bodies per POST route, no 500, no traceback.

The targets are not listed here. The POST routes come from the URL resolver
through the access matrix's rules (tests/test_access_matrix.py, which fails
for a route without a rule; the rule also says how to build the route's URL
on the private world and who may use it). The fields of each route come
from the site itself: every page is opened by the people who may act, and
the fields of each ``<form method="post">`` are gathered by the route its
``action`` resolves to. Each body carries those fields with hostile values,
names the views read off ``request.POST`` (``next``, ``action``…), random
extra fields, bytes that are not UTF-8 and charsets that are not UTF-8.

Each body is posted by someone the route lets through (so that it reaches
the forms and services, not just the access check), in a savepoint rolled
back afterwards: every example sees the same world.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import example, given
from hypothesis import strategies as st

from ..test_access_matrix import ALL_RULES, OK, RULES
from .strategies import FUZZ, edge_bodies, form_body, json_body, urlencoded

# Who posts: the first of these the route lets act (anonymous only where everyone may).
ACTORS = ("moderator", "member", "staff")


class FormFields(HTMLParser):
    """The POST forms of a page: (action, field names)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, set[str]]] = []
        self.current: set[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "get").lower() == "post":
                self.current = set()
                self.forms.append((attrs.get("action") or "", self.current))
            else:
                self.current = None
        elif tag in {"input", "textarea", "select", "button"} and self.current is not None:
            self.current.update(filter(None, [attrs.get("name")]))

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


_fields_by_route: dict[str, set[str]] = {}


def discover_fields(world) -> dict[str, set[str]]:
    """Field names of every POST form on every page, by the URL name the form posts to."""
    if _fields_by_route:
        return _fields_by_route
    found: dict[str, set[str]] = {}
    for role in ("moderator", "member", "staff", "anonymous"):
        client = Client(raise_request_exception=False)
        if world.users.get(role):
            client.force_login(world.users[role])
        for rule in RULES.values():
            if rule.get is None or rule.get[role] != OK:
                continue
            page = rule.url(world)
            response = client.get(page)
            if "html" not in response.get("Content-Type", ""):
                continue
            parser = FormFields()
            parser.feed(response.content.decode())
            for action, fields in parser.forms:
                try:
                    match = resolve(urlsplit(action or page).path)
                except Resolver404:
                    continue
                found.setdefault(match.url_name, set()).update(fields)
    _fields_by_route.update(found)
    return _fields_by_route


def post_routes() -> list[str]:
    """Every POST route, and each action of a route whose path names one (route:action)."""
    return sorted(name for name, rule in ALL_RULES.items() if rule.post is not None)


def actor_for(name: str, world):
    table = ALL_RULES[name].post
    if all(outcome == OK for outcome in table.values()):
        return None  # open to all: posted as a visitor (sign-up, sign-in, language)
    # Nobody may (joining a private CoP): posted by staff, who sees the CoP and is refused.
    role = next((role for role in ACTORS if table[role] == OK), "staff")
    return world.users[role]


def test_every_post_route_is_a_target_and_forms_are_found(world):
    fields = discover_fields(world)
    # The discovery sees the site's forms: a few that must be there.
    assert {"title", "body", "tags"} <= fields["thread_create"]
    assert "body" in fields["thread_reply"]
    assert {"username", "password1", "password2"} <= fields["signup"]
    assert "salon" in post_routes() and "room_action" in post_routes()


@pytest.mark.parametrize("name", post_routes())
def test_form_post_never_fails(name, world, tracebacks):
    rule = ALL_RULES[name]
    fields = sorted(
        discover_fields(world).get(name.split(":")[0], set())
        | set(rule.data(world) if rule.data else ())
    )
    client = Client(raise_request_exception=False)
    actor = actor_for(name, world)
    if actor is not None:
        client.force_login(actor)
    target = rule.url(world)
    json_bodies = json_body([]).map(lambda body: (body, "application/json"))

    valid = rule.data(world) if rule.data else None

    @FUZZ
    @given(st.one_of(form_body(fields, valid), json_bodies))
    def post(body_and_type):
        body, content_type = body_and_type
        cache.clear()  # rate limits would answer 429 before the forms are read
        with transaction.atomic():
            response = client.generic("POST", target, body, content_type=content_type)
            transaction.set_rollback(True)
        logged = tracebacks.take()
        assert response.status_code < 500, (response.status_code, body[:300], content_type)
        assert logged == []

    for body in edge_bodies(fields, valid):
        post = example(urlencoded(body))(post)
    post()
