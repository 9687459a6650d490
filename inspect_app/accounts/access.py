"""The one place that decides what each user may see.

Every model that holds audit data uses :class:`ScopedQuerySet` as its manager
and declares two things about itself:

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
``Model.objects.visible_to(request.user)``.
"""

from django.db import models

from inspect_app.accounts.roles import ALL_SEEING, ASSIGNABLE, MANAGES_TEAMS, SETS_UP, Role

LEVELS = ("reference", "figures", "casework")


class ScopedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to what one user may see."""

    def visible_to(self, user):
        model = self.model
        level = getattr(model, "access_level", None)
        if level not in LEVELS:
            raise TypeError(f"{model.__name__} declares no access_level")
        if level == "casework":
            return restrict_casework(self, user, model.inspection_path)

        if not _is_active(user):
            return self.none()
        role = getattr(user, "role", None)
        if role in ALL_SEEING or role == Role.INSPECTOR:
            return self
        if role == Role.COMMISSIONER and user.force_id is not None:
            if model.force_path is None:  # not tied to a force: harmless reference data
                return self
            # Every path ends at one force, and a force appears at most once on
            # the far side of any to-many step (one inspection per programme),
            # so the filter never repeats a row.
            return self.filter(**{model.force_path: user.force_id})
        return self.none()


def restrict_casework(queryset, user, inspection_path):
    """Casework (cases, narratives, reviews, batches): leads and admins everywhere,
    inspectors on the inspections they are assigned to, nobody else."""
    if not _is_active(user):
        return queryset.none()
    role = getattr(user, "role", None)
    if role in ALL_SEEING:
        return queryset
    if role == Role.INSPECTOR:
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


def may_set_up(user):
    """Whether ``user`` may create programmes and inspections."""
    return _is_active(user) and getattr(user, "role", None) in SETS_UP


def may_manage_team(user):
    """Whether ``user`` may choose who is on an inspection's team (any inspection)."""
    return _is_active(user) and getattr(user, "role", None) in MANAGES_TEAMS


def may_be_assigned(user):
    """Whether ``user`` can be put on an inspection's team: an active inspector or lead."""
    return user is not None and user.is_active and getattr(user, "role", None) in ASSIGNABLE


def _is_active(user):
    return user is not None and user.is_authenticated and user.is_active


def _join(*parts):
    return "__".join(part for part in parts if part)


def can_see(user, obj):
    """Whether ``user`` may see this one object (the same rules, for a single row)."""
    return type(obj).objects.visible_to(user).filter(pk=obj.pk).exists()
