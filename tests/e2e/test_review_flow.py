"""An inspector reviews cases in Chromium with the keyboard alone, and a lead adjudicates a
blind double review that disagreed."""

from decimal import Decimal

import pytest

from inspect_app.inspections.models import CaseReview
from tests.factories import SampledCaseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_inspector_reviews_three_cases_with_the_keyboard(
    sign_in, page, live_server, inspector_user, inspection_a, screenshot
):
    inspection_a.double_review_fraction = Decimal(0)
    inspection_a.save()
    cases = [
        SampledCaseFactory(inspection=inspection_a, reference=f"KB-{n}", assigned_to=inspector_user)
        for n in (1, 2, 3)
    ]
    sign_in(inspector_user)
    workspace = f"{live_server.url}/inspections/{inspection_a.slug}/workspace/"
    page.goto(workspace)
    assert page.locator("#progress").inner_text().startswith("0 of 3")

    page.goto(f"{live_server.url}/inspections/{inspection_a.slug}/cases/{cases[0].pk}/?queue=mine")
    assert page.get_by_text("Keyboard shortcuts").is_visible()
    # Progressive: only the first question is shown until it is answered yes.
    assert page.locator("#field-should_record").is_visible()
    assert not page.locator("#field-was_recorded").is_visible()
    screenshot("first-case")

    # KB-1: a crime, recorded, correctly, on time.
    page.keyboard.press("y")
    assert page.locator("#field-was_recorded").is_visible()
    assert not page.locator("#field-on_time").is_visible()
    for _ in range(3):
        page.keyboard.press("y")
    assert page.locator("#field-on_time").is_visible()
    with page.expect_navigation(url="**/cases/*/?queue=mine"):
        page.keyboard.press("s")
    assert page.get_by_role("heading", name="Case KB-2").is_visible()

    # KB-2: a crime that was not recorded (the later questions never appear).
    page.keyboard.press("y")
    page.keyboard.press("n")
    assert not page.locator("#field-correctly_classified").is_visible()
    with page.expect_navigation(url="**/cases/*/?queue=mine"):
        page.keyboard.press("s")
    assert page.get_by_role("heading", name="Case KB-3").is_visible()

    # KB-3: changing an answer hides what no longer applies.
    page.keyboard.press("y")
    page.locator("#id_should_record_1").focus()  # back to the first question: now "no"
    page.keyboard.press("n")
    assert not page.locator("#field-was_recorded").is_visible()
    with page.expect_navigation(url="**/workspace/?queue=mine"):
        page.keyboard.press("s")

    assert page.locator("#progress").inner_text().startswith("3 of 3")
    assert page.get_by_text("Completed").first.is_visible()
    screenshot("progress")

    reviews = {r.case.reference: r for r in CaseReview.objects.select_related("case")}
    assert (reviews["KB-1"].was_recorded, reviews["KB-1"].on_time) == (True, True)
    assert (reviews["KB-2"].should_record, reviews["KB-2"].was_recorded) == (True, False)
    assert reviews["KB-2"].correctly_classified is None
    assert (reviews["KB-3"].should_record, reviews["KB-3"].was_recorded) == (False, None)
    assert all(r.reviewer == inspector_user for r in reviews.values())


def test_a_disagreement_is_adjudicated_by_a_lead(
    sign_in, page, live_server, inspector_user, lead_user, inspection_a, screenshot
):
    inspection_a.double_review_fraction = Decimal(1)
    inspection_a.save()
    ivan = UserFactory(username="ivan-inspector", role="inspector")
    inspection_a.inspectors.add(ivan)
    case = SampledCaseFactory(inspection=inspection_a, reference="DR-1", assigned_to=inspector_user)
    url = f"{live_server.url}/inspections/{inspection_a.slug}/cases/{case.pk}/"

    sign_in(inspector_user)
    page.goto(url + "?queue=mine")
    for key in ("y", "y", "y", "y"):
        page.keyboard.press(key)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(ivan)
    page.goto(url + "?queue=second")
    page.get_by_role("button", name="Take the blind second review").click()
    assert page.get_by_role("heading", name="Your blind second review").is_visible()
    for key in ("y", "y", "n", "y"):  # disagrees on the classification
        page.keyboard.press(key)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_role("button", name="Sign out").click()

    sign_in(lead_user)
    page.goto(f"{live_server.url}/inspections/{inspection_a.slug}/workspace/?queue=adjudication")
    page.get_by_role("link", name="DR-1").click()
    assert page.get_by_role("heading", name="The two blind reviews").is_visible()
    assert page.locator(".side-by-side__differs").count() == 1
    screenshot("side-by-side")
    page.get_by_label("Notes").fill("ABH, not common assault.")
    page.locator("#id_correctly_classified_1").check()
    page.get_by_role("button", name="Save", exact=True).click()
    assert page.get_by_text("Review of DR-1 saved.").is_visible()

    adjudicated = CaseReview.objects.get(case=case, kind="adjudicated")
    assert adjudicated.reviewer == lead_user and adjudicated.correctly_classified is False
