"""Review pages that scale: the sample drawn by the database, every queue counted in one
query and kept until the casework changes, and the same numbers as the queues themselves."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspect_app.inspections import tallies
from inspect_app.inspections.models import CaseReview, Inspection, SampledCase, casework_changed
from inspect_app.inspections.templatetags.review_cache import TOKEN_PLACEHOLDER
from inspect_app.inspections.workflow import claims, queues, sample, signoff, state
from tests.factories import CaseReviewFactory, SampledCaseFactory, UserFactory
from tests.management import run_command
from tests.review.conftest import make_cases

pytestmark = pytest.mark.django_db

COMPLETE = {"should_record": False}
INCOMPLETE = {"should_record": True}
OTHER_ANSWER = {
    "should_record": True,
    "was_recorded": True,
    "correctly_classified": True,
    "on_time": True,
}


def as_user(user):
    client = Client()
    client.force_login(user)
    return client


def workspace(inspection, **query):
    url = reverse("inspection-workspace", kwargs={"slug": inspection.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def fresh(inspection):
    return Inspection.objects.get(pk=inspection.pk)


# --- the sample, drawn by the database ----------------------------------------------------


ODD_REFERENCES = [
    "ESX/2014/000001",
    "a b c",
    "back\\slash",
    'quote\'d "both"',
    "ünïcödé-ß-€",
    "日本語",
    "x" * 64,
    "100%_like",
    "tab\there",
]


def test_the_database_draws_each_case_as_python_does(inspection_a):
    for reference in ODD_REFERENCES:
        SampledCaseFactory(inspection=inspection_a, reference=reference)
    make_cases(inspection_a, 200)
    keys = dict(
        SampledCase.objects.filter(inspection=inspection_a)
        .annotate(key=sample.DrawKey())
        .values_list("reference", "key")
    )
    assert len(keys) == 209
    for reference, key in keys.items():
        assert bytes(key) == sample.draw_key(inspection_a.pk, reference), reference


@pytest.mark.parametrize("share", ["0", "0.001", "0.1", "0.333", "0.5", "0.999", "1"])
def test_the_sample_in_the_database_is_the_sample_python_draws(inspection_a, share):
    for reference in ODD_REFERENCES:
        SampledCaseFactory(inspection=inspection_a, reference=reference)
    make_cases(inspection_a, 300)
    inspection_a.double_review_fraction = Decimal(share)
    cases = SampledCase.objects.filter(inspection=inspection_a).select_related("inspection")
    expected = {case.pk for case in cases if sample.in_double_review_sample(case, share)}
    assert sample.double_review_case_ids(inspection_a) == expected
    if Decimal("0.1") <= Decimal(share) <= Decimal("0.5"):
        assert 0 < len(expected) < 309  # the comparison was really made, both ways


@pytest.mark.parametrize("share", [1e-12, 0.1, 1 / 3, 0.5, 0.9999999, 1.0])
def test_the_key_limit_falls_exactly_where_the_draw_reaches_the_share(share):
    limit = sample._first_key_outside(share)
    assert (limit - 1) / 2**64 < share  # the last key inside is drawn below the share...
    assert limit >= 2**64 or limit / 2**64 >= share  # ...and the first outside is not


def test_the_sample_is_found_through_its_index(inspection_a):
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    inspection_a.double_review_fraction = Decimal("0.1")
    plan = sample.double_review_sample(inspection_a).explain()
    assert "inspections_case_review_draw" in plan


# --- the queues -----------------------------------------------------------------------------


@pytest.fixture
def sampled_inspection(inspection_a):
    inspection_a.double_review_fraction = Decimal(1)
    inspection_a.save()
    return inspection_a


def test_awaiting_second_review_holds_only_cases_whose_first_review_is_complete(
    sampled_inspection, inspector_user, second_inspector, lead_user
):
    untouched, half, done, paired = make_cases(sampled_inspection, 4)
    CaseReviewFactory(case=half, reviewer=inspector_user, **INCOMPLETE)
    CaseReviewFactory(case=done, reviewer=inspector_user, **COMPLETE)
    CaseReviewFactory(case=paired, reviewer=inspector_user, **COMPLETE)
    CaseReviewFactory(case=paired, kind="second", reviewer=second_inspector, **COMPLETE)

    assert set(queues.awaiting_second_review(sampled_inspection)) == {done}
    for user in (second_inspector, lead_user):
        cases = SampledCase.objects.visible_to(user).filter(inspection=sampled_inspection)
        assert set(queues.queue_cases("second", sampled_inspection, user, cases)) == {done}
    # Every second review not made still stands between the inspection and its sign-off.
    assert set(queues.second_reviews_not_made(sampled_inspection)) == {untouched, half, done}
    outstanding = signoff.outstanding_work(sampled_inspection)
    assert outstanding["second reviews not yet made"] == 3
    assert outstanding["cases without a complete first review"] == 2


def test_the_second_queue_on_the_page_waits_for_the_first_review(
    sampled_inspection, inspector_user, second_inspector
):
    case = make_cases(sampled_inspection, 1)[0]
    page = as_user(second_inspector).get(workspace(sampled_inspection, queue="second"))
    assert case.reference.encode() not in page.content
    CaseReviewFactory(case=case, reviewer=inspector_user, **COMPLETE)
    page = as_user(second_inspector).get(workspace(sampled_inspection, queue="second"))
    assert case.reference.encode() in page.content


def complete(case):
    """Answers that complete a review of ``case``."""
    return {
        "no_crime": {"cancellation_correct": True, "victim_informed": True},
        "oocd": {"disposal_appropriate": False},
    }.get(case.record_type, COMPLETE)


@pytest.fixture
def mixed(inspection_a, inspector_user, second_inspector, lead_user, other_lead):
    """Half the cases sampled, in every state a case can be in."""
    inspection_a.double_review_fraction = Decimal("0.5")
    inspection_a.save()
    isla, ivan = inspector_user, second_inspector
    cases = make_cases(inspection_a, 70)
    cases += [
        SampledCaseFactory(inspection=inspection_a, record_type=kind, reference=f"T-{n}")
        for n, kind in enumerate(["no_crime", "oocd", "other_system"] * 4)
    ]
    sampled = [c for c in cases if sample.in_double_review_sample(c)]
    others = [c for c in cases if c not in sampled]

    def first(case, answers=None, by=isla):
        SampledCase.objects.filter(pk=case.pk).update(assigned_to=by)
        CaseReviewFactory(
            case=case, reviewer=by, **(complete(case) if answers is None else answers)
        )

    for n, case in enumerate(others):
        state = n % 4
        if state == 1:
            SampledCase.objects.filter(pk=case.pk).update(assigned_to=ivan)
        elif state == 2:
            first(case, INCOMPLETE if case.record_type == "incident" else {})
        elif state == 3:
            first(case)
    for n, case in enumerate(sampled):
        state = n % 7
        if state == 1:
            first(case, INCOMPLETE if case.record_type == "incident" else {})
        elif state >= 2:
            first(case)
        if state >= 3:
            SampledCase.objects.filter(pk=case.pk).update(second_reviewer=ivan)
        if state == 4:
            CaseReviewFactory(case=case, kind="second", reviewer=ivan, **complete(case))
        if state in (5, 6) and case.record_type == "incident":
            CaseReviewFactory(case=case, kind="second", reviewer=ivan, **OTHER_ANSWER)
        if state == 6 and case.record_type == "incident":
            CaseReviewFactory(case=case, kind="adjudicated", reviewer=other_lead, **COMPLETE)
    return fresh(inspection_a)


def test_the_counts_are_the_sizes_of_the_queues_themselves(
    mixed, inspector_user, second_inspector, lead_user, admin_user
):
    counts = tallies.count_casework(mixed)
    cases = SampledCase.objects.filter(inspection=mixed)
    assert counts["total"] == cases.count() == 82
    assert counts["reviewed"] == cases.filter(queues.complete_first_review()).count()
    assert counts["sample"] == len(sample.double_review_case_ids(mixed))
    assert counts["second_not_made"] == queues.second_reviews_not_made(mixed).count()
    assert counts["awaiting_second"] == queues.awaiting_second_review(mixed).count()
    assert counts["adjudication"] == queues.awaiting_adjudication(mixed).count()
    assert counts["adjudication"] == len(
        [
            pk
            for pk in queues.disagreeing_case_ids(mixed)
            if not CaseReview.objects.filter(case_id=pk, kind="adjudicated").exists()
        ]
    )
    # The mix has every kind of case in it, so each count above was really put to the test.
    assert 0 < counts["awaiting_second"] < counts["second_not_made"] < counts["sample"]
    assert counts["adjudication"] > 0 and counts["unassigned"] > 0
    assert 0 < counts["reviewed"] < counts["total"]
    # Progress by record type and group adds up to the same totals.
    assert sum(row[2] for row in counts["rows"]) == counts["total"]
    assert sum(row[3] for row in counts["rows"]) == counts["reviewed"]

    for user in (inspector_user, second_inspector, lead_user, admin_user):
        scoped = SampledCase.objects.visible_to(user).filter(inspection=mixed)
        expected = {
            name: queues.queue_cases(name, mixed, user, scoped).count() for name in queues.QUEUES
        }
        assert tallies.queue_counts(mixed, user, scoped) == expected, user.username
        for name in queues.QUEUES:
            assert tallies.queue_count(mixed, user, scoped, name) == expected[name]
    assert tallies.queue_counts(mixed, second_inspector, cases)["mine"] > 0


def test_the_workspace_shows_the_queues_own_sizes(mixed, second_inspector):
    content = as_user(second_inspector).get(workspace(mixed)).content.decode()
    cases = SampledCase.objects.visible_to(second_inspector).filter(inspection=mixed)
    for name, label in queues.QUEUES.items():
        if name == "adjudication":
            continue
        size = queues.queue_cases(name, mixed, second_inspector, cases).count()
        assert f'{label} <span class="queue-tabs__count">({size})</span>' in content


def test_disagreeing_pairs_are_those_the_case_page_calls_disagreeing(mixed):
    cases = SampledCase.objects.filter(inspection=mixed).select_related("inspection")
    expected = {case.pk for case in cases if state.CaseState.of(case).needs_adjudication}
    assert expected and queues.disagreeing_case_ids(mixed) == expected


def test_the_case_page_neighbours_are_the_cases_either_side(inspection_a):
    cases = make_cases(inspection_a, 5)
    queue = SampledCase.objects.filter(inspection=inspection_a)
    assert queues.neighbours(queue, cases[2]) == (cases[1], cases[3])
    assert queues.neighbours(queue, cases[0]) == (None, cases[1])
    assert queues.neighbours(queue, cases[4]) == (cases[3], None)
    # A case no longer in the queue sits where its reference puts it.
    assert queues.neighbours(queue.exclude(pk=cases[2].pk), cases[2]) == (cases[1], cases[3])
    # The same reference twice (two inspections' cases in one queue): ordered by id.
    twin = SampledCaseFactory(reference=cases[2].reference)
    both = SampledCase.objects.filter(pk__in=[cases[2].pk, twin.pk])
    assert queues.neighbours(both, cases[2]) == (None, twin)
    assert queues.neighbours(both, twin) == (cases[2], None)


# --- a fixed number of queries, however many cases ---------------------------------------


def grow(inspection, isla, ivan, lead, start, count):
    """``count`` more cases: reviewed, half of them blind-paired, some disagreeing."""
    for case in make_cases(inspection, count, prefix=f"G{start}"):
        SampledCase.objects.filter(pk=case.pk).update(assigned_to=isla, second_reviewer=ivan)
        CaseReviewFactory(case=case, reviewer=isla, **COMPLETE)
        if case.pk % 2:
            answers = OTHER_ANSWER if case.pk % 3 == 0 else COMPLETE
            CaseReviewFactory(case=case, kind="second", reviewer=ivan, **answers)
    make_cases(inspection, count, prefix=f"U{start}", assigned_to=isla)


PAGES = {
    "workspace for a lead": ("lead_user", lambda i, case: workspace(i)),
    "an inspector's own queue": ("inspector_user", lambda i, case: workspace(i, queue="mine")),
    "second reviews": ("second_inspector", lambda i, case: workspace(i, queue="second")),
    "adjudication": ("lead_user", lambda i, case: workspace(i, queue="adjudication")),
    "case": (
        "lead_user",
        lambda i, case: reverse("review-case", kwargs={"slug": i.slug, "pk": case.pk}),
    ),
    "agreement": ("lead_user", lambda i, case: reverse("review-agreement", args=[i.slug])),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_takes_as_many_queries_with_five_times_the_cases(
    request,
    page,
    inspection_a,
    inspector_user,
    second_inspector,
    lead_user,
    django_assert_max_num_queries,
):
    inspection_a.double_review_fraction = Decimal("0.5")
    inspection_a.save()
    who, address = PAGES[page]
    client = as_user(request.getfixturevalue(who))
    grow(inspection_a, inspector_user, second_inspector, lead_user, 0, 20)
    case = SampledCase.objects.filter(inspection=inspection_a).order_by("reference")[3]
    url = address(inspection_a, case)

    casework_changed(inspection_a.pk)  # as after any change: nothing kept applies
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    few = len(context.captured_queries)
    grow(inspection_a, inspector_user, second_inspector, lead_user, 1, 80)
    casework_changed(inspection_a.pk)
    with django_assert_max_num_queries(few):
        assert client.get(url).status_code == 200
    # Seen once since the casework last changed, the page is a handful of lookups: the
    # session, the user, the second-factor device that verified the session (looked up on
    # every request, so a reset takes effect at once), and the page's own.
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


# --- kept until the casework changes ------------------------------------------------------


def test_the_workspace_counts_again_after_each_change(
    inspection_a, inspector_user, second_inspector, lead_user
):
    cases = make_cases(inspection_a, 3)
    isla, lee = as_user(inspector_user), as_user(lead_user)
    mine = 'Assigned to me <span class="queue-tabs__count">({})</span>'
    assert mine.format(0) in isla.get(workspace(inspection_a)).content.decode()

    claims.assign_cases(fresh(inspection_a), cases[:2], inspector_user)
    assert mine.format(2) in isla.get(workspace(inspection_a)).content.decode()

    isla.post(reverse("review-claim-next", kwargs={"slug": inspection_a.slug}))
    assert mine.format(3) in isla.get(workspace(inspection_a)).content.decode()

    CaseReviewFactory(case=cases[0], reviewer=inspector_user, **COMPLETE)
    content = isla.get(workspace(inspection_a)).content.decode()
    assert mine.format(2) in content and "1 of 3</strong> cases reviewed" in content
    assert "1 of 3</strong> cases reviewed" in lee.get(workspace(inspection_a)).content.decode()

    CaseReview.objects.filter(case=cases[0]).delete()
    assert "0 of 3</strong> cases reviewed" in lee.get(workspace(inspection_a)).content.decode()
    SampledCase.objects.filter(pk=cases[2].pk).delete()
    assert "0 of 2</strong> cases reviewed" in lee.get(workspace(inspection_a)).content.decode()


def test_the_agreement_page_counts_again_after_a_second_review(
    inspection_a, inspector_user, second_inspector, lead_user
):
    case = make_cases(inspection_a, 1)[0]
    CaseReviewFactory(case=case, reviewer=inspector_user, **COMPLETE)
    lee = as_user(lead_user)
    url = reverse("review-agreement", args=[inspection_a.slug])
    assert b"No case has both blind reviews yet." in lee.get(url).content
    CaseReviewFactory(case=case, kind="second", reviewer=second_inspector, **COMPLETE)
    assert b"1 case reviewed twice" in lee.get(url).content


WRITES = {
    "a review saved": lambda i, case, user, other: CaseReviewFactory(case=case, reviewer=user),
    "a case corrected": lambda i, case, user, other: case.save(),
    "a case added": lambda i, case, user, other: SampledCaseFactory(inspection=i),
    "cases deleted": lambda i, case, user, other: SampledCase.objects.filter(pk=case.pk).delete(),
    "a case taken": lambda i, case, user, other: claims.claim_next_case(i, user),
    "cases assigned": lambda i, case, user, other: claims.assign_cases(i, [case], user),
    "someone joins the team": lambda i, case, user, other: i.inspectors.add(other),
    "someone leaves every team": lambda i, case, user, other: user.assigned_inspections.clear(),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_each_write_to_the_casework_moves_the_version_on(inspection_a, inspector_user, write):
    case = make_cases(inspection_a, 1)[0]
    before = fresh(inspection_a).work_version
    WRITES[write](fresh(inspection_a), case, inspector_user, UserFactory(username="new-one"))
    assert fresh(inspection_a).work_version != before


def test_taking_a_second_review_moves_the_version_on(sampled_inspection, second_inspector):
    case = make_cases(sampled_inspection, 1)[0]
    before = fresh(sampled_inspection).work_version
    claims.claim_second_review(SampledCase.objects.get(pk=case.pk), second_inspector)
    assert fresh(sampled_inspection).work_version != before


def test_taking_a_case_on_its_page_moves_the_version_on(inspection_a, inspector_user):
    case = make_cases(inspection_a, 1)[0]
    before = fresh(inspection_a).work_version
    url = reverse("review-case", kwargs={"slug": inspection_a.slug, "pk": case.pk})
    as_user(inspector_user).post(url, {"action": "claim", "queue": "mine"})
    assert SampledCase.objects.get(pk=case.pk).assigned_to == inspector_user
    assert fresh(inspection_a).work_version != before


def test_other_inspections_keep_their_version(inspection_a, inspection_b, inspector_user):
    case = make_cases(inspection_a, 1)[0]
    before = fresh(inspection_b).work_version
    CaseReviewFactory(case=case, reviewer=inspector_user)
    assert fresh(inspection_b).work_version == before


@pytest.mark.parametrize("staged", [True, False], ids=["staged in COPY", "through the ORM"])
def test_an_import_and_a_withdrawal_move_the_version_on(
    tmp_path, monkeypatch, inspection_a, inspector_user, admin_user, staged
):
    from inspect_app.inspections.models import SampleBatch
    from inspect_app.uploads import staging, withdrawal

    if staged and connection.vendor != "postgresql":
        pytest.skip("the COPY staging is PostgreSQL's")
    monkeypatch.setattr(staging, "uses_staging", lambda: staged)
    path = tmp_path / "batch.csv"
    path.write_text(
        "reference,record_type,reported_at,should_record,reviewer\n"
        "W1,incident,2014-03-01,no,isla-inspector\n"
        "W2,incident,2014-03-01,,\n"
    )
    before = fresh(inspection_a).work_version
    status, _, err = run_command("import_batch", str(path), "--inspection", inspection_a.slug)
    assert status == 0, err
    imported = fresh(inspection_a).work_version
    assert imported != before
    withdrawal.withdraw(SampleBatch.objects.get(), admin_user)
    assert not SampledCase.objects.filter(inspection=inspection_a).exists()
    assert fresh(inspection_a).work_version != imported


# --- a kept page is still each reader's own ----------------------------------------------


def token_in(content):
    marker = 'name="csrfmiddlewaretoken" value="'
    start = content.index(marker) + len(marker)
    return content[start : content.index('"', start)]


def test_a_kept_page_carries_each_readers_own_token_and_its_forms_work(
    inspection_a, lead_user, inspector_user
):
    make_cases(inspection_a, 2)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    for client in (first, second):
        client.force_login(lead_user)
    url = workspace(inspection_a)
    seen = first.get(url).content.decode()
    kept = second.get(url).content.decode()  # the same page, from the cache
    assert TOKEN_PLACEHOLDER not in seen and TOKEN_PLACEHOLDER not in kept
    assert token_in(kept) != token_in(seen)
    # The kept page's form is accepted with the token it carries.
    response = second.post(
        reverse("review-double-review-share", kwargs={"slug": inspection_a.slug}),
        {"percentage": "20", "csrfmiddlewaretoken": token_in(kept)},
    )
    assert response.status_code == 302
    assert fresh(inspection_a).double_review_fraction == Decimal("0.2")


def test_kept_pages_are_not_shared_between_readers(inspection_a, inspector_user, second_inspector):
    mine, theirs = make_cases(inspection_a, 2)
    SampledCase.objects.filter(pk=mine.pk).update(assigned_to=inspector_user)
    SampledCase.objects.filter(pk=theirs.pk).update(assigned_to=second_inspector)
    url = workspace(inspection_a, queue="mine")
    isla, ivan = as_user(inspector_user), as_user(second_inspector)
    for _ in range(2):  # seen, then kept
        assert mine.reference.encode() in isla.get(url).content
        content = ivan.get(url).content
        assert theirs.reference.encode() in content and mine.reference.encode() not in content


def test_a_posted_form_is_never_kept(inspection_a, inspector_user):
    from tests.review.conftest import NOT_A_CRIME, post_review

    case = make_cases(inspection_a, 1, assigned_to=inspector_user)[0]
    isla = as_user(inspector_user)
    invalid = post_review(isla, case, should_record="yes")  # missing answers: refused
    assert invalid.status_code == 400 and b"Error:" in invalid.content
    page = isla.get(reverse("review-case", kwargs={"slug": inspection_a.slug, "pk": case.pk}))
    assert page.status_code == 200 and b"govuk-error-summary" not in page.content
    assert post_review(isla, case, **NOT_A_CRIME).status_code == 302


def test_the_pages_work_without_a_cache(monkeypatch, mixed, lead_user):
    from django.core.cache import cache

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    monkeypatch.setattr(cache, "set", unreachable)
    lee = as_user(lead_user)
    case = SampledCase.objects.filter(inspection=mixed).first()
    for url in (
        workspace(mixed),
        reverse("review-case", kwargs={"slug": mixed.slug, "pk": case.pk}),
        reverse("review-agreement", args=[mixed.slug]),
    ):
        assert lee.get(url).status_code == 200
