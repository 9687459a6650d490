"""Forms of the review workflow: the decision form, assignment, the inspection's settings."""

from django import forms

from forces.models import OffenceGroup
from inspect_app.inspections import decisions
from inspect_app.inspections.models import SampledCase
from inspect_app.inspections.workflow.state import field_label

# "Not applicable" is a real choice (not blank) so a new form starts with nothing
# selected, while a stored "not answered" shows as chosen.
YES, NO, NOT_APPLICABLE = "yes", "no", "na"
ANSWER_CHOICES = ((YES, "Yes"), (NO, "No"), (NOT_APPLICABLE, "Not applicable"))
AS_ANSWER = {True: YES, False: NO, None: NOT_APPLICABLE}


def _as_decision(value):
    return {YES: True, NO: False}.get(value)


class ReviewForm(forms.Form):
    """One review of one case: the decisions the tree asks for this record type, an offence
    group correction and notes.

    Only the record type's own questions are fields. Whether a question must be
    answered, or may not be, depends on the answers before it: ``clean`` applies
    the tree (``decisions.contradictions`` and ``decisions.unanswered``), the
    same rules as the batch import and the database. A posted answer to a
    question that does not apply to the record type is refused, not ignored.
    """

    corrected_offence_group = forms.ModelChoiceField(
        queryset=OffenceGroup.objects.order_by("name"),
        required=False,
        empty_label="No correction: the record's group is right",
        label="Corrected offence group",
        widget=forms.Select(attrs={"class": "select"}),
        help_text="Only if the record's offence group is wrong.",
    )
    notes = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "textarea"}),
        label="Notes",
    )
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.questions = decisions.DECISIONS_BY_RECORD_TYPE[case.record_type]
        for decision in self.questions:
            self.fields[decision.field] = forms.TypedChoiceField(
                label=decision.question,
                choices=ANSWER_CHOICES,
                coerce=_as_decision,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        # Questions first, in the tree's order.
        order = [d.field for d in self.questions] + ["corrected_offence_group", "notes", "version"]
        self.order_fields(order)

    @classmethod
    def initial_from(cls, review, fields=None):
        """Initial values from a stored review (only ``fields``, if given)."""
        if review is None:
            return {"version": 0}
        initial = {name: AS_ANSWER[getattr(review, name)] for name in decisions.DECISION_FIELDS}
        initial["corrected_offence_group"] = review.corrected_offence_group_id
        initial["notes"] = review.notes
        if fields is not None:
            initial = {name: value for name, value in initial.items() if name in fields}
        initial["version"] = review.version
        return initial

    def decision_fields(self):
        """The question fields with the tree's structure, for the template and its script."""
        return [(self[d.field], d) for d in self.questions]

    def clean(self):
        cleaned = super().clean()
        answers = {d.field: cleaned.get(d.field) for d in self.questions}
        # Answers to questions this record type does not have: refuse them
        # rather than drop them silently, so a forged post is not "saved".
        for name in decisions.DECISION_FIELDS:
            raw = self.data.get(name)
            if name not in self.fields and raw not in (None, "", NOT_APPLICABLE):
                answers[name] = _as_decision(raw) if raw in (YES, NO) else True
        for name, message in decisions.contradictions(self.case.record_type, answers):
            text = f"'{field_label(name)}' {message}."
            if name in self.fields:
                if name not in self.errors:
                    self.add_error(name, text)
            else:
                self.add_error(None, text)
        for name in decisions.unanswered(self.case.record_type, answers):
            if name not in self.errors:
                self.add_error(name, f"Select yes or no: {field_label(name).lower()}")
        group = cleaned.get("corrected_offence_group")
        if group is not None and group.pk == self.case.offence_group_id:
            # Choosing the record's own group is no correction.
            cleaned["corrected_offence_group"] = None
        return cleaned

    def review_values(self):
        """The reviewed values for ``saving.save_review``: every decision, the group, notes."""
        values = {name: None for name in decisions.DECISION_FIELDS}
        values.update({d.field: self.cleaned_data.get(d.field) for d in self.questions})
        values["corrected_offence_group"] = self.cleaned_data.get("corrected_offence_group")
        values["notes"] = self.cleaned_data.get("notes", "")
        return values


class AssignForm(forms.Form):
    """A lead inspector giving one or more cases to a reviewer, as first or second reviewer."""

    FIRST, SECOND = "first", "second"

    cases = forms.ModelMultipleChoiceField(
        queryset=SampledCase.objects.none(),
        error_messages={
            "required": "Select at least one case",
            "invalid_choice": "Case %(value)s is not a case of this inspection",
            "invalid_pk_value": "'%(pk)s' is not a case",
        },
    )
    assignee = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="Nobody (unassign)",
        label="Assign to",
        widget=forms.Select(attrs={"class": "select"}),
    )
    review = forms.ChoiceField(
        choices=((FIRST, "First review"), (SECOND, "Second (blind) review")),
        initial=FIRST,
        label="For the",
        widget=forms.Select(attrs={"class": "select"}),
    )

    def __init__(self, *args, cases, reviewers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cases"].queryset = cases
        self.fields["assignee"].queryset = reviewers
        self.fields["assignee"].label_from_instance = lambda u: u.get_full_name() or u.username


class DoubleReviewShareForm(forms.Form):
    """The share of an inspection's cases that get a blind second review, as a percentage."""

    percentage = forms.DecimalField(
        min_value=0,
        max_value=100,
        decimal_places=1,
        label="Cases double reviewed (%)",
        widget=forms.NumberInput(attrs={"class": "input input--short", "step": "0.1"}),
    )
