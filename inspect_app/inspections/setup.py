"""Setting up an inspection round: programmes, inspections and the teams that review them.

One path for the set-up pages (``setup_views``) and the command line
(``create_inspection``, ``assign_inspectors``). Each function checks what it
is given with the models' own rules (``full_clean``: fields, unique slugs,
the check constraints), writes in one transaction and records what it did
in the audit log, with the person who did it (``by``), or the command line.

Refusals are :class:`django.core.exceptions.ValidationError` for a
programme or an inspection (keyed by field, so a form can show each by its
field), and :class:`TeamRefused` for a team change (keyed by person, so the
command can print one line per refused name).
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from inspect_app.accounts import access, audit
from inspect_app.accounts.access import may_be_assigned
from inspect_app.accounts.models import AuditAction, User
from inspect_app.inspections.models import Inspection, Programme
from inspect_app.inspections.workflow import queues

SLUG_LENGTH = Programme._meta.get_field("slug").max_length
#: Check constraints of two fields, and the field their message is shown at.
CONSTRAINT_FIELDS = {
    Inspection: {
        "one_inspection_per_force_per_programme": "force",
        "inspection_audit_period_ends_after_it_starts": "audit_period_end",
        "inspection_fieldwork_ends_after_it_starts": "fieldwork_end",
    },
}


# --- programmes and inspections ---------------------------------------------------------------


def derived_slug(*parts) -> str:
    """A slug made of ``parts`` ("Crime data integrity 2026" → crime-data-integrity-2026)."""
    return slugify("-".join(str(part) for part in parts))[:SLUG_LENGTH].strip("-")


def create_programme(
    *, name, slug="", year=None, description="", retention_until=None, by=None, request=None
):
    """Create a programme; its slug is made from its name when not given."""
    programme = Programme(
        name=(name or "").strip(),
        slug=(slug or "").strip() or derived_slug(name or ""),
        year=year,
        description=(description or "").strip(),
        retention_until=retention_until,
    )
    _save_new(programme, slug_given=bool((slug or "").strip()), noun="programme")
    _record(
        AuditAction.PROGRAMME_CREATED,
        by,
        request,
        target=f"programme {programme.slug}",
        name=programme.name,
        year=programme.year,
    )
    return programme


def create_inspection(*, programme, force, slug="", by=None, request=None, **settings):
    """Create the inspection of ``force`` within ``programme``, planned, with nobody on its
    team yet; its slug is made from the force and the programme when not given.

    ``settings`` are any of :data:`SETTINGS`; one left out (or None) keeps the model's
    default (24 hours to record; a tenth of cases double reviewed).
    """
    inspection = _new_inspection(programme=programme, force=force, slug=slug, **settings)
    _save_new(inspection, slug_given=bool((slug or "").strip()), noun="inspection")
    _record(
        AuditAction.INSPECTION_CREATED,
        by,
        request,
        target=f"inspection {inspection.slug}",
        programme=programme.slug,
        force=force.code,
    )
    return inspection


#: What is chosen for a new inspection besides its programme, force and slug.
SETTINGS = (
    "audit_period_start",
    "audit_period_end",
    "fieldwork_start",
    "fieldwork_end",
    "recording_time_limit_hours",
    "double_review_fraction",
)


def _new_inspection(*, programme=None, force=None, slug="", **settings):
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise TypeError(f"not a setting of a new inspection: {', '.join(sorted(unknown))}")
    slug = (slug or "").strip()
    if not slug and programme is not None and force is not None:
        slug = derived_slug(force.slug, programme.slug)
    inspection = Inspection(programme=programme, force=force, slug=slug)
    for name, value in settings.items():
        if value is not None:
            setattr(inspection, name, value)
    return inspection


def inspection_problems(**values) -> dict:
    """What the model's own rules say of these values (any of ``create_inspection``'s),
    by field, without saving anything.

    Rules on a value left out are not checked, so a form can ask it with only the
    fields it could read, and say a period that ends before it starts, or a force
    that has an inspection in the programme already, beside its own errors rather
    than once those are put right.
    """
    probe = _new_inspection(**values)
    given = {name for name, value in values.items() if value not in (None, "")}
    if probe.slug:
        given.add("slug")
    others = {field.name for field in Inspection._meta.fields} - given
    try:
        probe.full_clean(exclude=others)
    except ValidationError as error:
        slug_given = bool((values.get("slug") or "").strip())
        return _explained(error, probe, slug_given, noun="inspection").message_dict
    return {}


def _save_new(obj, *, slug_given, noun):
    """Check ``obj`` with the model's own rules, then save it; ValidationError if it cannot be."""
    try:
        obj.full_clean()
    except ValidationError as error:
        raise _explained(error, obj, slug_given, noun) from None
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        # Made by someone else between the check and the save: check again, to say what.
        try:
            obj.full_clean()
        except ValidationError as error:
            raise _explained(error, obj, slug_given, noun) from None
        raise


def _explained(error, obj, slug_given, noun):
    """The model's messages, with a derived slug's clash said in words that fit it."""
    messages = {field: list(texts) for field, texts in error.message_dict.items()}
    if "slug" in messages:
        if not obj.slug:
            messages["slug"] = [
                f"Enter a short name for the {noun}'s address: letters, numbers and hyphens"
            ]
        elif any("already exists" in text for text in messages["slug"]):
            messages["slug"] = [
                f"There is already a {noun} at '{obj.slug}': enter a different short name"
                + ("" if slug_given else " (it was made from what you entered)")
            ]
    # A rule about two fields is said at the field a person would change.
    others = messages.get(NON_FIELD_ERRORS, [])
    for name, field in CONSTRAINT_FIELDS.get(type(obj), {}).items():
        text = _constraint_message(type(obj), name)
        if text in others:
            others.remove(text)
            messages.setdefault(field, []).append(text)
    if not others:
        messages.pop(NON_FIELD_ERRORS, None)
    return ValidationError(messages)


def _constraint_message(model, name):
    constraint = next(c for c in model._meta.constraints if c.name == name)
    return constraint.get_violation_error_message()


# --- teams ------------------------------------------------------------------------------------


class TeamRefused(Exception):
    """A team change that cannot be made; nothing was changed.

    ``reasons`` maps each refused name to why, one line each.
    """

    def __init__(self, reasons):
        self.reasons = dict(reasons)
        super().__init__("; ".join(f"{name}: {why}" for name, why in self.reasons.items()))


def assignable_users():
    """Everyone who can be put on a team: active inspectors and lead inspectors."""
    return User.objects.filter(is_active=True, **access.assignable_filter()).order_by(
        "last_name", "first_name", "username"
    )


def team_of(inspection):
    return inspection.inspectors.order_by("last_name", "first_name", "username")


def open_cases(inspection, user):
    """Cases of ``inspection`` waiting for ``user``: the workspace's own "assigned to me"."""
    return queues.queue_cases("mine", inspection, user, inspection.cases.all())


def open_case_counts(inspection, users) -> dict[int, int]:
    """{user id: cases waiting for them} for each of ``users`` with any."""
    counts = {user.pk: open_cases(inspection, user).count() for user in users}
    return {pk: count for pk, count in counts.items() if count}


def why_not_assignable(user) -> str:
    """Why ``user`` cannot be on a team; '' when they can."""
    if may_be_assigned(user):
        return ""
    if not user.is_active:
        return f"{user.username} is deactivated"
    role = user.get_role_display().lower()
    article = "an" if role[:1] in "aeiou" else "a"
    return (
        f"{user.username} is {article} {role}: only inspectors and "
        "lead inspectors can be on an inspection's team"
    )


def assign_inspectors(inspection, users, *, by=None, request=None):
    """Put ``users`` on the inspection's team; returns those who were not on it already.

    All or nothing: if anyone cannot be assigned, nobody is, and
    :class:`TeamRefused` says why for each. Someone already on the team is
    left as they are, so running it twice changes nothing.
    """
    users = _distinct(users)
    reasons = {user.username: why for user in users if (why := why_not_assignable(user))}
    if reasons:
        raise TeamRefused(reasons)
    with transaction.atomic():
        # The inspection's row lock serialises team changes with each other and
        # with case assignment, which takes the same lock.
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        present = set(
            locked.inspectors.filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True)
        )
        added = [user for user in users if user.pk not in present]
        if added:
            locked.inspectors.add(*added)
            _record(
                AuditAction.TEAM_CHANGE,
                by,
                request,
                target=f"inspection {locked.slug}",
                added=[user.username for user in added],
            )
    return added


def remove_inspectors(inspection, users, *, by=None, request=None):
    """Take ``users`` off the inspection's team; returns those who were on it.

    All or nothing. An inspector with cases still to review here is refused
    (they could no longer open those cases): reassign the cases first. A
    lead sees every case whatever the team, so a lead can always be removed.
    """
    users = _distinct(users)
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        reasons = {}
        for user in users:
            if access.oversees_casework(user):  # sees every case, on the team or not
                continue
            waiting = open_cases(locked, user).count()
            if waiting:
                reasons[user.username] = (
                    f"{user.username} still has {waiting} case{'s' if waiting != 1 else ''} to "
                    "review in this inspection: reassign them in the workspace first"
                )
        if reasons:
            raise TeamRefused(reasons)
        present = set(
            locked.inspectors.filter(pk__in=[u.pk for u in users]).values_list("pk", flat=True)
        )
        removed = [user for user in users if user.pk in present]
        if removed:
            locked.inspectors.remove(*removed)
            _record(
                AuditAction.TEAM_CHANGE,
                by,
                request,
                target=f"inspection {locked.slug}",
                removed=[user.username for user in removed],
            )
    return removed


def _distinct(users):
    seen, result = set(), []
    for user in users:
        if user.pk not in seen:
            seen.add(user.pk)
            result.append(user)
    return result


def _record(action, by, request, *, target, **details):
    audit.record_change(action, by=by, request=request, target=target, **details)
