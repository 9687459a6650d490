"""Benchmarks: each module times one part of the dashboard against a floor and prints
``NAME: ratio R (target T)``. ``python -m bench`` runs them all; ``python -m bench.NAME`` one.

``BENCH_SIZE=smoke`` runs each at a size that takes seconds (a few thousand rows,
a client or two, a second of load): the figures mean nothing then, but every
benchmark builds its data, drives the real code and prints its lines, so one
that no longer runs is found before anyone needs its figures. The default,
``BENCH_SIZE=full``, is the size the targets are set for.
"""

import os

SIZES = ("full", "smoke")


def bench_size():
    """``"full"`` or ``"smoke"``, from ``BENCH_SIZE``; any other value stops the run."""
    size = os.environ.get("BENCH_SIZE", "full").strip().lower() or "full"
    if size not in SIZES:
        raise SystemExit(f"BENCH_SIZE must be one of {', '.join(SIZES)}, not {size!r}")
    return size


def sized(full, smoke, variable=None, kind=int):
    """The value for this run: ``variable`` from the environment when it is set, otherwise
    ``full`` or ``smoke`` by ``BENCH_SIZE``."""
    given = os.environ.get(variable, "").strip() if variable else ""
    if given:
        return kind(given)
    return smoke if bench_size() == "smoke" else full
