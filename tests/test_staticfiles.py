"""The name a page links a static file by: hashed once collected, vendor files under DEBUG too."""

import json
import os

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage

HASHED = {
    "vendor/plotly/plotly.min.js": "vendor/plotly/plotly.min.0123456789ab.js",
    "css/app.css": "css/app.ba9876543210.css",
}


@pytest.fixture
def collected(settings, tmp_path):
    """A STATIC_ROOT whose manifest lists two collected files (as collectstatic writes it)."""
    manifest = {"paths": HASHED, "version": "1.1", "hash": "0"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    settings.STATIC_ROOT = str(tmp_path)
    return tmp_path


def test_in_production_every_collected_file_has_its_hashed_name(settings, collected):
    settings.DEBUG = False
    assert (
        staticfiles_storage.url("vendor/plotly/plotly.min.js")
        == f"/static/{HASHED['vendor/plotly/plotly.min.js']}"
    )
    assert staticfiles_storage.url("css/app.css") == f"/static/{HASHED['css/app.css']}"


def test_under_debug_only_vendor_files_are_hashed_so_edits_show_at_once(settings, collected):
    settings.DEBUG = True
    assert (
        staticfiles_storage.url("vendor/plotly/plotly.min.js")
        == f"/static/{HASHED['vendor/plotly/plotly.min.js']}"
    )
    assert staticfiles_storage.url("css/app.css") == "/static/css/app.css"


@pytest.mark.parametrize("debug", [True, False])
def test_a_file_not_collected_is_linked_by_its_plain_name(settings, collected, debug):
    settings.DEBUG = debug
    assert staticfiles_storage.url("js/charts.js") == "/static/js/charts.js"


def plotly_js_version(path):
    """The version a plotly.js bundle states in its opening comment."""
    import re

    head = path.read_text(encoding="utf-8", errors="replace")[:400]
    return re.search(r"plotly\.js (?:\(basic - minified\) )?v(\d+\.\d+\.\d+)", head).group(1)


def test_the_basic_bundle_is_the_plotly_js_the_figures_are_built_for():
    """Figures are built by the plotly package for its own plotly.js: the smaller bundle must
    be that same version, or a chart could use what the served script does not know."""
    from pathlib import Path

    import plotly
    from django.conf import settings

    bundled = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    basic = settings.PLOTLY_BASIC_DIR / "plotly-basic.min.js"
    if not basic.is_file():
        if settings.PLOTLY_SCRIPT != "vendor/plotly/plotly.min.js":
            pytest.fail("the basic bundle is named but not installed")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must install the basic bundle (npm ci)")
        pytest.skip("npm was not there: pages load the full bundle from the plotly package")
    assert settings.PLOTLY_SCRIPT == "vendor/plotly-basic/plotly-basic.min.js"
    assert plotly_js_version(basic) == plotly_js_version(bundled)
