"""Benchmark: how long a management command takes to start, against a bare Django project's.

Every command, web worker and Celery worker pays the project's start-up:
Django's set-up, the settings, each app's models and ``ready()``, and
whatever those import. The floor is the same for a project made by
``django-admin startproject`` in a temporary folder, run by the same
interpreter, so the ratio is what this project adds on top of Django itself.

Both sides run ``manage.py help`` (it sets Django up and lists the commands,
and touches no database), each in a fresh process, RUNS times in turn after
one warm-up each (which writes the bare project's bytecode). It prints

    startup: ratio R (target 1.5)

where R is the median of this project's times over the median of the bare
project's; a ``#`` line gives both medians and the heavy libraries (scipy,
numpy, plotly, openpyxl, …) that this project's start-up imported, from
``python -X importtime``: there should be none.

STARTUP_RUNS changes the number of runs (three under ``BENCH_SIZE=smoke``).
"""

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import sized

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5
RUNS = sized(11, 3, "STARTUP_RUNS")
#: Libraries that take a tenth of a second or more to import, and that only some
#: commands or pages need.
HEAVY = (
    "scipy",
    "numpy",
    "statsmodels",
    "pandas",
    "plotly",
    "openpyxl",
    "tablib",
    "celery",
    "kombu",
    "redis",
)


def project_environment():
    """This project's settings as a deployment reads them, without this checkout's .env."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # both sides read compiled bytecode
    env.update(INSPECT_ENV_FILE="", DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50))
    return env


def bare_environment():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def make_bare_project(folder):
    """A project straight from ``django-admin startproject``; returns its folder."""
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "bare", str(folder)],
        check=True,
        env=bare_environment(),
    )
    return folder


def time_help(folder, env):
    """Seconds for ``manage.py help`` in ``folder``, in a fresh process, and what it printed."""
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "manage.py", "help"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - started, finished.stdout + finished.stderr


def check_configured(printed):
    """Stop unless ``help`` set the project up: with a bad setting it lists Django's own
    commands only, far quicker, and the ratio would flatter a broken start-up."""
    if "load_demo" not in printed or "not properly configured" in printed:
        raise SystemExit(f"startup: manage.py help did not load the project:\n{printed[-2000:]}")


def heavy_imports(folder, env):
    """The HEAVY libraries ``manage.py help`` imports in ``folder``, by their top-level name."""
    finished = subprocess.run(
        [sys.executable, "-X", "importtime", "manage.py", "help"],
        cwd=folder,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = set()
    for line in finished.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            name = line.rsplit("|", 1)[1].strip().split(".", 1)[0]
            if name in HEAVY:
                found.add(name)
    return sorted(found)


def main():
    project_env = project_environment()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as folder:
        bare = make_bare_project(Path(folder))
        bare_env = bare_environment()
        sides = ((ROOT, project_env), (bare, bare_env))
        # A warm-up each: bytecode written, files in the page cache.
        check_configured(time_help(ROOT, project_env)[1])
        time_help(bare, bare_env)
        times = {ROOT: [], bare: []}
        # In turn, so a busy moment of a shared machine falls on both sides alike.
        for _ in range(RUNS):
            for where, env in sides:
                times[where].append(time_help(where, env)[0])
        heavy = heavy_imports(ROOT, project_env)
    ours, floor = statistics.median(times[ROOT]), statistics.median(times[bare])
    print(
        f"# manage.py help, median of {RUNS}: this project {ours * 1000:.0f} ms, a bare "
        f"Django project {floor * 1000:.0f} ms; heavy libraries imported at start-up: "
        f"{', '.join(heavy) or 'none'}",
        flush=True,
    )
    print(f"startup: ratio {ours / floor:.2f} (target {TARGET})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
