"""Downloads of the tables: the numbers on the page, formulas neutralised, scoped like pages."""

import csv
import io

import pytest
from django.urls import reverse

from forces.models import Force
from tests.publication.builders import signed_off_and_published

pytestmark = pytest.mark.django_db


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_force_table_exports_every_number_and_the_reliability_in_words(
    client, lead_user, stored
):
    client.force_login(lead_user)
    url = reverse("programme-detail", args=[stored.slug])
    rows = read_csv(client.get(url + "?_export=csv"))
    essex = next(r for r in rows if r["Force"] == "Essex")
    assert essex["Met the standard (k)"] == "110" and essex["Sample size (n)"] == "120"
    assert essex["Rate (%)"] == "91.7"
    assert (essex["Interval low (%)"], essex["Interval high (%)"]) == ("85.3", "95.4")
    assert essex["Reliability"] == "Not statistically reliable"
    assert essex["Interval method"] == "wilson" and essex["Confidence (%)"] == "95"
    assert int(essex["Unrecorded crimes a year (estimate)"]) > 0
    assert "<" not in response_text(client, url + "?_export=csv")  # no markup in cells


def test_the_force_table_exports_each_forces_verdict_against_the_programme(
    client, lead_user, stored
):
    from inspect_app.core import judgement
    from inspect_app.judgement.targets import programme_targets

    client.force_login(lead_user)
    url = reverse("programme-detail", args=[stored.slug])
    rows = read_csv(client.get(url + "?_export=csv"))
    target = programme_targets(stored)["recording_rate"].rate
    judged = 0
    for row in rows:
        low, high = float(row["Interval low (%)"]) / 100, float(row["Interval high (%)"]) / 100
        # The export rounds the interval to 0.1 points: judge away from the target only.
        if abs(low - target) > 0.001 and abs(high - target) > 0.001:
            assert row["Against the programme"] == judgement.versus(target, low, high), row
            judged += 1
    assert judged == len(rows) == 2
    assert {row["Against the programme"] for row in rows} <= {"better", "similar", "worse"}
    assert all(row["Against the programme"] for row in rows)


def response_text(client, url):
    return client.get(url).content.decode()


def test_an_export_follows_the_method_confidence_and_filters_shown(client, lead_user, stored):
    client.force_login(lead_user)
    url = reverse("programme-detail", args=[stored.slug])
    rows = read_csv(client.get(url + "?_export=csv&method=exact&confidence=0.99&force=ess"))
    assert [r["Force"] for r in rows] == ["Essex"]
    assert rows[0]["Interval method"] == "exact" and rows[0]["Confidence (%)"] == "99"
    assert rows[0]["Interval low (%)"] != "85.3"


def test_other_tables_export_by_name(client, lead_user, stored):
    client.force_login(lead_user)
    url = reverse("programme-detail", args=[stored.slug])
    groups = read_csv(client.get(url + "?_export=csv&_table=offence-groups"))
    assert {r["Offence group"] for r in groups} >= {"Rape", "Sexual offences"}
    regions = read_csv(client.get(url + "?_export=csv&_table=regions"))
    assert [r["Region"] for r in regions] == ["East of England"]


def test_a_formula_in_a_force_name_is_neutralised_in_the_export(client, lead_user, stored, force_b):
    Force.objects.filter(pk=force_b.pk).update(name='=HYPERLINK("http://evil.example","x")')
    client.force_login(lead_user)
    text = response_text(client, reverse("programme-detail", args=[stored.slug]) + "?_export=csv")
    assert '\'=HYPERLINK(""http://evil.example"",""x"")' in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_a_commissioners_export_holds_only_their_force(
    client, commissioner_a, lead_user, stored, force_a, force_b, inspection_a
):
    # Downloads that hold Hertfordshire's figures (130 of 181: 71.8%; rapes 10 of 13: 76.9%),
    # each with what shows it: a lead gets them, so a commissioner's refusal means something.
    programme = reverse("programme-detail", args=[stored.slug])
    hertfordshire = {
        f"{force_b.get_absolute_url()}?_export=csv&_table=figures": "71.8",
        f"{force_b.get_absolute_url()}?_export=csv&_table=offence-groups": "76.9",
        f"{force_b.get_absolute_url()}?_export=csv&_table=trend": "71.8",
        f"{programme}?_export=csv": "Hertfordshire",
    }
    client.force_login(lead_user)
    for url, shown in hertfordshire.items():
        assert shown in response_text(client, url), url
    client.force_login(commissioner_a)
    for url, shown in hertfordshire.items():
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert shown.encode() not in response.content, url
    # A commissioner's download is their force's published version (docs/publication.md).
    signed_off_and_published(inspection_a, lead_user)
    own = response_text(client, reverse("publication-csv", args=[inspection_a.slug, 1]))
    assert "E23000027" not in own and "hertfordshire" not in own
    rows = read_csv(client.get(reverse("publication-csv", args=[inspection_a.slug, 1])))
    whole = next(r for r in rows if r["scope"] == "inspection" and r["metric"] == "recording_rate")
    assert (whole["numerator"], whole["denominator"]) == ("110", "120")


def test_the_xlsx_export_holds_the_same_cells(client, lead_user, stored, force_b):
    from openpyxl import load_workbook

    Force.objects.filter(pk=force_b.pk).update(name="=1+1")
    client.force_login(lead_user)
    response = client.get(reverse("programme-detail", args=[stored.slug]) + "?_export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    by_force = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert by_force["Essex"]["Reliability"] == "Not statistically reliable"
    assert "'=1+1" in by_force


def test_an_unknown_export_format_is_a_message_not_an_error(client, lead_user, stored):
    client.force_login(lead_user)
    response = client.get(reverse("programme-detail", args=[stored.slug]) + "?_export=json")
    assert response.status_code == 200
    assert "Downloads in “json” are not available: choose CSV or XLSX" in response.content.decode()
