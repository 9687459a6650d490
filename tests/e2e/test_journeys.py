"""Each role does its work in Chromium by clicking alone, starting at the landing page.

After the first ``goto`` (the site's address, as a new user types it) every
step is a click or a key press: a page nobody links to cannot be reached
here. The review team's journeys run on the demo's practice round, so they
also prove that the round can be taken from its first review to its sign-off.
"""

import re

import pytest
from playwright.sync_api import expect

from inspect_app.accounts.models import User
from inspect_app.inspections import demo
from inspect_app.inspections.decisions import DECISIONS_BY_RECORD_TYPE, RecordType
from inspect_app.inspections.models import (
    CaseReview,
    Inspection,
    InspectionStatus,
    ReviewKind,
    SampledCase,
)
from inspect_app.inspections.workflow.sample import double_review_case_ids
from tests.e2e.conftest import enter_code, give_authenticator

pytestmark = pytest.mark.django_db(transaction=True)

ALL_YES = "yyyy"
#: On an incident: a crime, recorded, but not correctly classified, on time.
MISCLASSIFIED = "yyny"
#: The record types asked the crime-recording questions (those MISCLASSIFIED answers).
CRIME_RECORDING_TYPES = [
    kind
    for kind, questions in DECISIONS_BY_RECORD_TYPE.items()
    if questions is DECISIONS_BY_RECORD_TYPE[RecordType.INCIDENT]
]


@pytest.fixture
def practice_round(password):
    demo.ensure_demo_users(password)
    demo.build_practice_round()
    return Inspection.objects.get(slug="essex-practice")


@pytest.fixture
def enter(page, live_server, password):
    """Open the site once, then sign in (and out) only by clicking."""
    opened = []

    def as_user(username):
        if not opened:
            page.goto(live_server.url + "/")
            opened.append(True)
        else:
            page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        user = User.objects.get(username=username)
        give_authenticator(user)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        enter_code(page, user)
        return page

    return as_user


def answer(page, keys):
    """Answer the highlighted questions with the keyboard, once the form's script is ready."""
    page.wait_for_selector(".review-question.is-current")
    for key in keys:
        page.keyboard.press(key)


def answer_and_save_next(page, keys):
    """Answer the highlighted questions with the keyboard, then "save and next" (S)."""
    heading = page.locator("h1").inner_text()
    page.wait_for_selector(".review-question.is-current")
    for key in keys:
        page.keyboard.press(key)
    with page.expect_navigation():
        page.keyboard.press("s")
    expect(page.locator("h1")).not_to_have_text(heading)


def my_work_count(page):
    return int(re.search(r"(\d+) reviews? waiting", page.locator("main").inner_text()).group(1))


def test_an_inspector_finds_their_work_and_reviews_three_cases(
    enter, page, practice_round, screenshot
):
    enter("inspector")
    expect(page.get_by_role("heading", name="My work", level=1)).to_be_visible()
    assert page.locator(".service-nav__item--current").inner_text() == "My work"
    assert my_work_count(page) == 10
    screenshot("my-work")

    page.get_by_role("link", name="Continue reviewing").click()
    expect(page.get_by_role("heading", name="Case PR-0001")).to_be_visible()
    assert page.locator(".service-nav__item--current").inner_text() == "Inspections"
    for _ in range(3):
        answer_and_save_next(page, ALL_YES)
    screenshot("fourth-case")

    page.get_by_role("link", name="My work").click()
    assert my_work_count(page) == 7
    reviewed = CaseReview.objects.filter(kind=ReviewKind.FIRST, reviewer__username="inspector")
    assert sorted(reviewed.values_list("case__reference", flat=True)) == [
        "PR-0001",
        "PR-0002",
        "PR-0003",
    ]

    # The inspection's own page says how many are still assigned to them, and leads there.
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="Essex").first.click()
    expect(page.get_by_role("heading", name="Essex", level=1)).to_be_visible()
    page.get_by_role("link", name="Review cases (7 assigned to you)").click()
    expect(page.get_by_role("heading", name="Assigned to me")).to_be_visible()


def review_all_mine(page):
    """From the home page: Continue reviewing, then every case of one's queue, all yes."""
    page.get_by_role("link", name="Continue reviewing").click()
    for _ in range(40):  # more than any queue here holds: a save that fails must not loop
        if "/cases/" not in page.url:
            return
        answer_and_save_next(page, ALL_YES)
    raise AssertionError(f"still reviewing at {page.url}")


def take_second_reviews(page, keys_for):
    """From the home page: the inspection's queue of second reviews, each taken and made."""
    page.get_by_role("link", name="Inspections", exact=True).click()
    page.get_by_role("link", name="Essex").first.click()
    page.get_by_role("link", name="Review workspace: every case").click()
    page.get_by_role("link", name=re.compile(r"^Awaiting second review")).click()
    for _ in range(40):
        links = page.locator("table.case-table tbody a").all()
        if not links:
            break
        reference = links[0].inner_text()
        links[0].click()
        page.get_by_role("button", name="Take the blind second review").click()
        answer(page, keys_for(reference))
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_text(f"Review of {reference} saved.")).to_be_visible()
        page.get_by_role("link", name=re.compile(r"^Back to awaiting second review")).click()


def test_the_practice_round_goes_from_first_review_to_sign_off_by_clicking(
    enter, page, practice_round, screenshot
):
    sample = set(
        SampledCase.objects.filter(pk__in=double_review_case_ids(practice_round)).values_list(
            "reference", flat=True
        )
    )
    assert len(sample) >= 3  # the round exercises double review and adjudication

    # The lead gives every unassigned case to the second inspector, and the first review of one
    # double-review case to themselves, after the warning.
    enter("lead")
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    card = page.locator("#inspection-essex-practice")
    expect(card.get_by_text("Not ready to sign off yet")).to_be_visible()
    screenshot("overview")
    card.get_by_role("link", name=re.compile(r"unassigned cases")).click()
    expect(page.get_by_role("heading", name="Unassigned")).to_be_visible()
    # The lead's own case is one asked the crime-recording questions (MISCLASSIFIED below
    # answers those). Which cases are in the sample follows the inspection's id, so the
    # first of them is made such a record rather than assumed to be one.
    own_case = (
        SampledCase.objects.filter(
            inspection=practice_round, assigned_to=None, reference__in=sample
        )
        .order_by("reference")
        .first()
    )
    if own_case.record_type not in CRIME_RECORDING_TYPES:
        own_case.record_type = RecordType.INCIDENT
        own_case.save()
    own = own_case.reference
    page.get_by_role("link", name=own).click()
    page.get_by_role("button", name="Take this case").click()
    expect(page.locator("#self-assignment-warning")).to_contain_text("cannot adjudicate")
    screenshot("self-assignment-warning")
    page.get_by_role("button", name="Yes, I make the first review").click()
    expect(page.get_by_text(f"Case {own} is now yours to review.")).to_be_visible()
    answer(page, ALL_YES)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"Review of {own} saved.")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Back to ")).click()
    page.get_by_role("link", name=re.compile(r"^Unassigned")).click()
    page.get_by_label("Select every case on this page").check()
    page.get_by_label("Assign to").select_option(label="Ivan Inspector")
    page.get_by_role("button", name="Assign selected cases").click()
    expect(page.get_by_text(re.compile(r"\d+ cases assigned to Ivan Inspector"))).to_be_visible()

    # Both inspectors make their first reviews from their home page.
    for username in ("inspector", "inspector2"):
        enter(username)
        review_all_mine(page)
    assert (
        not SampledCase.objects.filter(inspection=practice_round)
        .exclude(reviews__kind=ReviewKind.FIRST)
        .exists()
    )

    # Second reviews: each inspector takes those they did not first-review; the first of the
    # lead's own case disagrees, so a lead must adjudicate it.
    enter("inspector")
    take_second_reviews(page, lambda reference: MISCLASSIFIED if reference == own else ALL_YES)
    enter("inspector2")
    take_second_reviews(page, lambda reference: ALL_YES)
    assert (
        not SampledCase.objects.filter(inspection=practice_round, reference__in=sample)
        .exclude(reviews__kind=ReviewKind.SECOND)
        .exists()
    )

    # The lead who made the first review is told they cannot adjudicate, and who can.
    enter("lead")
    page.locator("#inspection-essex-practice").get_by_role(
        "link", name=re.compile(r"awaiting adjudication")
    ).click()
    page.get_by_role("link", name=own).click()
    reason = page.locator("#no-review-reason")
    expect(reason).to_contain_text("you cannot adjudicate")
    expect(reason).to_contain_text("Lena Lead")
    screenshot("cannot-adjudicate")

    enter("lead2")
    page.locator("#inspection-essex-practice").get_by_role(
        "link", name=re.compile(r"awaiting adjudication")
    ).click()
    page.get_by_role("link", name=own).click()
    expect(page.get_by_role("heading", name="Your adjudicated decision")).to_be_visible()
    page.get_by_label("Notes").fill("Classified correctly on the evidence in the log.")
    page.locator("#id_correctly_classified_0").check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"Review of {own} saved.")).to_be_visible()

    # Nothing is left: the lead signs off, through the confirmation page.
    page.get_by_role("link", name="Overview").click()
    card = page.locator("#inspection-essex-practice")
    expect(card.get_by_text("Ready to sign off")).to_be_visible()
    card.get_by_role("link", name=re.compile(r"^Sign off")).click()
    expect(page.get_by_role("heading", name="Sign off the inspection")).to_be_visible()
    screenshot("confirm-sign-off")
    page.get_by_role("button", name="Yes, sign off the inspection").click()
    expect(page.get_by_text("Inspection signed off")).to_be_visible()
    practice_round.refresh_from_db()
    assert practice_round.status == InspectionStatus.SIGNED_OFF
    assert practice_round.signed_off_by.username == "lead2"
    assert (
        CaseReview.objects.get(case__reference=own, kind=ReviewKind.ADJUDICATED).reviewer.username
        == "lead2"
    )


def test_a_commissioner_reads_and_prints_their_force_summary(
    enter,
    page,
    commissioner_a,
    inspection_a,
    inspection_b,
    programme,
    lead_user,
    screenshot,
    tmp_path,
):
    from tests.dashboard.builders import published_2014
    from tests.publication.builders import signed_off_and_published

    published_2014(programme, inspection_a, inspection_b)
    signed_off_and_published(inspection_a, lead_user)  # commissioners read published figures
    # Record the print request instead of opening a dialog no one can close here.
    page.add_init_script("window.print = () => { window.__printed = true; };")
    enter(commissioner_a.username)
    expect(page.get_by_role("heading", name=inspection_a.force.name, level=1)).to_be_visible()
    nav = page.locator(".service-nav__link")
    assert nav.all_inner_texts() == [f"{inspection_a.force.name} summary"]
    main = page.locator("main").inner_text()
    assert "91.7%" in main  # Essex: 110 of 120 recorded
    screenshot("summary")

    page.get_by_role("button", name="Print this summary").click()
    assert page.evaluate("window.__printed") is True
    page.emulate_media(media="print")
    assert not page.locator(".service-nav").is_visible()
    assert not page.get_by_role("button", name="Print this summary").is_visible()
    pdf = tmp_path / "summary.pdf"
    page.pdf(path=str(pdf), format="A4")
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf.read_bytes())
    assert 1 <= len(pages) <= 2, f"the printed summary runs to {len(pages)} A4 pages"


BATCH = (
    "reference,record_type,reported_at,offence_group,should_record,was_recorded,reviewer\n"
    + "".join(
        f"NEW-{n:03d},incident,01/03/2026 10:00,,yes,yes,isla-inspector\n" for n in range(1, 13)
    )
)


def test_an_admin_sets_up_an_inspection_uploads_a_batch_and_follows_it_to_its_cases(
    enter, page, admin_user, inspector_user, tmp_path, settings, screenshot
):
    settings.MEDIA_ROOT = tmp_path / "media"
    batch = tmp_path / "essex-2026.csv"
    batch.write_text(BATCH, encoding="utf-8")
    # The inspector fixture is on another inspection's team, not on the one made here.
    enter(admin_user.username)
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()

    page.get_by_role("link", name="Create a programme").click()
    page.get_by_label("Name", exact=True).fill("Crime data integrity 2026")
    page.get_by_label("Year (optional)").fill("2026")
    page.get_by_role("button", name=re.compile(r"^Create")).click()
    expect(page.get_by_text("Programme “Crime data integrity 2026” created.")).to_be_visible()

    page.get_by_role("link", name="Add an inspection to it").click()
    expect(page.get_by_label("Programme")).to_have_value(re.compile(r"\d+"))
    page.get_by_label("Force").select_option(label="Essex")
    page.get_by_label("Recording time limit, in hours").fill("24")
    page.get_by_role("button", name="Create the inspection").click()
    expect(page.get_by_text("Inspection of Essex created.")).to_be_visible()
    inspection = Inspection.objects.get(programme__name="Crime data integrity 2026")

    page.get_by_role("link", name="choose its team").click()
    page.get_by_label(re.compile(re.escape(inspector_user.username))).check()
    page.get_by_role("button", name="Add to the team").click()
    expect(page.get_by_text(re.compile(r"^Added to the team"))).to_be_visible()
    screenshot("team")
    assert list(inspection.inspectors.all()) == [inspector_user]

    page.get_by_role("link", name="Back to Essex").click()
    page.get_by_role("link", name="Batches: upload or withdraw").click()
    page.get_by_label("Batch file", exact=True).set_input_files(str(batch))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="12 rows imported")).to_be_visible(timeout=15_000)
    screenshot("imported")

    page.get_by_role("link", name="See the cases").click()
    expect(page.get_by_role("heading", name=re.compile("review workspace"))).to_be_visible()
    rows = page.locator("table.case-table tbody tr")
    expect(rows).to_have_count(12)
    assert page.get_by_label("Sample batch").input_value() != ""
    assert SampledCase.objects.filter(inspection=inspection).count() == 12
    screenshot("the-cases")
