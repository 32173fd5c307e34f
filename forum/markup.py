"""
The one place that turns member-written Markdown into HTML.

Services call ``render_markdown`` at write time and store the result beside
the source (``body_html``); templates mark only those fields safe.
Markdown-it renders with raw HTML off, then bleach re-parses the output
against frozen allowlists, so a bug in either stage alone lets nothing
through. Images are not rendered at all: a remote image would tell its host
the address of every reader, and costs data on 2G/3G links.
"""

import re
from functools import partial
from html import escape
from typing import Final

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt

ALLOWED_TAGS: Final = frozenset(
    {
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
)
ALLOWED_ATTRIBUTES: Final = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "ol": ["start"],
    "th": ["align"],
    "td": ["align"],
}
ALLOWED_PROTOCOLS: Final = frozenset({"http", "https", "mailto"})
LINK_REL: Final = "nofollow ugc noopener"

_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable(["table", "strikethrough"])
    .disable("image")
)


def _link_attributes(attrs: dict, new: bool = False) -> dict | None:
    href = attrs.get((None, "href"), "")
    if not href:
        return None
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    filters=[partial(LinkifyFilter, callbacks=[_link_attributes], skip_tags={"pre", "code"})],
)


def _demote_headings(html: str) -> str:
    # Page structure owns h1/h2; member headings start at h3.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(
            f"</h{level}>", f"</h{level + 2}>"
        )
    return html


_TABLE_ALIGN = re.compile(r'<(t[hd]) style="text-align:(left|center|right)">')


def render_markdown(text: str) -> str:
    """Render member-written Markdown to HTML that is safe to show as is."""
    # markdown-it aligns table cells with a style attribute, which the cleaner
    # drops; the equivalent align attribute is allowed.
    html = _TABLE_ALIGN.sub(r'<\1 align="\2">', _markdown.render(text))
    return _cleaner.clean(_demote_headings(html)).strip()


def quote_markdown(text: str, author_name: str) -> str:
    """Return ``text`` as a Markdown block quote attributed to ``author_name``."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.strip().splitlines())
    return f"> **{escape_markdown(author_name)}** :\n>\n{quoted}\n\n"


def escape_markdown(text: str) -> str:
    """Escape Markdown punctuation so a name renders as plain text."""
    specials = "\\`*_{}[]()#+-.!|<>~"
    return "".join(f"\\{char}" if char in specials else char for char in text)


_linker = bleach.Linker(callbacks=[_link_attributes], parse_email=False)


def render_chat_text(text: str) -> str:
    """Render a chat message: plain text, escaped, with links and line breaks."""
    return _linker.linkify(escape(text)).replace("\n", "<br>")


# A mention, as the autocomplete inserts it: @[Display Name]
MENTION = re.compile(r"@\[([^\[\]\n]{1,80})\]")


def mentioned_names(text: str) -> set[str]:
    """Return the names mentioned in ``text``, folded to lower case."""
    return {match.group(1).strip().casefold() for match in MENTION.finditer(text)}


def link_mentions(text: str, links: dict[str, tuple[str, str]]) -> str:
    """Turn each ``@[Name]`` whose folded name is in ``links`` into a Markdown link.

    ``links`` maps a folded name to (display name, profile URL); unknown names
    stay as written.
    """

    def replace(match: re.Match) -> str:
        found = links.get(match.group(1).strip().casefold())
        if found is None:
            return match.group(0)
        name, url = found
        return f"[@{escape_markdown(name)}]({url})"

    return MENTION.sub(replace, text)
