"""The deploy tests' own rules: a missing tool fails in CI, skips elsewhere; the site renders."""

import re

import pytest
from _pytest.outcomes import Failed, Skipped

from ._tools import render_site, require_tool


def test_a_missing_tool_fails_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="CI must install it"):
        require_tool("jekafo-no-such-program")


def test_a_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped):
        require_tool("jekafo-no-such-program")


def test_rendered_site_listens_on_loopback_test_ports_only(tmp_path):
    text = render_site(
        server_name="localhost",
        cert=tmp_path / "c.pem",
        key=tmp_path / "k.pem",
        static_root=tmp_path / "static",
        acme_root=tmp_path / "acme",
        http_port=18080,
        https_port=18443,
        upstream_ports=[18001, 18002, 18003],
    )
    listens = re.findall(r"^\s*listen ([^\s;]+)", text, re.MULTILINE)
    assert sorted(set(listens)) == ["127.0.0.1:18080", "127.0.0.1:18443"]
    servers = re.findall(r"^\s*server (127\.0\.0\.1:\d+);", text, re.MULTILINE)
    assert servers == ["127.0.0.1:18001", "127.0.0.1:18002", "127.0.0.1:18003"]
    assert f"alias {tmp_path / 'static'}/;" in text
