"""Benchmarks: each module times one part of the dashboard against a floor and prints
``NAME: ratio R (target T)``. ``python -m bench`` runs them all; ``python -m bench.NAME`` one."""
