"""
Jɛkafɔ's settings for bench/vs_spirit.py: production-like (DEBUG off, set by the
environment) with the test overrides (no static manifest to build), and one
page of 100 posts, the size the Spirit peer is compared at.
"""

from config.settings_test import *  # noqa: F403
from config.settings_test import JEKAFO

JEKAFO = {**JEKAFO, "POSTS_PER_PAGE": 100}
