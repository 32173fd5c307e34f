"""
Hostile inputs, as Hypothesis strategies: what a careless client, a broken
phone browser or an attacker sends to a form, a JSON endpoint or a socket.

Every strategy mixes plain generated values with a list of known-bad ones
(numbers past any column, dates at year 0 and 9999, recurrence rules that
crash parsers, redirect targets, invisible and bidi characters, lone
surrogates, NUL), so that the 200 examples of a target hit the edges quickly.
"""

import json
from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from rooms.actions import Bool, Int, Key, Ref, Text, TextList

# Every fuzz target: 200 generated inputs, the same ones on every run (CI reproducible).
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

EDGE_TEXTS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\u202etxt.exe",  # right-to-left override
    "\u200b\u200d\ufeff",  # only invisible characters
    "\u0301\u0301\u0301",  # lone combining marks
    "²",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() says yes, int() says no... or yes
    "𝟗",
    "Ⅻ",
    "-1",
    "0",
    "1e309",
    "NaN",
    "Infinity",
    "-0",
    str(10**20),
    str(2**63),
    "9" * 400,
    "0x1F",
    "1_000",
    "9999-12-31",
    "9999-12-31T23:59",
    "9999-12-31 23:59",
    "0000-00-00",
    "0001-01-01",
    "2026-02-30",
    "31/12/9999",
    "23:61",
    "Africa/Nowhere",
    "../../../../etc/passwd",
    "FREQ=MONTHLY;BYDAY=+54MO",
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=SECONDLY;COUNT=1000000",
    "FREQ=YEARLY;BYMONTHDAY=99",
    "RRULE:FREQ=WEEKLY;UNTIL=99991231T000000Z",
    "a",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "\\\\evil.example",
    "/\\evil.example",
    "http://testserver@evil.example/",
    "[[[[[[[[[[",
    "{{{{{{",
    "]]]",
    "{% debug %}",
    "{{ request }}",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "[x](javascript:alert(1))",
    "@[",
    "@[Awa Traoré]",
    "%s%s%n%(name)s",
    "' OR 1=1 --",
    "é" * 5000,
    "x" * 70_000,
    "\n" * 300,
    "\r\n.\r\n",
    "true",
    "on",
    "moderator",
    "approve",
    "refuse",
    "member",
]

EDGE_BYTES = [
    b"\xff\xfe\x00",
    b"\xed\xa0\x80",  # an encoded lone surrogate
    b"\xc3",  # a truncated sequence
    b"\xef\xbb\xbf",  # a byte order mark
    b"\x00\x00",
    b"%",
    b"%zz",
    b"%ED%A0%80",
    b"=&=&&",
]

# Names a form may carry beyond its own fields: what views read off request.POST.
EXTRA_NAMES = [
    "next",
    "action",
    "type",
    "parent",
    "onglet",
    "key",
    "id",
    "user",
    "body",
    "title",
    "reason",
    "role",
    "decision",
    "language",
    "target",
    "tags",
    "starts_at",
    "capacity",
    "rrule",
    "csrfmiddlewaretoken",
    "avant",
    "after",
    "before",
    "page",
    "q",
]

characters = st.characters(codec=None)  # every code point, lone surrogates included
texts = st.one_of(
    st.sampled_from(EDGE_TEXTS),
    st.text(characters, max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.builds(
        lambda head, n: head * n, st.sampled_from(["[", "{", "(", "a", "é"]), st.integers(1, 3_000)
    ),
)
utf8_texts = texts.map(
    lambda text: text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
)


REDIRECTS = [
    "a",
    "",
    "/",
    "//evil.example",
    "https://evil.example/",
    "/\\evil.example",
    "javascript:alert(1)",
    "\x00",
    "/%00",
    "?",
    "#",
    "/compte/connexion/?next=a",
    "\u202e/",
]
# Values aimed at what a field of that name is read as.
BY_NAME = {"next": st.one_of(st.sampled_from(REDIRECTS), texts)}


def edge_bodies(fields: list[str], valid: dict | None) -> list[dict]:
    """Bodies always tried, besides the generated ones: the valid body with each redirect
    as ``next``, and with each field at a few known edges (10^20, year 9999, a crashing rule)."""
    base = dict(valid or {})
    bodies = [base] + [{**base, "next": target} for target in REDIRECTS]
    for name in sorted(set(fields) | set(base)):
        for value in (str(10**20), "9999-12-31T23:59", "FREQ=MONTHLY;BYDAY=+54MO"):
            bodies.append({**base, name: value})
    return bodies


def urlencoded(pairs: dict, charset: str = "") -> tuple[bytes, str]:
    return _urlencode(list(pairs.items())), "application/x-www-form-urlencoded" + charset


def value_for(name: str) -> st.SearchStrategy[str]:
    return BY_NAME.get(name, texts)


def form_body(fields: list[str], valid: dict | None = None) -> st.SearchStrategy:
    """An urlencoded form body (raw bytes: bad UTF-8 and odd charsets too), and its type.

    Half the bodies start from ``valid`` (a body the route accepts) with one
    to three fields replaced or added, so that a hostile value also reaches
    the code that runs once the rest of the form is right.
    """
    names = sorted(set(fields) | set(EXTRA_NAMES) | set(valid or ()))
    if valid:
        changes = st.dictionaries(st.sampled_from(names), st.just(None), min_size=1, max_size=3)
        mutated = changes.flatmap(
            lambda picked: st.fixed_dictionaries({n: value_for(n) for n in picked}).map(
                lambda new: {**valid, **new}
            )
        )
        return st.one_of(_form_body(fields), mutated.flatmap(_encoded))
    return _form_body(fields)


def _encoded(pairs: dict) -> st.SearchStrategy:
    return st.builds(
        lambda charset: (
            _urlencode(list(pairs.items())),
            "application/x-www-form-urlencoded" + charset,
        ),
        st.sampled_from(["", "", "; charset=latin-1"]),
    )


def _urlencode(pairs) -> bytes:
    return b"&".join(
        quote_from_bytes(k.encode("utf-8", "surrogatepass")).encode()
        + b"="
        + quote_from_bytes(v.encode("utf-8", "surrogatepass")).encode()
        for k, v in pairs
    )


def _form_body(fields: list[str]) -> st.SearchStrategy:
    names = (
        st.sampled_from(sorted(set(fields) | set(EXTRA_NAMES)))
        if fields
        else st.sampled_from(EXTRA_NAMES)
    )
    known = st.lists(st.tuples(names, texts), max_size=12)
    extra = st.lists(st.tuples(st.text(characters, max_size=12), texts), max_size=3)
    own = (
        st.fixed_dictionaries({name: value_for(name) for name in fields}) if fields else st.just({})
    )
    charset = st.sampled_from(
        ["", "", "", "; charset=utf-8", "; charset=latin-1", "; charset=utf-16", "; charset=nope"]
    )
    tail = st.lists(st.sampled_from(EDGE_BYTES), max_size=2)

    def encode(own, known, extra, tail, charset):
        body = _urlencode(list(own.items()) + known + extra)
        body += b"".join(b"&" + piece for piece in tail)
        return body, "application/x-www-form-urlencoded" + charset

    return st.builds(encode, own, known, extra, tail, charset)


# JSON ----------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**53, 2**53 + 1, 2**63, 10**20, -(10**20)]),
    st.floats(allow_nan=False, allow_infinity=False),
    utf8_texts,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(utf8_texts, children, max_size=4)
    ),
    max_leaves=12,
)


def field_value(field) -> st.SearchStrategy:
    """A value for one field of a room action: the right shape (at its bounds) or the wrong one."""
    if isinstance(field, Key):
        right = st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True)
    elif isinstance(field, Ref):
        right = st.one_of(st.integers(1, 50), st.sampled_from([0, -1, 2**53 - 1, 2**53, 2**64]))
    elif isinstance(field, Int):
        right = st.integers(field.minimum - 2, field.maximum + 2)
    elif isinstance(field, Bool):
        right = st.booleans()
    elif isinstance(field, TextList):
        right = st.lists(utf8_texts, max_size=field.max_items + 2)
    elif isinstance(field, Text):
        right = st.one_of(
            utf8_texts, st.builds(lambda n: "x" * n, st.integers(0, field.max_length + 5))
        )
    else:
        right = json_values
    wrong = st.one_of(json_values, st.sampled_from([None, True, "1", 1.5, [], {}, "²"]))
    return st.one_of(right, right, wrong)


def action_frame(action) -> st.SearchStrategy[dict]:
    """A frame of ``action``: its fields generated, some missing, some extra."""
    fields = {f.name: field_value(f) for f in action.fields}
    present = st.fixed_dictionaries({}, optional=fields) if fields else st.just({})
    extra = st.dictionaries(utf8_texts, json_values, max_size=2)
    return st.builds(lambda base, more: {**more, **base, "type": action.name}, present, extra)


def deep(depth: int, opener: str = "[") -> str:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "{":
        return '{"a":' * depth + "1" + "}" * depth
    return opener * depth + closer * depth


garbage_text = st.one_of(
    st.text(characters, max_size=200),
    st.sampled_from(
        [
            "",
            "null",
            "[]",
            "1",
            '"ping"',
            "{",
            '{"type": NaN}',
            '{"type": "send", "body": Infinity}',
            '{"type": "ping", "type": "send"}',
            '{"type": {"$gt": ""}}',
            '{"type": "send", "key": "\\ud800\\ud800\\ud800", "body": "x"}',
            '{"type": "ping", "x": ' + "9" * 5000 + "}",
            '{"type": "send", "body": 1e999}',
            "\ufeff{}",
            '{"type": "' + "\\u0000" * 100 + '"}',
        ]
    ),
    st.builds(deep, st.integers(30, 8000), st.sampled_from(["[", "{"])),
    st.builds(lambda n: '{"type":"send","body":"' + "x" * n + '"}', st.integers(16_000, 17_000)),
    json_values.map(lambda value: json.dumps(value, ensure_ascii=False)),
)


def json_body(actions) -> st.SearchStrategy[bytes]:
    """A JSON body for an HTTP room door: frames of the table's actions, or garbage."""
    frames = st.one_of(*[action_frame(a) for a in actions]) if actions else json_values
    text = st.one_of(frames.map(lambda f: json.dumps(f, ensure_ascii=False)), garbage_text)
    return st.one_of(
        text.map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.sampled_from(EDGE_BYTES),
        st.binary(max_size=64),
    )
