"""
Webinar rooms at conference size (issue 16): bench/fanout.py in webinar mode.

A live webinar room of 1,000 signed-in participants over two Daphne processes
and Redis; chat at 5 messages a second plus question upvotes at 20 a second
for 60 s; against the bare ``websockets`` server with the same fan-out (it
answers an upvote with the same ``votes`` frame), with the same client,
rounds interleaved and pooled. Reported: delivered / expected for messages
and ``votes`` frames, repeated or missing seqs, chat latency p50/p99 and
their ratio to the bare server's, CPU per room frame and its ratio to the bare
server's, load average. Written to docs/benchmarks.md between
``<!-- conference:start -->`` and ``<!-- conference:end -->``.

Run ``.venv/bin/python bench/conference.py`` (``make bench-conference``); any
option of bench/fanout.py overrides the defaults below, e.g. ``--listeners
600`` where 1,000 does not fit the machine, or ``--wire on,off`` to add the
same code without the framed-once writes (realtime/wire.py).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fanout  # noqa: E402

SECTION = "conference"
DEFAULTS = [
    ("--mode", "webinar"),
    ("--listeners", "1000"),
    ("--layer", "pubsub"),
    ("--rate", "5"),
    ("--upvote-rate", "20"),
    ("--duration", "60"),
    ("--rounds", "2"),
    # Two Daphne processes whatever the number of listeners (the set-up).
    ("--two-processes-from", "1"),
    ("--section", SECTION),
]
TITLE = "Webinar room at conference size — chat and upvotes against the bare server"


def main() -> int:
    given = {arg.split("=")[0] for arg in sys.argv[1:] if arg.startswith("--")}
    defaults = [
        part for option, value in DEFAULTS if option not in given for part in (option, value)
    ]
    sys.argv = [sys.argv[0], *defaults, *sys.argv[1:]]
    section = sys.argv[sys.argv.index("--section") + 1] if "--section" in sys.argv else SECTION
    listeners = sys.argv[sys.argv.index("--listeners") + 1]
    fanout.TITLES[section] = TITLE if section == SECTION else f"{TITLE} ({listeners} listeners)"
    fanout.COMMAND = ".venv/bin/python bench/conference.py"
    return fanout.main()


if __name__ == "__main__":
    sys.exit(main())
