"""
Plain factory functions for the forum's tests (no factory_boy).

Threads and posts go through ``forum.services`` so that every fixture object
is one the application itself could have written (path, seq, body_html…).
"""

from itertools import count

from forum import limits, services
from forum.models import Community, Membership, Organisation, Post, Thread, User

_numbers = count(1)

PASSWORD = "mot-de-passe-de-test"


def _next() -> int:
    return next(_numbers)


def make_user(**kw) -> User:
    number = _next()
    kw.setdefault("username", f"membre{number}")
    kw.setdefault("display_name", f"Membre {number}")
    kw.setdefault("email", f"membre{number}@example.org")
    password = kw.pop("password", PASSWORD)
    return User.objects.create_user(password=password, **kw)


def make_community(**kw) -> Community:
    number = _next()
    kw.setdefault("name", f"Communauté {number}")
    kw.setdefault("slug", f"communaute-{number}")
    kw.setdefault("summary", f"Résumé de la communauté {number}")
    regions = kw.pop("regions", ())
    community = Community.objects.create(**kw)
    if regions:
        community.regions.set(regions)
    return community


def make_membership(
    user: User, community: Community, role: str = Membership.Role.MEMBER
) -> Membership:
    return Membership.objects.create(user=user, community=community, role=role)


def make_thread(
    author: User,
    community: Community,
    title: str = "Accès des femmes à la terre à Ségou",
    body: str = "Quelles **expériences** avez-vous de la loi foncière agricole ?",
    tags: str | list[str] = (),
) -> Thread:
    # Fixtures are the operator's bulk writes: no abuse limit, no duplicate guard.
    with limits.suspended():
        return services.create_thread(
            author=author, community=community, title=title, body=body, tags=tags
        )


def make_post(
    author: User,
    thread: Thread,
    parent: Post | None = None,
    body: str = "Merci pour ce partage, voici notre expérience à Kati.",
) -> Post:
    with limits.suspended():
        return services.create_post(author=author, thread=thread, parent=parent, body=body)


def make_organisation(**kw) -> Organisation:
    number = _next()
    kw.setdefault("name", f"Association des femmes {number}")
    kw.setdefault("slug", f"association-{number}")
    kw.setdefault("kind", Organisation.Kind.ASSOCIATION)
    domains = kw.pop("domains", ())
    regions = kw.pop("regions", ())
    organisation = Organisation.objects.create(**kw)
    if domains:
        organisation.domains.set(list(domains))
    if regions:
        organisation.regions.set(regions)
    return organisation


def opening_post(thread: Thread) -> Post:
    return Post.objects.get(thread=thread, parent__isnull=True)


def small_pdf() -> bytes:
    """A real one-page PDF (what a PDF reader opens), written with its cross-reference table."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out
