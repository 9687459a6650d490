"""No heavy library is loaded just because the uploads app is (its place in the project's
layout, and its lack of cycles, are tests/test_layout.py's)."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_loading_the_app_and_its_pages_does_not_load_openpyxl():
    code = (
        "import sys, django; django.setup(); "
        "import inspect_app.uploads.views, inspect_app.uploads.tasks; "
        "import inspect_app.uploads.management.commands.import_batch; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'openpyxl'))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "inspect_app.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
