"""Run every benchmark in this package, each in a process of its own.

A benchmark is a module here with a ``main()``; each configures Django for its
own database, so they must not share a process.
"""

import pkgutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmark_names():
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(HERE)])
        if not module.name.startswith("_")
    )


def main():
    failed = []
    for name in benchmark_names():
        print(f"--- {name}", flush=True)
        finished = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent)
        if finished.returncode != 0:
            failed.append(name)
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
