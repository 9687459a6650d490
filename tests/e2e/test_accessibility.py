"""Every page each role can reach by clicking, checked by axe-core; the small screen; the keyboard.

The pages are not listed here: each role signs in through the form and the
test follows the links it is shown, breadth first from the landing page, so a
page added to the navigation is checked the day it appears, and a link to a
page that answers with an error is found. axe-core (node_modules, from
``npm ci``) checks each page; a violation of serious or critical impact
fails, named by page, rule and element.
"""

import warnings
from collections import deque
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError

from inspect_app.accounts.roles import Role
from inspect_app.inspections.models import BatchStatus, ReviewKind, SampleBatch
from tests.dashboard.builders import published_2014
from tests.e2e.conftest import ON_CI
from tests.factories import CaseReviewFactory, SampledCaseFactory, UserFactory
from tests.publication.builders import frozen_version

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}

#: A bound on the crawl: the pages of one kind (one URL pattern with one set of
#: query parameters) look alike, so a few of each say as much as all of them.
PAGES_PER_KIND = 3
MAX_PAGES = 60
#: Query parameters that only reorder or page through a table.
ORDERING = ("sort", "page", "per_page")
#: Where a link leads away from the pages: the admin has its own look, sign-out
#: and downloads are not pages.
SKIPPED_PREFIXES = ("/admin/", "/accounts/logout/", "/static/", "/media/")
DOWNLOAD_ENDINGS = (".csv", ".xlsx", ".json", ".png", ".pdf")

ROLES = ["admin_user", "lead_user", "inspector_user", "commissioner_a"]
#: Pages each role must reach by clicking (URL names), whatever else the crawl finds.
FIGURES = {"programme-detail", "offence-detail", "force-detail", "inspection-detail"}
REACHES = {
    "admin_user": FIGURES | {"inspection-workspace", "review-case", "batch-upload", "batch-detail"},
    "lead_user": FIGURES | {"inspection-workspace", "review-case", "review-agreement"},
    "inspector_user": FIGURES | {"inspection-workspace", "review-case"},
    # A commissioner reads published versions: their force summary and each version.
    "commissioner_a": {"force-detail", "publication-version"},
}
NARROW = 375
#: Subpixel rounding only; a clipped column is tens of pixels.
NARROW_TOLERANCE = 2
#: Pages saved as screenshots at the phone's width, to be looked at.
LOOKED_AT = {
    "force-detail",
    "programme-detail",
    "inspection-workspace",
    "review-case",
    "review-agreement",
    "batch-upload",
    "batch-detail",
}


# --- the audit the pages show -------------------------------------------------------------


@pytest.fixture
def second_inspector(inspection_a):
    user = UserFactory(
        username="ivan-inspector", role=Role.INSPECTOR, first_name="Ivan", last_name="Second"
    )
    inspection_a.inspectors.add(user)
    return user


@pytest.fixture
def audit(
    transactional_db,
    programme,
    inspection_a,
    inspection_b,
    inspector_user,
    second_inspector,
    lead_user,
    admin_user,
):
    """Two forces' inspections with stored figures; in Essex a double-review pair that
    disagreed, one the lead has adjudicated, a case still to review, an imported batch
    and a failed one."""
    inspection_a.double_review_fraction = Decimal(0)
    inspection_a.save()
    imported = SampleBatch.objects.create(
        inspection=inspection_a,
        original_filename="essex-sample.csv",
        content_sha256="a" * 64,
        status=BatchStatus.IMPORTED,
        row_count=3,
        uploaded_by=admin_user,
    )
    SampleBatch.objects.create(
        inspection=inspection_a,
        original_filename="essex-typo.csv",
        content_sha256="b" * 64,
        status=BatchStatus.FAILED,
        error_count=2,
        errors=[
            {"row": 2, "column": "record_type", "message": "“incidnet” is not a record type."},
            {"row": 3, "column": "reported_at", "message": "“31/02/2013” is not a date."},
        ],
        uploaded_by=admin_user,
    )
    yes = {"should_record": True, "was_recorded": True, "on_time": True}
    # References that sort first, so the crawl's first pages of "all cases" include them.
    for reference, adjudicate in (("DBL-1", False), ("ADJ-1", True)):
        case = SampledCaseFactory(
            inspection=inspection_a,
            reference=reference,
            batch=imported,
            assigned_to=inspector_user,
            second_reviewer=second_inspector,
        )
        CaseReviewFactory(case=case, reviewer=inspector_user, correctly_classified=True, **yes)
        CaseReviewFactory(
            case=case,
            kind=ReviewKind.SECOND,
            reviewer=second_inspector,
            correctly_classified=False,
            **yes,
        )
        if adjudicate:
            CaseReviewFactory(
                case=case,
                kind=ReviewKind.ADJUDICATED,
                reviewer=lead_user,
                correctly_classified=False,
                notes="ABH, not common assault.",
                **yes,
            )
    SampledCaseFactory(
        inspection=inspection_a, reference="NEW-1", batch=imported, assigned_to=inspector_user
    )
    stored = published_2014(programme, inspection_a, inspection_b)
    # A published version of Essex: the only figures its commissioner may read.
    frozen_version(inspection_a)
    return stored


# --- axe ----------------------------------------------------------------------------------


def axe_violations(page):
    """Serious and critical violations on the page as it is now, one line each."""
    if not AXE.exists():
        if ON_CI:
            pytest.fail("node_modules/axe-core is missing: CI must run `npm ci`")
        pytest.skip("node_modules/axe-core is missing (npm ci); CI installs it")
    # The Content Security Policy refuses injected <script> tags, as it should;
    # evaluate runs through the DevTools protocol instead.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])} elements): "
        f"{violation['help']}; e.g. "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def wait_for_charts(page):
    # A chart half drawn is not what a reader meets: wait for plotly to finish.
    expected = page.locator("[data-chart-source]").count()
    if expected:
        page.wait_for_function(
            "n => document.querySelectorAll('[data-chart-drawn=\"true\"]').length === n",
            arg=expected,
        )


# --- the crawl ----------------------------------------------------------------------------


def normalised(url):
    """The page a link leads to: no fragment, no sorting or paging of its tables."""
    parts = urlsplit(url)
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name.rsplit("-", 1)[-1] not in ORDERING
    )
    return parts.path + (f"?{urlencode(query)}" if query else "")


def is_followed(path, download):
    """Whether the crawl opens a same-site link as a page (not a download, not sign-out)."""
    parts = urlsplit(path)
    return not (
        download
        or parts.path.startswith(SKIPPED_PREFIXES)
        or parts.path.endswith(DOWNLOAD_ENDINGS)
        or "_export" in dict(parse_qsl(parts.query))
    )


def kind_of(path):
    """Pages of one URL pattern with the same query parameters are one kind of page."""
    parts = urlsplit(path)
    try:
        name = resolve(parts.path).url_name
    except Resolver404:
        name = parts.path
    return name, tuple(sorted(parse_qsl(parts.query)))


LINKS = """() => Array.from(document.querySelectorAll('a[href]'),
  a => ({href: a.href, download: a.hasAttribute('download')}))"""


def crawl(page, base_url, visit):
    """Open every page reachable by links from the current one; ``visit(page, path)`` runs on
    each. Returns the pages reached and the links that led to an error."""
    origin = urlsplit(base_url)
    start = normalised(page.url)
    queue, found_on = deque([start]), {start: "(landing page)"}
    per_kind, reached, broken = {}, [], []
    while queue:
        path = queue.popleft()
        if len(reached) >= MAX_PAGES:
            warnings.warn(
                f"crawl stopped at {MAX_PAGES} pages; not opened: {list(queue)}", stacklevel=2
            )
            break
        try:
            response = page.goto(urljoin(base_url, path))
        except PlaywrightError as error:  # an error answered with no page at all, e.g. 405
            broken.append(f"{path}: {error.message.splitlines()[0]} (linked from {found_on[path]})")
            continue
        if response is None or response.status >= 400:
            status = response.status if response else "no response"
            broken.append(f"{path} answered {status} (linked from {found_on[path]})")
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        reached.append(path)
        visit(page, path)
        for link in page.evaluate(LINKS):
            parts = urlsplit(link["href"])
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
                continue
            target = normalised(link["href"])
            if target in found_on or not is_followed(target, link["download"]):
                continue
            kind = kind_of(target)
            if per_kind.get(kind, 0) >= PAGES_PER_KIND:
                continue
            per_kind[kind] = per_kind.get(kind, 0) + 1
            found_on[target] = path
            queue.append(target)
    return reached, broken


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_by_links_passes_axe(
    role, request, audit, live_server, sign_in, page, screenshot
):
    user = request.getfixturevalue(role)
    sign_in(user)
    violations = []

    def check(page, path):
        wait_for_charts(page)
        violations.extend(f"{path}: {line}" for line in axe_violations(page))

    reached, broken = crawl(page, live_server.url, check)
    print(f"{role} reached {len(reached)} pages:", *reached, sep="\n  ")
    # A crawl that never got to the pages the role works on checked nothing that matters.
    assert REACHES[role] <= {kind_of(path)[0] for path in reached}, reached
    assert not broken, "links to pages that error:\n" + "\n".join(broken)
    assert not violations, f"{len(violations)} serious or critical:\n" + "\n".join(violations)


# --- a phone's width ----------------------------------------------------------------------

#: What sticks out past the right edge of the viewport, widest first: the
#: elements to fix when a page is wider than the phone.
OVERFLOWING = """width => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > width + 2 && e.getClientRects().length)
  .filter(e => !e.closest('.table-scroll'))
  .map(e => [e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
             (e.classList.length ? '.' + Array.from(e.classList).join('.') : ''),
             Math.round(e.getBoundingClientRect().right)])
  .sort((a, b) => b[1] - a[1]).slice(0, 5)"""


@pytest.mark.parametrize("role", ROLES)
def test_no_page_a_role_reaches_is_wider_than_a_phone(
    role, request, audit, live_server, sign_in, page, screenshot
):
    user = request.getfixturevalue(role)
    page.set_viewport_size({"width": NARROW, "height": 800})
    sign_in(user)
    too_wide, looked_at = [], set()

    def measure(page, path):
        wait_for_charts(page)
        name = kind_of(path)[0]
        if name in LOOKED_AT and name not in looked_at:
            looked_at.add(name)
            screenshot(f"{NARROW}-{name}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > NARROW + NARROW_TOLERANCE:
            too_wide.append(f"{path} is {width}px wide: {page.evaluate(OVERFLOWING, NARROW)}")

    reached, _ = crawl(page, live_server.url, measure)
    assert REACHES[role] <= {kind_of(path)[0] for path in reached}, reached
    assert not too_wide, f"wider than {NARROW}px:\n" + "\n".join(too_wide)


# --- the keyboard -------------------------------------------------------------------------

FOCUSED_QUESTION = """() => {
  const question = document.activeElement.closest('.review-question');
  return question ? question.dataset.field : document.activeElement.tagName.toLowerCase();
}"""
CURRENT_QUESTION = "() => document.querySelector('.review-question.is-current')?.dataset.field"


@pytest.fixture
def case_to_review(inspection_a, inspector_user):
    inspection_a.double_review_fraction = Decimal(0)
    inspection_a.save()
    return SampledCaseFactory(inspection=inspection_a, reference="KB-1", assigned_to=inspector_user)


def case_url(live_server, case):
    return f"{live_server.url}/inspections/{case.inspection.slug}/cases/{case.pk}/?queue=mine"


def test_keyboard_answers_move_focus_with_the_highlighted_question(
    live_server, sign_in, page, case_to_review, inspector_user, screenshot
):
    sign_in(inspector_user)
    page.goto(case_url(live_server, case_to_review))
    assert page.evaluate(CURRENT_QUESTION) == "should_record"
    # Each answer moves the highlight to the next question, and focus with it, so a
    # screen reader reads out the question the next key will answer.
    for answered, following in (
        ("should_record", "was_recorded"),
        ("was_recorded", "correctly_classified"),
        ("correctly_classified", "on_time"),
    ):
        page.keyboard.press("y")
        assert page.locator(f"#field-{answered} input[value=yes]").is_checked()
        assert page.evaluate(CURRENT_QUESTION) == following
        assert page.evaluate(FOCUSED_QUESTION) == following
    focused = page.evaluate("document.activeElement.id")
    assert page.locator(f"#{focused}").is_visible()
    screenshot("on-time-focused")

    # Going back with the keyboard and answering there changes that answer, not the highlighted one.
    page.locator("#field-was_recorded input[value=yes]").focus()
    page.keyboard.press("n")
    assert page.locator("#field-was_recorded input[value=no]").is_checked()
    assert not page.locator("#field-correctly_classified").is_visible()
    assert page.evaluate(FOCUSED_QUESTION) == "was_recorded"


# --- errors -------------------------------------------------------------------------------

RED = "rgb(212, 53, 28)"


def focused_error_summary(page):
    return page.evaluate("document.activeElement.classList.contains('error-summary')")


def test_a_review_saved_unanswered_shows_the_govuk_error_pattern(
    live_server, sign_in, page, case_to_review, inspector_user, screenshot
):
    sign_in(inspector_user)
    page.goto(case_url(live_server, case_to_review))
    assert not page.title().startswith("Error:")
    page.get_by_role("button", name="Save", exact=True).click()

    assert page.title().startswith("Error: Case KB-1"), page.title()
    assert focused_error_summary(page)
    question = page.locator("#field-should_record")
    assert question.evaluate("e => getComputedStyle(e).borderLeftColor") == RED
    assert question.evaluate("e => getComputedStyle(e).borderLeftWidth") == "5px"
    screenshot("review-error")
    assert not axe_violations(page)

    # The summary's link takes focus to the question itself.
    page.locator(".error-summary a").first.click()
    assert page.evaluate(FOCUSED_QUESTION) == "should_record"


def test_an_upload_without_a_file_shows_the_govuk_error_pattern(
    live_server, sign_in, page, inspection_a, admin_user, screenshot
):
    sign_in(admin_user)
    page.goto(f"{live_server.url}/inspections/{inspection_a.slug}/batches/")
    page.get_by_role("button", name="Upload and check").click()

    assert page.title().startswith("Error: Upload a sample batch"), page.title()
    assert focused_error_summary(page)
    group = page.locator(".form-group--error")
    assert group.evaluate("e => getComputedStyle(e).borderLeftColor") == RED
    screenshot("upload-error")
    assert not axe_violations(page)


def test_a_refusal_shows_the_govuk_error_pattern(
    live_server, sign_in, page, audit, lead_user, screenshot
):
    sign_in(lead_user)
    page.goto(f"{live_server.url}/inspections/essex-test/workspace/?queue=all")
    # Assigning with no case ticked is refused, and nothing changes.
    page.get_by_role("button", name="Assign selected cases").click()

    assert page.get_by_role("heading", name="Nothing was changed").is_visible()
    assert page.title().startswith("Error:"), page.title()
    assert focused_error_summary(page)
    screenshot("refused")
    assert not axe_violations(page)
