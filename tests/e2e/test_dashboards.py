"""The figure pages in a real browser: charts drawn, no script errors, no serious a11y faults.

Each page is opened in Debian's Chromium, waits until plotly has drawn every
chart, and is saved as a screenshot under test-artifacts/. axe-core (from
node_modules, installed by ``npm install``) then checks the page; any
violation of serious or critical impact fails the test. Without axe-core the
check is skipped, except under CI=true, where that is a failure.
"""

from pathlib import Path

import pytest
from django.urls import reverse

from tests.dashboard.builders import published_2014
from tests.e2e.conftest import ON_CI

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


@pytest.fixture
def stored(transactional_db, programme, inspection_a, inspection_b):
    return published_2014(programme, inspection_a, inspection_b)


@pytest.fixture
def script_errors(page):
    """Every uncaught error and console error the page reports."""
    errors = []

    def console(message):
        # The browser asks for /favicon.ico on its own; the site has none.
        if message.type == "error" and not message.location.get("url", "").endswith("favicon.ico"):
            errors.append(message.text)

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", console)
    return errors


def open_and_wait_for_charts(page, url):
    page.goto(url)
    charts = page.locator("[data-chart-source]")
    expected = charts.count()
    for index in range(expected):
        chart = charts.nth(index)
        chart.locator(".main-svg").first.wait_for(state="attached")
        assert "js-plotly-plot" in (chart.get_attribute("class") or "")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-chart-drawn=\"true\"]').length === n", arg=expected
    )
    return expected


def check_accessibility(page):
    if not AXE.exists():
        if ON_CI:
            pytest.fail("node_modules/axe-core is missing: CI must run `npm install`")
        return  # local runs without npm still check everything else
    # The site's Content Security Policy refuses injected <script> tags, as it
    # should; Playwright's evaluate runs through the DevTools protocol instead.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    blocking = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
    assert not blocking, "\n".join(blocking)


def test_every_figure_page_draws_its_charts_for_an_inspector(
    live_server, sign_in, page, screenshot, script_errors, stored, inspector_user, force_a
):
    sign_in(inspector_user)
    pages = {
        "programme": (reverse("programme-detail", args=[stored.slug]), 4),
        "offence": (reverse("offence-detail", args=[stored.slug, "rape"]), 1),
        "force": (force_a.get_absolute_url(), 2),
        "inspection": (reverse("inspection-detail", args=["essex-test"]), 1),
        "exact-99": (
            reverse("programme-detail", args=[stored.slug]) + "?method=exact&confidence=0.99",
            4,
        ),
    }
    for label, (path, charts) in pages.items():
        assert open_and_wait_for_charts(page, live_server.url + path) == charts, label
        assert page.get_by_text("not statistically reliable").first.is_visible()
        screenshot(label)
        check_accessibility(page)
    assert not script_errors


def test_a_commissioner_sees_their_force_and_prints_it_as_a_summary(
    live_server, sign_in, page, screenshot, script_errors, stored, commissioner_a, lead_user
):
    from tests.publication.builders import signed_off_and_published

    essex = stored.inspections.get(force=commissioner_a.force)
    signed_off_and_published(essex, lead_user)  # a commissioner reads published figures only
    sign_in(commissioner_a)  # lands on their own force
    assert page.url.endswith(commissioner_a.force.get_absolute_url())
    open_and_wait_for_charts(page, page.url)
    # The one section they may go to is their own force's summary.
    assert page.locator(".service-nav__link").all_inner_texts() == [
        f"{commissioner_a.force.name} summary"
    ]
    screenshot("force")
    check_accessibility(page)

    page.emulate_media(media="print")
    assert not page.locator(".options-form").is_visible()
    assert not page.locator(".chart").first.is_visible()
    assert page.locator(".figure-card").first.is_visible()
    screenshot("print")
    pdf_height = page.evaluate("document.documentElement.scrollHeight")
    assert pdf_height > 0
    assert not script_errors


def test_the_chart_toolbar_offers_a_png_download(
    live_server, sign_in, page, stored, lead_user, force_a
):
    sign_in(lead_user)
    open_and_wait_for_charts(
        page, live_server.url + reverse("programme-detail", args=[stored.slug])
    )
    page.locator("#chart-forces").hover()
    button = page.locator('#chart-forces .modebar-btn[data-title^="Download plot"]')
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == "forces.png"
