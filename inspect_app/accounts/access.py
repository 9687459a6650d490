"""The one place that decides what each user may see and do.

Every model that holds audit data uses ``core.querysets.ScopedQuerySet`` as its
manager and declares two things about itself:

``access_level``
    ``"reference"`` — harmless lists (offence groups, regions);
    ``"figures"`` — a force and its aggregate figures;
    ``"casework"`` — sampled records, their narratives and the reviews of them.
``force_path`` / ``inspection_path``
    the lookups from the model to the force and to the inspection it belongs to.

The rules, in the domain's words:

* admins and lead inspectors see everything;
* inspectors see every force's figures, but cases only of the inspections
  they are assigned to;
* a commissioner sees their own force's figures and nothing else: no other
  force, and never a case or its summary;
* anyone not signed in, or deactivated, sees nothing.

Views and exports never filter by role themselves: they call
``Model.objects.visible_to(request.user)`` and the questions below (``may_…``),
which are the only code that reads a user's role.
"""

from django.db.models import Q

from inspect_app.accounts.roles import (
    ALL_SEEING,
    ASSIGNABLE,
    AUDIT_READERS,
    ERASES,
    FORCE_READERS,
    LEADS,
    MANAGES_TEAMS,
    REVIEWERS,
    SETS_UP,
    STAFF,
    UPLOADS,
)
from inspect_app.core import querysets

LEVELS = ("reference", "figures", "casework")
EVERY_FORCE = ("every force",)
NOTHING = ("nothing",)


def install():
    """Make these rules the ones every ``visible_to`` applies (called when accounts is ready)."""
    querysets.install_scoping(scope)


# --- what a user may see --------------------------------------------------------------------


def scope(queryset, user):
    """``queryset`` narrowed to what ``user`` may see, by its model's ``access_level``."""
    model = queryset.model
    level = getattr(model, "access_level", None)
    if level not in LEVELS:
        raise TypeError(f"{model.__name__} declares no access_level")
    if level == "casework":
        return restrict_casework(queryset, user, model.inspection_path)
    seen = figures_scope(user)
    if seen == EVERY_FORCE:
        return queryset
    if seen[0] == "force":
        if model.force_path is None:  # not tied to a force: harmless reference data
            return queryset
        # Every path ends at one force, and a force appears at most once on
        # the far side of any to-many step (one inspection per programme),
        # so the filter never repeats a row.
        return queryset.filter(**{model.force_path: seen[1]})
    return queryset.none()


def figures_scope(user):
    """What decides which figures ``user`` reads, as a value equal for two readers only if
    they see the same figures: every force for the inspectorate's staff, one force for a
    commissioner, nothing for anyone else.

    ``scope`` narrows every figures-level queryset by it, and a figures page built for
    one reader is served to every reader with the same value (``dashboard.caching``).
    """
    if not _is_active(user):
        return NOTHING
    role = _role(user)
    if role in STAFF:
        return EVERY_FORCE
    if role in FORCE_READERS and user.force_id is not None:
        return ("force", user.force_id)
    return NOTHING


def restrict_casework(queryset, user, inspection_path):
    """Casework (cases, narratives, reviews, batches): leads and admins everywhere,
    inspectors on the inspections they are assigned to, nobody else."""
    if not _is_active(user):
        return queryset.none()
    role = _role(user)
    if role in ALL_SEEING:
        return queryset
    if role in STAFF:
        # Equality on one user through the assignment table matches at most one
        # row per object, so no distinct() is needed.
        return queryset.filter(**{_join(inspection_path, "inspectors"): user.pk})
    return queryset.none()


def may_do_casework(user, inspection):
    """Whether ``user`` may see and work on this inspection's casework, cases or not yet."""
    own = type(inspection).objects.filter(pk=inspection.pk)
    allowed = restrict_casework(own, user, inspection_path="")
    if allowed is own:  # the role alone lets them (leads, admins): no need to ask the database
        return True
    return allowed.exists()


def may_open_casework(user):
    """Whether ``user``'s role works on casework at all (which inspections: ``may_do_casework``)."""
    return _has(user, STAFF)


def may_read_national_figures(user):
    """Whether ``user`` reads every force's figures, live (the inspectorate's staff)."""
    return _has(user, STAFF)


def reads_force_summary_only(user):
    """Whether ``user`` reads only their own force's published summary (a commissioner)."""
    return _has(user, FORCE_READERS)


def oversees_casework(user):
    """Whether ``user`` sees every case of every inspection and manages its sample: the
    whole inspection is where their work starts, and the adjudication queue is theirs."""
    return _has(user, ALL_SEEING)


# --- what a user may do ---------------------------------------------------------------------


def may_review(user):
    """Whether ``user`` writes reviews of cases (and so may take a case, or be given one)."""
    return _has(user, REVIEWERS)


def works_own_cases_only(user):
    """Whether ``user`` reviews but oversees nothing (an inspector): their landing page is
    their own work, and they take cases rather than give them."""
    return may_review(user) and not oversees_casework(user)


def may_lead(user):
    """Whether ``user`` leads reviews: assigns cases, sets the double-review share,
    adjudicates, signs off and reopens."""
    return _has(user, LEADS)


def may_upload(user):
    """Whether ``user`` uploads, checks and withdraws sample batches."""
    return _has(user, UPLOADS)


def may_set_up(user):
    """Whether ``user`` may create programmes and inspections."""
    return _has(user, SETS_UP)


def may_manage_team(user):
    """Whether ``user`` may choose who is on an inspection's team (any inspection)."""
    return _has(user, MANAGES_TEAMS)


def may_erase_casework(user):
    """Whether ``user`` may erase an inspection's casework (narratives, notes, files)."""
    return _has(user, ERASES)


def may_read_audit_log(user):
    """Whether ``user`` may read the audit log: who did what, when, to which record."""
    return _has(user, AUDIT_READERS)


def may_be_assigned(user):
    """Whether ``user`` can be put on an inspection's team: an active inspector or lead."""
    return user is not None and user.is_active and _role(user) in ASSIGNABLE


def holds_assignable_role(user):
    """Whether ``user``'s role is one an inspection's team is made of, active or not."""
    return _role(user) in ASSIGNABLE


def assignable_filter():
    """The lookups on users of the roles an inspection's team is made of (for
    ``limit_choices_to``, and for listing who could join a team)."""
    return {"role__in": sorted(role.value for role in ASSIGNABLE)}


def may_be_given_cases(user, *, on_team):
    """Whether ``user`` may be given cases of an inspection: every active lead, and the
    inspectors on its team (``on_team``: whether ``user`` is)."""
    if user is None or not user.is_active or _role(user) not in REVIEWERS:
        return False
    return _role(user) in LEADS or on_team


def case_reviewers_q(inspection):
    """The ``Q`` on users of those who may be given this inspection's cases (as
    ``may_be_given_cases``): active leads, and the active reviewers on its team."""
    lead = Q(role__in=sorted(LEADS))
    on_team = Q(role__in=sorted(REVIEWERS), assigned_inspections=inspection)
    return Q(is_active=True) & (lead | on_team)


def leads_q():
    """The ``Q`` on users of the active people who may adjudicate and sign off."""
    return Q(is_active=True, role__in=sorted(LEADS))


# --- one case under blind double review -----------------------------------------------------
# ``state`` is the workflow's picture of one case (``inspections.workflow.state.CaseState``):
# its reviews, whether its double review is blind, and which side a user is on.


def may_see_review(user, state, review):
    """Whether ``user`` may see this review's answers and its audit trail.

    While a case's double review is under way, nobody who is or could become
    one of its two reviewers sees the other's answers: reviewers see only their
    own, and other inspectors see neither. Lead inspectors who are not reviewers
    of the case, and admins, see everything; once both reviews are in,
    everybody who may see the case sees both.
    """
    if review is None:
        return False
    if state.pair_complete or not state.is_blind:
        return True
    if state.side_of(user) == review.kind:
        return True
    if not oversees_casework(user):
        return False
    # An overseer who reviews (a lead) could be, or become, one of the pair.
    return not (may_review(user) and state.is_blind_reviewer(user))


def may_claim_case(user, state):
    """Whether ``user`` may take this case's first review: nobody holds or made it, the
    inspection is open, and ``user`` is not its second reviewer."""
    case = state.case
    return (
        may_review(user)
        and case.inspection.is_open_for_review
        and case.assigned_to_id is None
        and state.first is None
        and state.side_of(user) is None
    )


def may_take_second_review(user, state):
    """Whether ``user`` may take this case's blind second review: it is in the sample,
    nobody holds or made that review, and ``user`` is not its first reviewer."""
    case = state.case
    return (
        may_review(user)
        and case.inspection.is_open_for_review
        and state.in_sample
        and state.second is None
        and case.second_reviewer_id is None
        and state.side_of(user) is None
    )


def may_adjudicate(user, state):
    """Whether ``user`` may adjudicate this pair: a lead who made neither review."""
    if not may_lead(user) or not state.pair_complete:
        return False
    return user.pk not in {state.first.reviewer_id, state.second.reviewer_id}


def _role(user):
    return getattr(user, "role", None)


def _has(user, roles):
    return _is_active(user) and _role(user) in roles


def _is_active(user):
    return user is not None and user.is_authenticated and user.is_active


def _join(*parts):
    return "__".join(part for part in parts if part)


# --- what decides a reader's figures --------------------------------------------------------


# --- publication: who publishes, who reads live figures and who only published ones ---------


def may_publish(user):
    """Whether ``user`` publishes a signed-off inspection's figures (lead inspectors, admins)."""
    return _has(user, ALL_SEEING)


def reads_live_figures(user):
    """Whether ``user`` reads figures as they stand now, drafts included (the staff).
    Anyone else who reads figures reads published versions only, small counts suppressed."""
    return _has(user, STAFF)


def reads_published_figures(user):
    """Whether ``user`` reads published versions only: their own force's (a commissioner)."""
    return _has(user, FORCE_READERS) and user.force_id is not None


def may_hold_api_tokens(user):
    """Whether ``user`` may make personal access tokens: anyone who reads figures."""
    return reads_live_figures(user) or reads_published_figures(user)


# --- judgement: outliers, grade bands, findings ---------------------------------------------


def may_follow_up(user):
    """Whether ``user`` manages outliers and findings (leads and admins): lists every
    outlier, moves a case along its clock, records and updates findings."""
    return _has(user, ALL_SEEING)


def may_set_grade_bands(user):
    """Whether ``user`` sets a programme's grade bands (admins)."""
    return _has(user, SETS_UP)


def may_read_judgement(user, inspection, *, known_published=False):
    """Whether ``user`` reads this inspection's judgement and findings: the inspectorate's
    staff always (live figures); a commissioner only their own force's, once it has a
    published version, which is what they read, reopened for a correction or not.

    ``known_published``: the caller is showing one of the inspection's published
    versions, so the question of whether there is one needs no query.
    """
    if _has(user, STAFF):
        return True
    return (
        _has(user, FORCE_READERS)
        and user.force_id is not None
        and inspection.force_id == user.force_id
        and (known_published or inspection.published_versions.exists())
    )


def may_read_findings(user, inspection, *, known_published=False):
    """Whether ``user`` reads this inspection's findings and their status (as its judgement)."""
    return may_read_judgement(user, inspection, known_published=known_published)


def judges_against_every_force(user):
    """Whether ``user`` sees a force judged against the others (the programme's rate, the
    range of forces, the funnel): the inspectorate's staff, never a commissioner."""
    return _has(user, STAFF)
