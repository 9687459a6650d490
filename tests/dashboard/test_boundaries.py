"""What the dashboard leaves to others: roles to accounts, every figure to the command line,
and plotly to the moment a chart is drawn."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted((ROOT / "inspect_app" / "dashboard").rglob("*.py")),
    *sorted((ROOT / "templates" / "dashboard").rglob("*.html")),
]

#: A role named, a user's role read, or the unscoped figures asked for.
FORBIDDEN = re.compile(r"\bRole\.|\.role\b|accounts\.roles|every_stored_figure")


def test_it_finds_the_dashboards_code_to_read():
    names = {path.name for path in SOURCES}
    assert {"force.py", "funnel.py", "home.html"} <= names


def test_the_dashboard_never_names_a_role_nor_asks_for_every_figure():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SOURCES
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if FORBIDDEN.search(line)
    ]
    assert found == []


def test_loading_every_page_and_chart_loads_no_plotly():
    # A fresh interpreter: this one may have drawn a chart already.
    script = (
        "import sys, django; django.setup();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "import inspect_app.dashboard.charts.bars, inspect_app.dashboard.charts.funnel,"
        " inspect_app.dashboard.charts.trend;"
        "print(sorted(m for m in sys.modules if m.startswith('plotly.')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "inspect_app.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
