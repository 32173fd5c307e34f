"""
How bench/fanout.py turns its measurements into verdicts.

The benchmark's numbers are not tested here (they depend on the machine);
its arithmetic is: a verdict that compared the wrong rounds, or pooled
receipts wrongly, would report a target met that was not.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def fanout():
    saved = list(sys.path)
    try:
        spec = importlib.util.spec_from_file_location("bench_fanout", ROOT / "bench" / "fanout.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # puts bench/ on sys.path for its client module
        yield module
    finally:
        sys.path[:] = saved


def percentile(values_us, q):
    ordered = sorted(values_us)
    return ordered[max(0, -(-q * len(ordered) // 100) - 1)]


def measured(target, round_, latencies_ms, *, listeners=500, lost=0, layer="pubsub"):
    """A case's figures as run_case returns them (the fields pooling reads)."""
    latencies = sorted(int(ms * 1000) for ms in latencies_ms)
    return {
        "target": target,
        "layer": None if target == "bare" else layer,
        "listeners": listeners,
        "processes": 1,
        "round": round_,
        "latencies_us": latencies,
        "acks_us": [1000, 2000],
        "expected": len(latencies) + lost,
        "delivered": len(latencies),
        "lost": lost,
        "duplicates": 0,
        "out_of_order": 0,
        "messages_sent": 10,
        "p50_ms": percentile(latencies, 50) / 1000,
        "p99_ms": percentile(latencies, 99) / 1000,
        "max_ms": latencies[-1] / 1000,
    }


def spread(low, high, count=100):
    return [low + (high - low) * index / (count - 1) for index in range(count)]


def test_each_round_is_compared_with_the_bare_server_of_that_round(fanout):
    results = [
        measured("bare", 1, spread(1, 40)),
        measured("channels", 1, spread(1, 100)),
        measured("bare", 2, spread(1, 60)),
        measured("channels", 2, spread(1, 90)),
    ]
    fanout.ratio_to_bare(results)
    assert results[1]["p99_ratio"] == pytest.approx(results[1]["p99_ms"] / results[0]["p99_ms"])
    assert results[3]["p99_ratio"] == pytest.approx(results[3]["p99_ms"] / results[2]["p99_ms"])
    assert results[1]["p99_ratio"] > 2 > results[3]["p99_ratio"]


def test_rounds_pool_every_receipt_and_the_verdict_reads_the_pool(fanout):
    results = [
        measured("bare", 1, spread(1, 40)),
        measured("channels", 1, spread(1, 100)),  # alone: 2.5 × bare, missed
        measured("bare", 2, spread(1, 60)),
        measured("channels", 2, spread(1, 90)),  # alone: 1.5 × bare, met
    ]
    fanout.ratio_to_bare(results)
    pooled = fanout.pool_rounds(results)
    by_target = {r["target"]: r for r in pooled}
    bare, daphne = by_target["bare"], by_target["channels"]
    assert bare["rounds"] == daphne["rounds"] == 2
    assert daphne["delivered"] == daphne["expected"] == 200
    everything = sorted(int(ms * 1000) for ms in spread(1, 100) + spread(1, 90))
    assert daphne["p99_ms"] == percentile(everything, 99) / 1000
    assert daphne["p99_ratio"] == pytest.approx(daphne["p99_ms"] / bare["p99_ms"])
    assert daphne["round_ratios"] == [results[1]["p99_ratio"], results[3]["p99_ratio"]]

    rows = {row["target"]: row for row in fanout.verdicts(pooled)}
    ratio_row = rows["500 listeners: p99 ≤ 2 × bare p99"]
    assert ratio_row["met"] is (daphne["p99_ratio"] <= 2)
    assert "over 2 rounds pooled" in ratio_row["value"]
    assert "1 of 2 met alone" in ratio_row["value"]
    assert rows["500 listeners, 1 process: nothing lost"]["met"] is True


def test_a_loss_or_failure_in_any_round_fails_the_pooled_case(fanout):
    results = [
        measured("bare", 1, spread(1, 40)),
        measured("channels", 1, spread(1, 50)),
        measured("bare", 2, spread(1, 40)),
        measured("channels", 2, spread(1, 50), lost=3),
    ]
    fanout.ratio_to_bare(results)
    rows = {row["target"]: row for row in fanout.verdicts(fanout.pool_rounds(results))}
    assert rows["500 listeners, 1 process: nothing lost"]["met"] is False
    assert rows["500 listeners, 1 process: nothing lost"]["value"] == "200/203"

    results[3] = {**results[3], "error": "Daphne did not start"}
    rows = {row["target"]: row for row in fanout.verdicts(fanout.pool_rounds(results))}
    assert rows["500 listeners, 1 process: nothing lost"]["met"] is False
    assert rows["500 listeners: p99 ≤ 2 × bare p99"]["met"] is False


def test_raw_receipts_stay_out_of_the_report(fanout):
    results = [measured("bare", 1, spread(1, 40))]
    fanout.strip_raw(results)
    assert "latencies_us" not in results[0]
    assert "acks_us" not in results[0]


def test_cpu_per_frame_pools_seconds_over_frames_and_compares_with_the_bare_server(fanout):
    def with_cpu(row, seconds, frames, wire="on"):
        return {**row, "server_cpu_s": seconds, "room_frames": frames, "wire": wire}

    results = []
    for round_ in (1, 2):
        results.append(with_cpu(measured("bare", round_, spread(5, 10)), 1.0, 1000))
        results.append(with_cpu(measured("channels", round_, spread(10, 20)), 2.0 * round_, 1000))
        results.append(
            with_cpu(measured("channels", round_, spread(10, 20)), 6.0, 1000, wire="off")
        )

    pooled = {(r["target"], r["wire"]): r for r in fanout.pool_rounds(results)}

    # (2 + 4) s over 2000 frames against 2 s over 2000 frames: 3000 µs = 3 × 1000 µs.
    assert pooled[("channels", "on")]["cpu_us_per_frame"] == pytest.approx(3000)
    assert pooled[("channels", "on")]["cpu_ratio"] == pytest.approx(3.0)
    # The usual send is pooled on its own, never with the framed-once case.
    assert pooled[("channels", "off")]["cpu_ratio"] == pytest.approx(6.0)
    rows = [row for row in fanout.verdicts(list(pooled.values())) if "CPU" in row["target"]]
    assert [row["met"] for row in rows] == [True]  # only the framed-once case is judged
