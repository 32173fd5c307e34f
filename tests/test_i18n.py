"""
The English catalogue is complete, sound and compiled.

Message ids are French (LANGUAGE_CODE = "fr"); ``locale/en`` holds the English
translation. These tests read ``django.po`` with a small reader of their own so
that they need neither polib nor the gettext tools.
"""

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# A printf-style conversion as Python's % operator reads it: %(name)s, %d, %.1f…
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]")
# An HTML tag, attributes included: a translation keeps each link and its target.
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")\s*$')


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The id under which gettext stores the entry (context joined by EOT)."""
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    def sources(self) -> dict[int, str]:
        """For each msgstr index, the msgid it translates."""
        if self.msgid_plural is None:
            return {0: self.msgid}
        return {n: self.msgid if n == 0 else self.msgid_plural for n in self.msgstr}


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """Read a .po file: every live entry, header included, obsolete (#~) ones skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None  # which field continuation lines extend

    def finish():
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()  # a comment opens the next entry
            if current is None:
                current = Entry(line=number)
            if line.startswith("#,"):
                current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        match = KEYWORD.match(line)
        if match:
            keyword, index, quoted = match.groups()
            if current is not None and current.msgstr and not keyword.startswith("msgstr"):
                finish()
            if current is None:
                current = Entry(line=number)
            value = _unquote(quoted, path, number)
            if keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", 0)
            elif keyword == "msgid":
                current.msgid, target = value, ("msgid", 0)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", 0)
            else:
                n = int(index) if index is not None else 0
                current.msgstr[n], target = value, ("msgstr", n)
            continue
        if line.startswith('"') and current is not None and target is not None:
            name, n = target
            value = _unquote(line, path, number)
            if name == "msgstr":
                current.msgstr[n] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise ValueError(f"{path}:{number}: cannot read {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH} is missing: run makemessages -l en"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    """The translatable entries, header left out."""
    return [entry for entry in po_entries if entry.key != ""]


def where(entry: Entry) -> str:
    return f"{PO_PATH.name}:{entry.line} {entry.msgid!r}"


# --- the reader itself -------------------------------------------------------


def test_reader_handles_plurals_contexts_flags_and_continuations(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#, python-format\nmsgid "%(n)s réponse"\nmsgid_plural "%(n)s réponses"\n'
        'msgstr[0] "%(n)s reply"\nmsgstr[1] "%(n)s replies"\n'
        '#, fuzzy\nmsgctxt "bouton"\nmsgid ""\n"Un \\"long\\" "\n"texte"\n'
        'msgstr "A "\n"long text"\n\n'
        '#~ msgid "ancien"\n#~ msgstr "old"\n',
        encoding="utf-8",
    )
    header, plural, fuzzy = parse_po(po)
    assert header.key == "" and header.msgstr == {0: "Language: en\n"}
    assert plural.flags == {"python-format"}
    assert plural.msgid_plural == "%(n)s réponses"
    assert plural.msgstr == {0: "%(n)s reply", 1: "%(n)s replies"}
    assert "fuzzy" in fuzzy.flags
    assert fuzzy.key == 'bouton\x04Un "long" texte'
    assert fuzzy.msgstr == {0: "A long text"}


# --- (a) the catalogue is complete and sound ---------------------------------


def test_header_declares_english_utf8_and_two_plural_forms(po_entries):
    header = po_entries[0]
    assert header.key == "", "the header must come first"
    text = header.msgstr[0]
    assert "Language: en\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in text


def test_catalogue_is_not_empty(messages):
    assert len(messages) > 100


def test_no_fuzzy_entries(po_entries):
    fuzzy = [where(entry) for entry in po_entries if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy entries (check, fix and drop the flag):\n" + "\n".join(fuzzy)


def test_every_entry_is_translated(messages):
    untranslated = []
    for entry in messages:
        expected = {0, 1} if entry.msgid_plural is not None else {0}
        if set(entry.msgstr) != expected or not all(s.strip() for s in entry.msgstr.values()):
            untranslated.append(where(entry))
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)


def test_no_duplicate_entries(messages):
    duplicates = [key for key, count in Counter(e.key for e in messages).items() if count > 1]
    assert not duplicates


def test_placeholders_are_kept(messages):
    problems = []
    for entry in messages:
        if "python-format" not in entry.flags:
            continue
        for n, source in entry.sources().items():
            wanted = Counter(PLACEHOLDER.findall(source))
            got = Counter(PLACEHOLDER.findall(entry.msgstr.get(n, "")))
            if wanted != got:
                problems.append(f"{where(entry)} msgstr[{n}]: expected {wanted}, got {got}")
    assert not problems, "placeholders differ:\n" + "\n".join(problems)


def test_html_tags_are_kept(messages):
    problems = []
    for entry in messages:
        for n, source in entry.sources().items():
            wanted = sorted(HTML_TAG.findall(source))
            got = sorted(HTML_TAG.findall(entry.msgstr.get(n, "")))
            if wanted != got:
                problems.append(f"{where(entry)} msgstr[{n}]: expected {wanted}, got {got}")
    assert not problems, "HTML differs:\n" + "\n".join(problems)


def test_language_names_are_shown_in_their_own_language(messages):
    by_id = {entry.key: entry.msgstr[0] for entry in messages}
    with translation.override(None):  # no catalogue: the lazy names give their msgids
        names = [str(name) for _code, name in settings.LANGUAGES]
    assert names == ["Français", "English"]
    for name in names:
        assert by_id[name] == name


# --- (b) the compiled catalogue matches the source ---------------------------


def test_mo_is_compiled_from_the_current_po(messages):
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages -l en"
    assert MO_PATH.stat().st_size > 0
    with MO_PATH.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog
    mo_ids = {key[0] if isinstance(key, tuple) else key for key in catalog} - {""}
    po_ids = {entry.key for entry in messages}
    assert mo_ids == po_ids, (
        "django.mo is stale, run compilemessages -l en. "
        f"Only in .po: {sorted(po_ids - mo_ids)}; only in .mo: {sorted(mo_ids - po_ids)}"
    )
    stale = []
    for entry in messages:
        if entry.msgid_plural is None:
            if catalog[entry.key] != entry.msgstr[0]:
                stale.append(entry.msgid)
        elif any(catalog[(entry.key, n)] != text for n, text in entry.msgstr.items()):
            stale.append(entry.msgid)
    assert not stale, f"django.mo has older translations of {stale}: run compilemessages -l en"


# --- (c) Django picks the translations up -------------------------------------


@pytest.mark.parametrize(
    ("french", "english"),
    [
        ("Communautés de pratique", "Communities of practice"),
        ("Discussion verrouillée.", "Thread locked."),
        ("modératrice ou modérateur", "moderator"),
        ("Annuaire des organisations", "Directory of organisations"),
        ("Français", "Français"),
    ],
)
def test_known_strings_translate_to_english(french, english):
    with translation.override("en"):
        assert translation.gettext(french) == english
    with translation.override("fr"):
        assert translation.gettext(french) == french


def test_plural_forms_translate_to_english():
    with translation.override("en"):
        one = translation.ngettext("%(counter)s membre", "%(counter)s membres", 1)
        many = translation.ngettext("%(counter)s membre", "%(counter)s membres", 3)
    assert one % {"counter": 1} == "1 member"
    assert many % {"counter": 3} == "3 members"


def test_placeholders_survive_formatting():
    with translation.override("en"):
        text = translation.gettext("Page %(number)s sur %(total)s")
    assert text % {"number": 2, "total": 5} == "Page 2 of 5"


# --- (d) the site speaks the visitor's chosen language ------------------------


def test_home_page_in_english_with_language_cookie(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "Communities of practice" in html
    assert "Communautés de pratique" not in html


def test_home_page_in_french_without_cookie(client, db):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert "Communautés de pratique" in html
    assert "Communities of practice" not in html


@pytest.mark.django_db
def test_language_menu_names_each_language_in_itself(client):
    html = client.get("/").content.decode()
    assert ">English</option>" in html
    assert ">Français</option>" in html


@pytest.mark.django_db
def test_an_english_browser_still_gets_french_until_the_reader_chooses(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="fr"' in response.content.decode()
    client.post("/compte/langue/", {"language": "en", "next": "/"})
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR")
    assert '<html lang="en"' in response.content.decode()
