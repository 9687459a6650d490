"""Each benchmark picks its size from BENCH_SIZE, so CI can run them all in seconds."""

import pytest

from bench import sized
from bench.__main__ import benchmark_names


def test_full_size_is_the_default(monkeypatch):
    monkeypatch.delenv("BENCH_SIZE", raising=False)
    assert sized(1_000_000, 5_000) == 1_000_000


def test_smoke_size_takes_the_small_value(monkeypatch):
    monkeypatch.setenv("BENCH_SIZE", "smoke")
    assert sized(1_000_000, 5_000) == 5_000


def test_a_named_variable_wins_over_either_size(monkeypatch):
    monkeypatch.setenv("BENCH_SIZE", "smoke")
    monkeypatch.setenv("BENCH_CASES", "1234")
    assert sized(1_000_000, 5_000, "BENCH_CASES") == 1234
    monkeypatch.setenv("DASHBOARD_SECONDS", "2.5")
    assert sized(30.0, 1.0, "DASHBOARD_SECONDS", float) == 2.5


def test_an_unknown_size_stops_the_run(monkeypatch):
    monkeypatch.setenv("BENCH_SIZE", "tiny")
    with pytest.raises(SystemExit, match="BENCH_SIZE must be one of full, smoke"):
        sized(1, 2)


def test_python_m_bench_runs_the_startup_benchmark_too():
    assert set(benchmark_names()) == {
        "audit_overhead",
        "batch_import",
        "extract_import",
        "dashboard",
        "first_load",
        "judgement",
        "load",
        "publication",
        "recompute",
        "review_pages",
        "startup",
    }
