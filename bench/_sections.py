"""
The sections of docs/benchmarks.md: every benchmark writes its own.

A section stands between ``<!-- name:start -->`` and ``<!-- name:end -->``;
writing it replaces what is between the markers (or appends the section with
its markers when they are not there yet) and keeps every other section as it
is. Only the standard library is imported, so that any bench script, with or
without Django set up, can use it.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def replace_section(start: str, end: str, body: str, intro: str = "# Benchmarks\n") -> None:
    """Put ``body`` between the ``start`` and ``end`` markers of docs/benchmarks.md
    (appended with them when they are not there yet; a missing file starts with
    ``intro``), keeping every other section."""
    section = f"{start}\n{body}\n{end}"
    text = DOCS.read_text() if DOCS.exists() else intro
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text)


def write_section(name: str, body: str) -> None:
    """Replace the section ``name`` of docs/benchmarks.md, keeping the others."""
    replace_section(*markers(name), body)
