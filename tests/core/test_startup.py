"""What a process pays to start: Django's set-up imports no heavy library, and a task
module sends through the project's Celery app even though start-up no longer loads it.

Each check runs in a fresh interpreter, since this test process has long since
imported everything. Nothing here times anything: ``bench.startup`` does.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Libraries some commands or pages need and every process would otherwise pay for.
HEAVY = ("scipy", "numpy", "statsmodels", "pandas", "plotly", "openpyxl", "celery", "redis")


def in_fresh_process(code):
    """Run ``code`` after ``django.setup()`` in a new interpreter; returns what it printed."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="inspect_app.settings")
    finished = subprocess.run(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return finished.stdout


def test_setting_django_up_imports_no_heavy_library():
    loaded = json.loads(
        in_fresh_process(
            "import json, sys\n"
            f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
        )
    )
    assert loaded == []


def test_the_statistics_load_scipy_when_first_asked():
    printed = in_fresh_process(
        "import sys\n"
        "from inspect_app.core import stats\n"
        "print('scipy' in sys.modules)\n"
        "print(stats.proportion_interval(110, 120, 'exact'))\n"
        "print('scipy' in sys.modules)\n"
    )
    before, interval, after = printed.split("\n")[:3]
    assert (before, after) == ("False", "True")
    assert interval.startswith("(0.852")


@pytest.mark.parametrize(
    ("module", "task"),
    [
        ("inspect_app.compliance.tasks", "recompute_programme_figures"),
        ("inspect_app.uploads.tasks", "import_batch"),
    ],
)
def test_a_task_module_imported_alone_sends_through_the_projects_app(module, task):
    # Without the project's app, Celery's default would queue to amqp://localhost.
    printed = in_fresh_process(
        f"from {module} import {task}\n"
        f"print({task}.app.main)\n"
        "from inspect_app.celery import app\n"
        f"print({task}.app is app)\n"
    )
    assert printed.split() == ["inspect_app", "True"]
