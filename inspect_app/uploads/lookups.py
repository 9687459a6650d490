"""What a file's rows are checked against, loaded once per file: offence groups, the force,
and the people named as reviewers."""

from django.db.models import Q
from django.urls import reverse

from forces.models import OffenceGroup
from inspect_app.accounts import access
from inspect_app.accounts.models import User
from inspect_app.uploads.errors import RowsMessage
from inspect_app.uploads.values import ValueProblem, shown


class NotAssigned(ValueProblem):
    """A reviewer who could review this inspection once on its team.

    A file tends to name one such reviewer on thousands of rows, so
    ``message`` is a :class:`RowsMessage`: one line for all their rows,
    saying where to assign them.
    """

    def __init__(self, username, inspection):
        team_page = reverse("inspection-team", kwargs={"slug": inspection.slug})
        who = shown(username)
        self.message = RowsMessage(
            f"{who} is not assigned to this inspection",
            f"{who} is not assigned to this inspection ({{rows}}): assign them on the "
            f"inspection's team page, {team_page}, or with "
            f"manage.py assign_inspectors {inspection.slug} {username}",
        )
        super().__init__(str(self.message))


class Lookups:
    """What rows are checked against, loaded once per file: groups, the force, reviewers."""

    def __init__(self, inspection):
        self.inspection = inspection
        self.offence_groups = {}
        for pk, code, name in OffenceGroup.objects.values_list("pk", "code", "name"):
            self.offence_groups[code.strip().lower()] = pk
            self.offence_groups[name.strip().lower()] = pk
        force = inspection.force
        self.force_names = {force.code.lower(), force.name.lower()}
        self.force_label = f"{force.name} ({force.code})"
        self.assigned_inspectors = set(inspection.inspectors.values_list("pk", flat=True))
        self._reviewers = {}  # username as written → user id, or a ValueProblem

    def reviewer_id(self, username) -> int:
        if username not in self._reviewers:
            try:
                self._reviewers[username] = self._find_reviewer(username)
            except ValueProblem as problem:
                self._reviewers[username] = problem
        found = self._reviewers[username]
        if isinstance(found, ValueProblem):
            raise found
        return found

    def _find_reviewer(self, username) -> int:
        matches = list(
            User.objects.filter(Q(username=username) | Q(username__iexact=username)).only(
                "pk", "username", "role", "is_active"
            )
        )
        exact = [match for match in matches if match.username == username]
        if exact:
            matches = exact
        if not matches:
            raise ValueProblem(f"there is no user called {shown(username)}")
        if len(matches) > 1:
            raise ValueProblem(f"{shown(username)} matches several users: give it exactly")
        user = matches[0]
        name = user.username
        if not user.is_active:
            raise ValueProblem(f"{shown(name)} is deactivated")
        if not access.may_review(user):
            raise ValueProblem(
                f"{shown(name)} is not an inspector or lead inspector, so cannot review"
            )
        if not access.may_be_given_cases(user, on_team=user.pk in self.assigned_inspectors):
            raise NotAssigned(name, self.inspection)
        return user.pk
