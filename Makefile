# Jɛkafɔ — developer commands.
#
#   make run     install (first time), migrate, load the demo data, serve on http://127.0.0.1:8000/
#   make test    install (first time) and run the test suite
#
# Only Python >= 3.12 is needed; everything else is installed into .venv.
# Overridable: PYTHON, HOST, PORT, SITE_URL, PYTEST_ARGS, BENCH_ARGS
# (e.g. make run PORT=8103, or HOST=0.0.0.0 to be reached from other machines).

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
BENCH_ARGS ?=
# The address the site is reached on, given to `make run`'s commands: the links the demo
# prints, e-mails and calendar feeds use it. A server bound to every interface is
# reached on 127.0.0.1 from this machine. A SITE_URL set by the user wins.
LINK_HOST = $(if $(filter 0.0.0.0 :: [::],$(HOST)),127.0.0.1,$(HOST))
SITE_URL ?= http://$(LINK_HOST):$(PORT)
RUN_ENV = SITE_URL='$(SITE_URL)'

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py

.DEFAULT_GOAL := help
.PHONY: help venv run test lint format bench bench-unread bench-listings bench-search bench-app-shell bench-voice bench-fanout bench-fanout-target bench-spirit bench-reconnect bench-faults bench-faults-thread bench-conference bench-thread-live bench-resume messages clean distclean check-python

help:
	@echo "make run        migrate, load demo data, serve with Daphne on $(SITE_URL)/ (e.g. PORT=8103 HOST=0.0.0.0)"
	@echo "make test       run the test suite (extra arguments: PYTEST_ARGS='-k thread -x')"
	@echo "make lint       ruff check and ruff format --check"
	@echo "make format     ruff format and ruff check --fix"
	@echo "make bench      thread page benchmark; refreshes docs/benchmarks.md"
	@echo "make bench-unread  thread list and signed-in home with unread counts at 10/100/1000 threads"
	@echo "make bench-listings  home, CoP, tag pages at 10/500/5,000 members x 100/1,000/10,000 threads (DATABASE_URL for PostgreSQL)"
	@echo "make bench-app-shell  service worker + app shell size, bytes of a first and second visit"
	@echo "make bench-search  search: 100,000 posts, p50/p95 of 20 queries, index build time and size (DATABASE_URL for PostgreSQL)"
	@echo "make bench-voice  voice notes: bytes per minute, conversion time, a thread of 10 notes"
	@echo "make bench-spirit  thread page against the Spirit forum (own venv bench/.spirit-venv), in-process and over HTTP"
	@echo "make bench-fanout  chat fan-out benchmark (Daphne + Redis vs bare websockets; needs redis-server)"
	@echo "make bench-faults  Redis paused 30 s during a chat over two Daphne processes (needs redis-server)"
	@echo "make bench-faults-thread  Redis paused 30 s during replies to a live thread (needs redis-server)"
	@echo "make bench-fanout-target  the 500-listener target: 5 rounds, bare and Daphne in turn, pooled"
	@echo "make bench-reconnect  1,000 room sockets over two Daphne processes, one killed -9 and restarted"
	@echo "make bench-conference  webinar room of 1000 over two processes: chat + upvotes vs bare server"
	@echo "make bench-thread-live  8 members replying at once to a thread, 50 readers over two Daphne processes (needs redis-server)"
	@echo "make bench-resume  50 sockets resuming from after=0 in a room of 10,000 messages: Daphne memory (needs redis-server)"
	@echo "make messages   update and compile translations (locale/en)"
	@echo "make venv       create .venv and install the project with its dev tools"
	@echo "make clean      remove caches and generated files; distclean also removes .venv"

check-python:
	@$(PYTHON) -c 'import sys' 2>/dev/null || { \
		echo "error: '$(PYTHON)' was not found. Install Python 3.12 or newer, or run: make PYTHON=/path/to/python3.12 ..." >&2; \
		exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "error: Jɛkafɔ needs Python >= 3.12, but '$(PYTHON)' is $$($(PYTHON) -c 'import platform; print(platform.python_version())')." >&2; \
		echo "       Install Python 3.12 or newer, or run: make PYTHON=/path/to/python3.12 ..." >&2; \
		exit 1; }

$(BIN)/python:
	@$(MAKE) --no-print-directory check-python
	@echo "Jɛkafɔ : création de l'environnement Python dans $(VENV)…"
	@$(PYTHON) -m venv $(VENV)

# Re-install only when the declared dependencies change.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "Jɛkafɔ : installation des dépendances (une à deux minutes la première fois)…"
	@$(BIN)/python -m pip install --progress-bar off --disable-pip-version-check -e '.[dev]'
	@touch $@
	@echo "Jɛkafɔ : prêt."

venv: $(STAMP)

run: $(STAMP)
	$(RUN_ENV) $(MANAGE) migrate --no-input
	$(RUN_ENV) $(MANAGE) seed_demo
	$(RUN_ENV) $(MANAGE) seed_demo_webinars
	@echo "Jɛkafɔ: $(SITE_URL)/  (Ctrl+C to stop)"
	$(RUN_ENV) $(BIN)/python -m config.serve -b $(HOST) -p $(PORT) --ping-interval 20 --ping-timeout 60 config.asgi:application

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/thread_page.py $(BENCH_ARGS)

bench-unread: $(STAMP)
	$(BIN)/python bench/unread_pages.py $(BENCH_ARGS)

bench-listings: $(STAMP)
	$(BIN)/python bench/listings.py $(BENCH_ARGS)

bench-app-shell: $(STAMP)
	$(BIN)/python bench/app_shell.py
bench-voice: $(STAMP)
	$(BIN)/python bench/voice.py $(BENCH_ARGS)
bench-search: $(STAMP)
	$(BIN)/python bench/search.py $(BENCH_ARGS)

bench-fanout: $(STAMP)
	$(BIN)/python bench/fanout.py $(BENCH_ARGS)

bench-reconnect: $(STAMP)
	$(BIN)/python bench/reconnect.py $(BENCH_ARGS)

bench-faults: $(STAMP)
	$(BIN)/python bench/faults.py $(BENCH_ARGS)

bench-faults-thread: $(STAMP)
	$(BIN)/python bench/faults.py --scenario thread $(BENCH_ARGS)

bench-fanout-target: $(STAMP)
	$(BIN)/python bench/fanout.py --listeners 500 --layer pubsub --rounds 5 --duration 30 \
		--section fanout-target $(BENCH_ARGS)

# The Spirit peer needs Django < 6: its own virtualenv, pinned (bench/spirit_peer/requirements.txt).
SPIRIT_VENV := bench/.spirit-venv
$(SPIRIT_VENV)/.installed: bench/spirit_peer/requirements.txt
	$(PYTHON) -m venv $(SPIRIT_VENV)
	$(SPIRIT_VENV)/bin/pip install --quiet -r bench/spirit_peer/requirements.txt
	touch $@

bench-spirit: $(STAMP) $(SPIRIT_VENV)/.installed
	$(BIN)/python bench/vs_spirit.py $(BENCH_ARGS)

bench-conference: $(STAMP)
	$(BIN)/python bench/conference.py $(BENCH_ARGS)

bench-thread-live: $(STAMP)
	$(BIN)/python bench/thread_live.py $(BENCH_ARGS)

bench-resume: $(STAMP)
	$(BIN)/python bench/resume.py $(BENCH_ARGS)

messages: $(STAMP)
	$(MANAGE) makemessages -l en --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
	$(MANAGE) compilemessages --ignore=.venv

clean:
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache staticfiles bench/results build *.egg-info

distclean: clean
	rm -rf $(VENV)
