"""
Demo data and the commands that load it (``seed_demo``, ``seed_demo_webinars``).

It sits on top of every domain app and writes through their services; no
domain app imports it, so production code never depends on demo content.
"""
