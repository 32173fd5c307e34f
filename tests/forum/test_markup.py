"""
Sanitisation and rendering of member-written Markdown (forum.markup).

The hostile corpus is our own, inspired by the OWASP XSS Filter Evasion
cheat sheet, html5lib's sanitizer tests and bleach's tests. Every input is
rendered and the output parsed: only allowlisted tags and attributes may
remain, and every href must use http, https or mailto (or be relative).
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from markdown_it import MarkdownIt

from forum import markup
from forum.markup import escape_markdown, quote_markdown, render_markdown

# What the output may contain, written out here rather than imported, so that
# widening the allowlist in forum/markup.py makes these tests fail.
SAFE_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
SAFE_ATTRIBUTES = {
    "a": {"href", "title", "rel"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
SAFE_SCHEMES = {"", "http", "https", "mailto"}
REL = "nofollow ugc noopener"

XSS = "alert(1)"
B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="

HOSTILE = [
    # Raw HTML: must come out as text.
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    '"><script>alert(1)</script>',
    '<IMG """><SCRIPT>alert(1)</SCRIPT>">',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<img src=`javascript:alert(1)`>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<x onmouseover=alert(1)>survol</x>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    "<style>@import 'http://xss.example/x.css';</style>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="x" onclick="alert(1)">x</a>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<object data="javascript:alert(1)"></object>',
    f'<embed src="data:text/html;base64,{B64_SCRIPT}">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<!--<img src=x onerror=alert(1)>-->",
    # Markdown inline links.
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#x0A;script:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](jAvAsCrIpT&#58;alert(1))",
    "[x](  javascript:alert(1)  )",
    "[x](<javascript:alert(1)>)",
    "[x](\x01javascript:alert(1))",
    "[x](\\javascript:alert(1))",
    "[x](javascript://%0Aalert(1))",
    f"[x](data:text/html;base64,{B64_SCRIPT})",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](mocha:alert(1))",
    "[x](livescript:alert(1))",
    "[x](tel:+22370000000)",
    '[x](http://e.example/" onmouseover="alert(1))',
    '[x](http://e.example "t\\" onmouseover=\\"alert(1)")',
    "[<img src=x onerror=alert(1)>](http://e.example)",
    # Autolinks.
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox(1)>",
    '<http://e.example/"onmouseover=alert(1)>',
    # Reference links.
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x][ref]\n\n[ref]: JaVaScRiPt:alert(1) 'titre'",
    "[x][ref]\n\n[ref]: data:text/html,<script>alert(1)</script>",
    '[x][ref]\n\n[ref]: <vbscript:msgbox(1)> "t"',
    "[ref]\n\n[ref]: java&#x09;script:alert(1)",
    # Markdown images.
    "![x](javascript:alert(1))",
    "![x](http://evil.example/pixel.png)",
    '![x" onerror="alert(1)](http://e.example/x.png)',
    "![x][img]\n\n[img]: http://evil.example/pixel.png",
    # Bare text that looks like a URL.
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://example.com/<script>alert(1)</script>",
    'http://example.com/"><script>alert(1)</script>',
    "www.example.com/<img src=x onerror=alert(1)>",
    # Hostile content inside Markdown structures.
    "# <img src=x onerror=alert(1)>",
    "> <script>alert(1)</script>",
    "| a |\n|---|\n| [x](javascript:alert(1)) <iframe> |",
    "* <svg onload=alert(1)>\n* [x](vbscript:msgbox(1))",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n<img src=x onerror=alert(1)>\n```",
    "    <iframe src=javascript:alert(1)>",
]

FORBIDDEN_SUBSTRINGS = [
    "<script",
    "<iframe",
    "<img",
    "<svg",
    "<math",
    "<object",
    "<embed",
    "<form",
    "<meta",
    "<style",
    "<link",
    "<base",
    "<input",
    "<video",
    "<details",
    "<body",
    "<x ",
    "<div",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def parse_tags(html: str):
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


def scheme_of(href: str) -> str:
    """The scheme a browser would see: tabs and newlines removed, leading controls trimmed."""
    href = re.sub(r"[\t\n\r]", "", href).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \x0b\x0c")
    return urlsplit(href).scheme.lower()


def assert_safe(html: str) -> None:
    lowered = html.lower()
    for needle in FORBIDDEN_SUBSTRINGS:
        assert needle not in lowered, f"{needle!r} in {html!r}"
    # Attribute names inside tags (text is escaped, so every raw "<" starts a
    # real tag; quoted values are blanked, their content is inert).
    for raw_tag in re.findall(r"<[^>]*>", html):
        names = re.sub(r"\"[^\"]*\"|'[^']*'", '""', raw_tag)
        assert not re.search(r"[\s/]on[a-z]+\s*=", names, re.I), raw_tag
        assert not re.search(r"[\s/]style\s*=", names, re.I), raw_tag
    for tag, attrs in parse_tags(html):
        assert tag in SAFE_TAGS, f"<{tag}> in {html!r}"
        for name, value in attrs:
            assert name in SAFE_ATTRIBUTES.get(tag, set()), f"{name}= on <{tag}> in {html!r}"
            if name == "href":
                scheme = scheme_of(value or "")
                assert scheme not in {"javascript", "vbscript", "data"}, html
                assert scheme in SAFE_SCHEMES, f"href={value!r} in {html!r}"


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_input_renders_harmless(source):
    assert_safe(render_markdown(source))


@pytest.mark.parametrize("source", HOSTILE)
def test_sanitiser_alone_stops_hostile_html(monkeypatch, source):
    # Even if the Markdown stage let raw HTML through, bleach must clean it.
    permissive = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    monkeypatch.setattr(markup, "_markdown", permissive)
    assert_safe(render_markdown(source))


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](mocha:alert(1))",
        "[x](tel:+22370000000)",
        "<vbscript:msgbox(1)>",
        '<a href="javascript:alert(1)">x</a>',
    ],
)
def test_links_with_a_forbidden_scheme_lose_their_anchor(monkeypatch, source):
    permissive = MarkdownIt("commonmark", {"html": True})
    monkeypatch.setattr(markup, "_markdown", permissive)
    assert "<a" not in render_markdown(source)


def test_assert_safe_catches_what_it_should():
    # The checker itself must fail on the things it is meant to catch.
    for dangerous in (
        '<a href="javascript:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="x" onclick="alert(1)">x</a>',
        '<p style="color:red">x</p>',
        "<img src=x>",
        "<iframe></iframe>",
        "<span>x</span>",
    ):
        with pytest.raises(AssertionError):
            assert_safe(dangerous)


# What members are meant to get -------------------------------------------------------------------


def anchors(html: str) -> list[dict]:
    return [dict(attrs) for tag, attrs in parse_tags(html) if tag == "a"]


def test_markdown_links_get_rel_nofollow_ugc_noopener():
    html = render_markdown('[MUSOW](https://www.example.org/musow "Site")')
    assert anchors(html) == [{"href": "https://www.example.org/musow", "title": "Site", "rel": REL}]
    assert ">MUSOW</a>" in html


def test_bare_urls_are_linkified_with_rel():
    html = render_markdown("Voir https://example.org/loi-052?p=1&q=2 et www.wildaf.org")
    assert anchors(html) == [
        {"href": "https://example.org/loi-052?p=1&q=2", "rel": REL},
        {"href": "http://www.wildaf.org", "rel": REL},
    ]


def test_autolinks_and_email_autolinks_render():
    html = render_markdown("<https://example.org> ou <awa@example.org>")
    assert anchors(html) == [
        {"href": "https://example.org", "rel": REL},
        {"href": "mailto:awa@example.org", "rel": REL},
    ]


def test_relative_and_fragment_links_are_kept():
    html = render_markdown("[règles](/regles/) et [haut](#haut)")
    assert [a["href"] for a in anchors(html)] == ["/regles/", "#haut"]


def test_code_blocks_are_escaped_and_not_linkified():
    html = render_markdown("```\nhttps://example.org <b>gras</b>\n```")
    assert html == "<pre><code>https://example.org &lt;b&gt;gras&lt;/b&gt;\n</code></pre>"


def test_inline_code_is_escaped_and_not_linkified():
    html = render_markdown("Tapez `https://example.org/<i>` puis Entrée")
    assert "<code>https://example.org/&lt;i&gt;</code>" in html
    assert "<a" not in html


def test_code_block_language_class_is_dropped():
    html = render_markdown("```python\nprint('i ni ce')\n```")
    assert html.startswith("<pre><code>print(")
    assert "class=" not in html


def test_headings_are_demoted_below_the_page_headings():
    html = render_markdown("# Un\n\n## Deux\n\n### Trois\n\nTitre\n=====")
    assert html == "<h3>Un</h3>\n<h4>Deux</h4>\n<h3>Trois</h3>\n<h3>Titre</h3>"


def test_tables_render():
    html = render_markdown("| Région | Cas |\n|---|---|\n| Ségou | 12 |")
    assert [tag for tag, _ in parse_tags(html)] == [
        "table",
        "thead",
        "tr",
        "th",
        "th",
        "tbody",
        "tr",
        "td",
        "td",
    ]
    assert "<td>Ségou</td>" in html


def test_strikethrough_renders():
    assert render_markdown("~~ancien texte~~") == "<p><s>ancien texte</s></p>"


def test_emphasis_lists_and_quotes_render():
    html = render_markdown("**gras** *italique*\n\n3. trois\n4. quatre\n\n> cité\n\n---")
    assert "<strong>gras</strong> <em>italique</em>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>\n<p>cité</p>\n</blockquote>" in html
    assert "<hr" in html


def test_images_are_not_rendered_but_their_link_stays_usable():
    html = render_markdown("![affiche](https://example.org/affiche.png)")
    assert "<img" not in html
    assert anchors(html) == [{"href": "https://example.org/affiche.png", "rel": REL}]


def test_raw_html_is_shown_as_text():
    assert render_markdown("<b>gras</b>") == "<p>&lt;b&gt;gras&lt;/b&gt;</p>"


def test_empty_input_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown("   \n") == ""


# quote_markdown ----------------------------------------------------------------------------------


def test_quote_markdown_produces_a_blockquote_attributed_to_the_author():
    source = quote_markdown("Première ligne\n\nDeuxième ligne", "Awa Traoré")
    assert source.startswith("> **Awa Traoré** :\n>\n> Première ligne\n>\n> Deuxième ligne")
    html = render_markdown(source)
    assert html == (
        "<blockquote>\n<p><strong>Awa Traoré</strong> :</p>\n"
        "<p>Première ligne</p>\n<p>Deuxième ligne</p>\n</blockquote>"
    )


def test_quote_markdown_escapes_the_author_name():
    name = "*Awa* _T_ <b>x</b> [lien](javascript:alert(1)) # A & B ~~C~~ `D`"
    html = render_markdown(quote_markdown("Bonjour", name))
    assert html.startswith("<blockquote>\n<p><strong>")
    # The name is shown exactly as written: no emphasis, tag, link, code or strikethrough.
    assert (
        "<strong>*Awa* _T_ &lt;b&gt;x&lt;/b&gt; [lien](javascript:alert(1)) # A &amp; B ~~C~~ `D`"
        "</strong>" in html
    )
    for tag in ("<em>", "<a", "<s>", "<code>", "<h3>"):
        assert tag not in html


def test_quote_markdown_cannot_be_broken_out_of():
    html = render_markdown(quote_markdown("a\n\n</blockquote><script>alert(1)</script>", "Awa"))
    assert_safe(html)
    assert html.count("<blockquote>") == 1
    assert html.endswith("</blockquote>")


def test_escape_markdown_escapes_every_special_character():
    assert escape_markdown("a*b_c[d]#e") == "a\\*b\\_c\\[d\\]\\#e"
    assert escape_markdown("Jɛkafɔ") == "Jɛkafɔ"
