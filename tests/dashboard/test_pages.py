"""The figure pages for every role: what each sees, the intervals and the reliability words."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from tests.publication.builders import signed_off_and_published

pytestmark = pytest.mark.django_db

STAFF = ["admin_user", "lead_user", "inspector_user", "unassigned_inspector"]


def programme_url(programme, **query):
    return _with_query(reverse("programme-detail", args=[programme.slug]), query)


def offence_url(programme, code="rape", **query):
    return _with_query(reverse("offence-detail", args=[programme.slug, code]), query)


def _with_query(url, query):
    if not query:
        return url
    return url + "?" + "&".join(f"{key}={value}" for key, value in query.items())


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def text_of(response):
    """The page's visible words, with tags removed and spaces collapsed."""
    html = response.content.decode()
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


class ScriptCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


def scripts_of(response):
    collector = ScriptCollector()
    collector.feed(response.content.decode())
    return collector.scripts


def chart_figures(response):
    """Every chart's plotly figure embedded in the page, by element id."""
    html = response.content.decode()
    found = re.findall(
        r'<script type="application/json" id="([^"]+)-data">(.*?)</script>', html, flags=re.S
    )
    return {chart_id: json.loads(payload) for chart_id, payload in found}


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize("role_fixture", STAFF)
def test_staff_see_every_figure_page(client, request, role_fixture, stored, force_a, force_b):
    user = request.getfixturevalue(role_fixture)
    client.force_login(user)
    for url in (
        reverse("programme-list"),
        programme_url(stored),
        offence_url(stored),
        force_a.get_absolute_url(),
        force_b.get_absolute_url(),
        reverse("inspection-detail", args=["essex-test"]),
        reverse("inspection-detail", args=["hertfordshire-test"]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_commissioner_reads_their_own_force_and_inspection(
    client, commissioner_a, stored, force_a, inspection_a, lead_user
):
    # Commissioners read published figures only (docs/publication.md).
    signed_off_and_published(inspection_a, lead_user)
    client.force_login(commissioner_a)
    force_page = client.get(force_a.get_absolute_url())
    assert force_page.status_code == 200
    assert "91.7%" in text_of(force_page)
    assert client.get(reverse("inspection-detail", args=["essex-test"])).status_code == 200


def test_a_commissioner_is_refused_other_forces_and_national_pages(
    client, commissioner_a, stored, force_b
):
    client.force_login(commissioner_a)
    assert client.get(force_b.get_absolute_url()).status_code == 404
    assert client.get(reverse("inspection-detail", args=["hertfordshire-test"])).status_code == 404
    # National pages compare every force: refused outright, exports included.
    assert client.get(reverse("programme-list")).status_code == 403
    assert client.get(programme_url(stored)).status_code == 403
    assert client.get(programme_url(stored, _export="csv")).status_code == 403
    assert client.get(offence_url(stored)).status_code == 403


def test_every_link_on_a_commissioners_force_page_opens_for_them(
    client, commissioner_a, stored, force_a
):
    response = get(client, commissioner_a, force_a.get_absolute_url())
    links = {
        href
        for href in re.findall(r'href="([^"#]+)"', response.content.decode())
        if href.startswith("/") and not href.startswith("/static/")
    }
    assert force_a.get_absolute_url() in links  # the page does link somewhere
    statuses = {
        href: client.get(href.replace("&amp;", "&"), follow=True).status_code for href in links
    }
    refused = {href: status for href, status in statuses.items() if status != 200}
    assert not refused, f"links a commissioner cannot open: {refused}"
    assert "National figures" not in text_of(response)


def test_strangers_are_sent_to_sign_in(client, stored, force_a):
    for url in (programme_url(stored), offence_url(stored), force_a.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


# --- figures with their intervals and reliability --------------------------------------------


def test_the_force_page_shows_each_figure_with_interval_size_and_reliability(
    client, lead_user, stored, force_a
):
    page = text_of(get(client, lead_user, force_a.get_absolute_url()))
    # Essex 110 / 120 with the published Wilson interval.
    assert "91.7%" in page
    assert "85.3% to 95.4%" in page
    assert "110 of 120 cases" in page
    assert "not statistically reliable" in page
    for label in (
        "Recording rate",
        "Classification accuracy",
        "Timeliness",
        "No-crime accuracy",
        "Victim informed",
        "Disposal compliance",
    ):
        assert label in page
    # Nothing counted for classification: said in words, never shown as 0%.
    assert "no cases counted" in page.lower()


def test_the_programme_page_shows_forces_groups_regions_and_the_weighted_estimate(
    client, inspector_user, stored
):
    response = get(client, inspector_user, programme_url(stored))
    page = text_of(response)
    assert "Essex" in page and "Hertfordshire" in page
    assert "71.8%" in page and "64.9% to 77.9%" in page  # Hertfordshire 130 / 181
    assert "weighted by each force’s recorded crime" in page
    assert "crimes a year" in page
    assert "Rape" in page and "East of England" in page
    assert set(chart_figures(response)) == {
        "chart-forces",
        "chart-funnel",
        "chart-offence-groups",
        "chart-regions",
    }


def test_the_offence_page_shows_one_group_across_forces(client, lead_user, stored):
    response = get(client, lead_user, offence_url(stored))
    page = text_of(response)
    # Essex 10 of 12 rapes recorded, Hertfordshire 10 of 13.
    assert "83.3%" in page and "76.9%" in page
    assert "20 of 25 cases" in page  # both forces pooled
    assert "not statistically reliable" in page
    assert client.get(offence_url(stored, code="nonsense")).status_code == 404


def test_the_inspection_page_shows_review_progress_beside_the_figures(
    client, inspector_user, stored
):
    response = get(client, inspector_user, reverse("inspection-detail", args=["essex-test"]))
    progress = dict(
        (label, (int(done), int(total)))
        for label, done, total in re.findall(
            r"<tr><td>([^<]+)</td><td class=\"numeric\">(\d+)</td><td class=\"numeric\">(\d+)</td>",
            response.content.decode(),
        )
    )
    # One inspection, one progress: the workspace counts the same complete first reviews.
    workspace = client.get(reverse("inspection-workspace", args=["essex-test"])).content.decode()
    done, total = progress["All records"]
    assert total == 125
    assert re.search(rf"<strong>{done} of {total}</strong> cases reviewed", workspace)
    assert "91.7%" in text_of(response)


def test_the_method_and_confidence_come_from_the_address(client, lead_user, stored, force_a):
    response = get(client, lead_user, force_a.get_absolute_url() + "?method=exact&confidence=0.99")
    page = text_of(response)
    assert "99% exact (Clopper-Pearson) interval" in page
    assert "85.3% to 95.4%" not in page  # the Wilson 95% interval is gone
    html = response.content.decode()
    assert re.search(r'<option value="exact" selected>', html)
    assert re.search(r'<option value="0.99" selected>', html)


@pytest.mark.parametrize(
    "query",
    ["method=bayes&confidence=0.95", "method=wilson&confidence=1.5", "confidence=abc&metric=zzz"],
)
def test_bad_presentation_values_give_a_message_and_the_defaults(
    client, lead_user, stored, force_a, query
):
    for url in (force_a.get_absolute_url(), programme_url(stored), offence_url(stored)):
        response = get(client, lead_user, f"{url}?{query}")
        assert response.status_code == 200
        page = text_of(response)
        assert "There is a problem" in page and "is not one of the choices" in page
        assert "95% Wilson score interval" in page


def test_a_bad_filter_or_export_format_is_a_message_not_an_error(client, lead_user, stored):
    response = get(client, lead_user, programme_url(stored, region="999999", _export="pdf"))
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page and "not available" in page


def test_filters_narrow_the_force_table_and_chart(client, lead_user, stored):
    response = get(client, lead_user, programme_url(stored, force="hert"))
    forces_chart = chart_figures(response)["chart-forces"]
    names = [name for trace in forces_chart["data"] for name in trace["x"]]
    assert names == ["Hertfordshire"]


def test_pages_have_no_inline_executable_script(client, lead_user, stored, force_a):
    client.force_login(lead_user)
    for url in (
        programme_url(stored),
        offence_url(stored),
        force_a.get_absolute_url(),
        reverse("inspection-detail", args=["essex-test"]),
    ):
        scripts = scripts_of(client.get(url))
        assert scripts, url
        for attrs in scripts:
            assert attrs.get("src") or attrs.get("type") == "application/json", (url, attrs)
        sources = [attrs["src"] for attrs in scripts if attrs.get("src")]
        assert sources == [
            f"/static/{settings.PLOTLY_SCRIPT}",
            "/static/js/charts.js",
            "/static/js/print-button.js",
        ]


def test_chart_hover_text_says_when_a_figure_is_not_reliable(client, lead_user, stored, force_a):
    response = get(client, lead_user, force_a.get_absolute_url())
    unreliable = [
        trace
        for figure in chart_figures(response).values()
        for trace in figure["data"]
        if trace.get("name") == "Not statistically reliable"
    ]
    assert len(unreliable) >= 2  # the offence-group chart and the trend
    for trace in unreliable:
        assert all("Not statistically reliable" in text for text in trace["hovertext"])
        assert trace["error_y" if "error_y" in trace else "error_x"]["array"]


def test_the_print_stylesheet_is_linked_for_print_only(client, commissioner_a, stored, force_a):
    html = get(client, commissioner_a, force_a.get_absolute_url()).content.decode()
    assert re.search(r'<link rel="stylesheet" href="/static/css/print.css" media="print">', html)


def test_a_programme_without_stored_figures_says_so(client, lead_user, programme, inspection_a):
    page = text_of(get(client, lead_user, programme_url(programme)))
    assert "have not been computed yet" in page


def test_a_figure_page_with_a_problem_says_error_in_its_title(client, lead_user, stored):
    good = get(client, lead_user, programme_url(stored)).content.decode()
    bad = get(client, lead_user, programme_url(stored, method="guess")).content.decode()
    assert "<title>Error: " not in good
    assert "<title>Error: " in bad and "error-summary" in bad
