"""The ASGI server process: garbage collector and interpreter lock tuning (config/runtime.py)."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import runtime

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, (10_000, 10, 10)),
        ("", (10_000, 10, 10)),
        ("off", None),
        (" OFF ", None),
        ("5000, 20, 30", (5000, 20, 30)),
    ],
)
def test_thresholds_are_read_from_the_setting(value, expected):
    assert runtime.parse_thresholds(value) == expected


@pytest.mark.parametrize("value", ["1,2", "1,2,3,4", "a,b,c", "0,10,10", "-5,10,10", "10000"])
def test_bad_thresholds_are_refused_with_the_value(value):
    with pytest.raises(ImproperlyConfigured, match="GC_THRESHOLDS must be three positive"):
        runtime.parse_thresholds(value)


def test_tuning_freezes_start_up_objects_and_sets_thresholds():
    before = gc.get_threshold()
    try:
        assert runtime.tune_garbage_collector((12_345, 11, 12)) is True
        assert gc.get_threshold() == (12_345, 11, 12)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_off_changes_nothing():
    before = gc.get_threshold()
    assert runtime.tune_garbage_collector(None) is False
    assert gc.get_threshold() == before


def _load_asgi(**env) -> subprocess.CompletedProcess:
    code = (
        "import gc, json, sys, config.asgi; "
        "print(json.dumps({'threshold': gc.get_threshold(), 'frozen': gc.get_freeze_count(),"
        " 'switch': sys.getswitchinterval()}))"
    )
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"GC_THRESHOLDS", "SWITCH_INTERVAL_MS"}
    }
    environ.update(DJANGO_SETTINGS_MODULE="config.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )


def test_the_asgi_application_tunes_its_process():
    result = _load_asgi()
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert tuple(state["threshold"]) == (10_000, 10, 10)
    assert state["frozen"] > 10_000  # Django, the apps, the URL patterns
    assert state["switch"] == pytest.approx(0.0005)


def test_the_asgi_application_can_leave_the_collector_alone():
    result = _load_asgi(GC_THRESHOLDS="off")
    assert result.returncode == 0, result.stderr
    state = json.loads(result.stdout)
    assert tuple(state["threshold"]) == (700, 10, 10)
    assert state["frozen"] < 1000  # only what the interpreter itself keeps there


def test_a_bad_setting_stops_the_server_with_a_clear_message():
    result = _load_asgi(GC_THRESHOLDS="lots")
    assert result.returncode != 0
    assert "GC_THRESHOLDS must be three positive integers" in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 0.0005), ("", 0.0005), ("off", None), (" OFF ", None), ("2", 0.002), ("0.25", 0.00025)],
)
def test_switch_interval_is_read_in_milliseconds(value, expected):
    result = runtime.parse_switch_interval(value)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("value", ["0", "-1", "fast", "nan", "inf", "101"])
def test_bad_switch_intervals_are_refused_with_the_value(value):
    with pytest.raises(ImproperlyConfigured, match=f"SWITCH_INTERVAL_MS must be .*got {value!r}"):
        runtime.parse_switch_interval(value)


def test_setting_the_switch_interval():
    before = sys.getswitchinterval()
    try:
        assert runtime.set_switch_interval(0.001) is True
        assert sys.getswitchinterval() == pytest.approx(0.001)
        assert runtime.set_switch_interval(None) is False
        assert sys.getswitchinterval() == pytest.approx(0.001)
    finally:
        sys.setswitchinterval(before)


def test_the_asgi_application_can_leave_the_switch_interval_alone():
    result = _load_asgi(SWITCH_INTERVAL_MS="off")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["switch"] == pytest.approx(0.005)


def test_a_bad_switch_interval_stops_the_server_with_a_clear_message():
    result = _load_asgi(SWITCH_INTERVAL_MS="fast")
    assert result.returncode != 0
    assert "SWITCH_INTERVAL_MS must be a number of milliseconds" in result.stderr
