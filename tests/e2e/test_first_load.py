"""The first chart page in a fresh browser: plotly.js sent compressed, once, under a hashed name.

What the browser received is measured, not timed: the bytes that crossed the
wire for plotly.js against its size once decoded, its Content-Encoding, its
Cache-Control, and its name. A second page in the same browser must take
plotly.js from its cache without asking the server again.
"""

import re

from django.conf import settings
from django.urls import reverse

from tests.dashboard.builders import published_2014
from tests.e2e.test_dashboards import open_and_wait_for_charts

ONE_YEAR = 365 * 24 * 60 * 60
HASHED_PLOTLY = re.compile(
    r"/static/vendor/plotly(-basic)?/plotly(-basic)?\.min\.[0-9a-f]{12}\.js$"
)


def max_age(cache_control):
    found = re.search(r"max-age=(\d+)", cache_control or "")
    return int(found.group(1)) if found else 0


def test_plotly_is_sent_compressed_and_cacheable_for_a_year_under_a_hashed_name(
    live_server, sign_in, page, transactional_db, programme, inspection_a, inspection_b, lead_user
):
    published_2014(programme, inspection_a, inspection_b)
    sign_in(lead_user)  # the sign-in page loads no plotly.js: this is its first load
    plotly = []
    page.on("response", lambda response: "plotly" in response.url and plotly.append(response))

    url = live_server.url + reverse("programme-detail", args=[programme.slug])
    open_and_wait_for_charts(page, url)
    (response,) = plotly
    assert HASHED_PLOTLY.search(response.url), response.url
    headers = response.all_headers()
    assert headers.get("content-encoding") in ("gzip", "br"), headers
    assert max_age(headers.get("cache-control")) >= ONE_YEAR, headers
    assert "immutable" in headers["cache-control"]
    if settings.PLOTLY_SCRIPT.startswith("vendor/plotly-basic/"):
        assert "/vendor/plotly-basic/" in response.url  # the small bundle, where installed
    first = plotly_timing(page)
    assert first["decodedBodySize"] > 1_000_000  # the whole bundle arrived
    assert 0 < first["transferSize"] < first["decodedBodySize"] / 2, first

    # Another chart page: plotly.js comes from the browser's cache, nothing over the wire.
    open_and_wait_for_charts(page, live_server.url + inspection_a.get_absolute_url())
    again = plotly_timing(page)
    assert again["transferSize"] == 0, again


def plotly_timing(page):
    """The browser's own account of fetching plotly.js on this page (Resource Timing)."""
    entries = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter((entry) => entry.name.includes("/vendor/plotly"))
            .map((entry) => ({name: entry.name, transferSize: entry.transferSize,
                              encodedBodySize: entry.encodedBodySize,
                              decodedBodySize: entry.decodedBodySize}))"""
    )
    assert len(entries) == 1, entries
    return entries[0]
