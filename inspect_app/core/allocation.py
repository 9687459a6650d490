"""How many records to sample from each stratum for a target margin on the overall rate.

The overall rate of a stratified sample is Σ_h W_h p_h (W_h = N_h / N), with
variance Σ_h W_h² (1 − f_h) p_h(1 − p_h) / n_h (f_h = n_h / N_h, the finite
population correction, when asked for). A total n is shared out by

* proportional allocation: n_h ∝ N_h;
* Neyman allocation: n_h ∝ N_h·√(p_h(1 − p_h)) (the expected rates per stratum);
* equal allocation: the same n_h in every stratum;

then every stratum gets at least the minimum (or all of it, if it holds
fewer), and none more than it holds. The plan is the smallest total whose
expected margin z·√V meets the target.

Pure: numbers in, numbers out, no Django.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from inspect_app.core import stats

ALLOCATIONS = ("proportional", "neyman", "equal")


@dataclass(frozen=True)
class PlannedStratum:
    population: int
    sample: int
    expected_rate: float
    expected_margin: float | None  # None when the whole stratum is taken (no sampling error)
    takes_all: bool


@dataclass(frozen=True)
class Allocated:
    strata: tuple[PlannedStratum, ...]
    total_population: int
    total_sample: int
    expected_margin: float


def _shares(populations, rates, allocation) -> list[float]:
    if allocation == "proportional":
        return [float(size) for size in populations]
    if allocation == "equal":
        return [1.0 for _ in populations]
    spreads = [
        size * math.sqrt(rate * (1 - rate)) for size, rate in zip(populations, rates, strict=True)
    ]
    if sum(spreads) <= 0:
        return [float(size) for size in populations]
    return spreads


def share_out(total, populations, rates, allocation, minimum) -> list[int]:
    """``total`` records shared among the strata, each between min(minimum, N_h) and N_h."""
    sizes = [0] * len(populations)
    floors = [min(minimum, size) for size in populations]
    open_strata = [h for h, size in enumerate(populations) if size > 0]
    left = total
    # A stratum whose share exceeds what it holds is taken whole, and the rest is shared
    # again among the others, until every share fits.
    while open_strata:
        shares = _shares(
            [populations[h] for h in open_strata], [rates[h] for h in open_strata], allocation
        )
        whole = sum(shares) or 1.0
        wanted = {
            h: max(0.0, left) * share / whole for h, share in zip(open_strata, shares, strict=True)
        }
        full = [h for h in open_strata if wanted[h] >= populations[h]]
        if not full:
            for h in open_strata:
                sizes[h] = math.ceil(wanted[h] - 1e-9)
            break
        for h in full:
            sizes[h] = populations[h]
            left -= populations[h]
            open_strata.remove(h)
    return [min(populations[h], max(sizes[h], floors[h])) for h in range(len(populations))]


def _variance_part(population, sample, rate, total_population, fpc) -> float:
    if sample <= 0:
        return math.inf
    weight = population / total_population
    correction = (1 - sample / population) if fpc else 1.0
    return weight * weight * correction * rate * (1 - rate) / sample


def expected_margin(populations, sizes, rates, confidence, fpc) -> float:
    z = stats.z_value(confidence)
    total = sum(populations)
    variance = sum(
        _variance_part(size, n, rate, total, fpc)
        for size, n, rate in zip(populations, sizes, rates, strict=True)
        if size > 0
    )
    return z * math.sqrt(variance)


def _stratum_margin(population, sample, rate, confidence, fpc) -> float | None:
    if sample >= population and fpc:
        return None
    correction = (1 - sample / population) if fpc else 1.0
    return stats.z_value(confidence) * math.sqrt(correction * rate * (1 - rate) / sample)


def allocate(
    populations: Sequence[int],
    rates: Sequence[float],
    *,
    margin: float,
    confidence: float = 0.95,
    minimum: int = 30,
    allocation: str = "proportional",
    fpc: bool = True,
) -> Allocated:
    """The plan for strata of ``populations`` records with expected ``rates``.

    Raises StatsError for an unknown allocation, no records, a margin or rate
    outside (0, 1), or a minimum that alone asks for more than the margin needs.
    """
    if allocation not in ALLOCATIONS:
        raise stats.StatsError(
            f"unknown allocation {allocation!r}: choose proportional, neyman or equal"
        )
    margin = stats._as_fraction_in_open_unit("margin", margin)
    rates = [stats._as_fraction_in_open_unit("expected rate", rate) for rate in rates]
    stats.z_value(confidence)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise stats.StatsError(f"the minimum per stratum must be a whole number, got {minimum!r}")
    total_population = sum(populations)
    if total_population <= 0:
        raise stats.StatsError("the extract has no records to sample")

    def margin_at(total):
        sizes = share_out(total, populations, rates, allocation, 0)
        return expected_margin(populations, sizes, rates, confidence, fpc), sizes

    low, high = 1, total_population
    while low < high:
        middle = (low + high) // 2
        if margin_at(middle)[0] <= margin:
            high = middle
        else:
            low = middle + 1
    needed = low
    if minimum > needed:
        raise stats.StatsError(
            f"the minimum per stratum ({minimum}) is more than the whole sample the margin "
            f"needs ({needed}): lower the minimum, or ask for a narrower margin"
        )
    sizes = share_out(needed, populations, rates, allocation, minimum)
    planned = tuple(
        PlannedStratum(
            population=size,
            sample=n,
            expected_rate=rate,
            expected_margin=_stratum_margin(size, n, rate, confidence, fpc) if n else None,
            takes_all=n >= size,
        )
        for size, n, rate in zip(populations, sizes, rates, strict=True)
    )
    return Allocated(
        strata=planned,
        total_population=total_population,
        total_sample=sum(sizes),
        expected_margin=expected_margin(populations, sizes, rates, confidence, fpc),
    )
