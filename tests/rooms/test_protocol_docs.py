"""
docs/realtime-protocol.md lists the room actions as the table declares them.

The list between ``<!-- actions:start -->`` and ``<!-- actions:end -->`` is
the registry drawn as Markdown; a row added, renamed or changed in
``rooms.actions`` without the doc fails here, with the table to paste.
"""

import json
from pathlib import Path

from django.utils import translation

from rooms import actions

DOC = Path(__file__).resolve().parents[2] / "docs" / "realtime-protocol.md"
WHO = {
    actions.MEMBER: "members",
    actions.AUTHOR: "its author",
    actions.AUTHOR_OR_MODERATOR: "its author, moderators",
    actions.MODERATOR: "moderators",
    actions.READER: "anyone signed in who sees the room",
}


def field_text(field: actions.Field) -> str:
    text = f"`{field.name}`: {field.describe()}"
    if not field.required:
        default = json.dumps(field.default)  # as a JSON client writes it
        text += f" (optional, default `{default}`)"
    return text


def actions_table() -> str:
    lines = [
        "| `type` / `action` | fields | who | ack `id` names | rooms |",
        "| --- | --- | --- | --- | --- |",
    ]
    with translation.override("en"):
        for action in actions.all_actions():
            fields = "; ".join(field_text(f) for f in action.fields) or "—"
            rooms = ", ".join(sorted(action.room_kinds)) or "all"
            lines.append(
                f"| `{action.name}` | {fields} | {WHO[action.who]} | {action.acks} | {rooms} |"
            )
    return "\n".join(lines)


def test_the_protocol_doc_lists_every_room_action_as_declared():
    text = DOC.read_text()
    start, end = "<!-- actions:start -->\n", "\n<!-- actions:end -->"
    assert start in text and end in text
    documented = text.split(start, 1)[1].split(end, 1)[0].strip()
    expected = actions_table()
    assert documented == expected, f"paste into {DOC.name}:\n\n{expected}\n"


def test_the_protocol_doc_lists_every_error_code_with_its_status():
    text = DOC.read_text()
    for code, (status, _meaning) in actions.ERRORS.items():
        assert f"| `{code}` | {status} |" in text, code
