"""Benchmark: judging every force of a programme against the floor of drawing its funnel.

For 43 forces of random sample sizes (seeded), the judgement (each force's place in the
funnel at 95% and 99.8%, better / similar / worse against the target, and its grade with
the Jeffreys certainty and the bands its interval touches) is timed against the floor
the programme page already pays: the exact binomial funnel limits at each force's n
(``stats.funnel_limits`` at both levels). Limits are not remembered between runs. Prints

    judgement: ratio R (target 2)

R is judgement time / floor time (the best of RUNS runs each); 43 forces repeated
``BENCH_ROUNDS`` times (200; 5 under ``BENCH_SIZE=smoke``).
"""

import random
import time

from bench import sized

TARGET = 2
RUNS = sized(5, 1)
ROUNDS = sized(200, 5, "BENCH_ROUNDS")
BANDS = [("outstanding", 0.95), ("good", 0.90), ("requires improvement", 0.85), ("inadequate", 0)]


def forces(seed=2014):
    rng = random.Random(seed)
    sample = []
    for _ in range(43):
        n = rng.randint(60, 2000)
        sample.append((round(n * rng.uniform(0.65, 0.97)), n))
    return sample


def best_of(runs, work):
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main():
    from inspect_app.core import judgement, stats

    sample = forces()
    target = sum(k for k, _ in sample) / sum(n for _, n in sample)

    def floor():
        for _ in range(ROUNDS):
            for _, n in sample:
                stats.funnel_limits(target, n, 0.95)
                stats.funnel_limits(target, n, 0.998)

    def judge():
        for _ in range(ROUNDS):
            judgement.funnel_limits.cache_clear()
            for k, n in sample:
                judgement.funnel_position(k, n, target)
                shown = stats.proportion(k, n, "wilson")
                judgement.versus(target, shown.ci_low, shown.ci_high)
                judgement.grade_certainty(k, n, BANDS)
                judgement.grades_possible(shown.ci_low, shown.ci_high, BANDS)

    # scipy's import and first calls are paid once, before either is timed.
    stats.funnel_limits(target, 100, 0.95)
    judgement.grade_certainty(90, 100, BANDS)
    floor_time, judge_time = best_of(RUNS, floor), best_of(RUNS, judge)
    print(f"judgement: ratio {judge_time / floor_time:.2f} (target {TARGET})")
    print(f"  {43 * ROUNDS} forces judged in {judge_time:.3f} s; floor {floor_time:.3f} s")


if __name__ == "__main__":
    main()
