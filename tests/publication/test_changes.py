"""The force report's change since the last inspection: Newcombe's interval and a verdict
from the judgement code, on the two published versions' frozen counts."""

import pytest
from django.urls import reverse

from inspect_app.core import judgement
from inspect_app.judgement.models import ProgrammeJudgement
from inspect_app.publication import report
from inspect_app.publication.publishing import publish
from tests.compliance.factories import RECORDED, UNRECORDED, many_reviewed_cases
from tests.factories import InspectionFactory, ProgrammeFactory
from tests.publication.conftest import sign_off
from tests.publication.test_report import pdf_text

pytestmark = pytest.mark.django_db


def earlier_inspection(force, lead_user, recorded, unrecorded):
    """The same force's inspection a year before, published with these counts."""
    programme = ProgrammeFactory(slug="earlier-programme", name="Earlier programme", year=2013)
    earlier = InspectionFactory(programme=programme, force=force, slug="essex-earlier")
    many_reviewed_cases(earlier, recorded, offence_group="VAP", **RECORDED)
    many_reviewed_cases(earlier, unrecorded, offence_group="VAP", **UNRECORDED)
    sign_off(earlier, lead_user)
    publish(earlier, lead_user)
    return earlier


def recording_rate_row(text_rows, metric_label="Recording rate"):
    return next(row for row in text_rows if row.metric_label == metric_label)


def test_the_change_carries_newcombes_interval_and_a_verdict(client, signed_off_a, lead_user):
    earlier_inspection(signed_off_a.force, lead_user, recorded=60, unrecorded=40)
    version = publish(signed_off_a, lead_user)
    client.force_login(lead_user)
    response = client.get(reverse("publication-version", args=[signed_off_a.slug, 1]))
    change = recording_rate_row(response.context["changes"])
    # 60 of 100 then, 110 of 120 now: up 31.7 points, an interval wholly above zero.
    assert change.text == "up 31.7 points"
    assert change.verdict == judgement.IMPROVED
    # Newcombe's hybrid score interval from the two Wilson intervals, worked by hand.
    assert change.interval_text == "+20.6 to +42.2 points"
    page = response.content.decode()
    assert "+20.6 to +42.2 points" in page
    assert "Improved: the whole interval of the change is above zero" in page
    assert version.number == 1


def test_an_interval_that_reaches_zero_is_no_significant_change(signed_off_a, lead_user):
    earlier_inspection(signed_off_a.force, lead_user, recorded=88, unrecorded=12)
    version = publish(signed_off_a, lead_user)
    text = pdf_text(report.force_report_pdf(version))
    # 88 of 100 then, 110 of 120 (91.7%) now: up 3.7 points, the interval spans zero.
    assert "Change since the last inspection" in text
    assert "up 3.7 points" in text
    assert "No significant change: the interval of the change includes zero" in text
    assert "-4.4 to +12.3 points" in text


def test_different_counting_rules_are_not_like_for_like(signed_off_a, lead_user):
    earlier = earlier_inspection(signed_off_a.force, lead_user, recorded=60, unrecorded=40)
    ProgrammeJudgement.objects.create(programme=earlier.programme, counting_rules="2013")
    ProgrammeJudgement.objects.create(programme=signed_off_a.programme, counting_rules="2014")
    text = pdf_text(report.force_report_pdf(publish(signed_off_a, lead_user)))
    assert "up 31.7 points" in text
    assert "Not like for like: the counting rules changed between the two" in text
    assert "Improved" not in text


def test_a_suppressed_side_is_not_compared(client, signed_off_a, lead_user, commissioner_a):
    earlier_inspection(signed_off_a.force, lead_user, recorded=5, unrecorded=3)
    publish(signed_off_a, lead_user)
    client.force_login(commissioner_a)
    response = client.get(reverse("publication-version", args=[signed_off_a.slug, 1]))
    change = recording_rate_row(response.context["changes"])
    assert change.judged is None and change.interval_text == ""
    page = response.content.decode()
    assert "Not compared: the last inspection&#x27;s figure is suppressed" in page
    assert "5 of 8" not in page and "62.5%" not in page
