"""Forms of the set-up pages: a new programme, a new inspection, changes to a team.

They read and check what was typed; the rules of what may exist (unique
slugs, periods that end after they start, one inspection per force in a
programme) are the models', applied by ``inspections.setup``, whose
refusals :func:`show_refusal` puts back on the form beside their fields.
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS

from forces.models import Force
from inspect_app.inspections import setup
from inspect_app.inspections.models import Programme

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]


def _text(**attrs):
    return forms.TextInput(attrs={"class": "input", **attrs})


def _date(label, hint):
    return forms.DateField(
        label=f"{label} (optional)",
        required=False,
        input_formats=DATE_FORMATS,
        help_text=hint,
        widget=forms.DateInput(attrs={"class": "input input--date", "type": "date"}),
        error_messages={"invalid": f"Enter the {label.lower()} as a real date, like 31/03/2026"},
    )


class ProgrammeForm(forms.Form):
    """A national inspection round."""

    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="As it will be shown on every page, for example "
        "“Crime data integrity inspection 2026”.",
        widget=_text(),
        error_messages={"required": "Enter the programme's name"},
    )
    slug = forms.SlugField(
        label="Short name for its address (optional)",
        max_length=80,
        required=False,
        help_text="Letters, numbers and hyphens, used in links and commands. "
        "Left blank, it is made from the name.",
        widget=_text(spellcheck="false", autocapitalize="none"),
        error_messages={"invalid": "The short name may only hold letters, numbers and hyphens"},
    )
    year = forms.IntegerField(
        label="Year (optional)",
        required=False,
        min_value=1990,
        max_value=2100,
        help_text="The year the programme's inspections look at, for example 2026.",
        widget=forms.NumberInput(attrs={"class": "input input--short", "inputmode": "numeric"}),
        error_messages={
            "invalid": "Enter the year as a number, like 2026",
            "min_value": "Enter a year from 1990 on",
            "max_value": "Enter a year before 2100",
        },
    )
    description = forms.CharField(
        label="Description (optional)",
        required=False,
        max_length=5000,
        help_text="What the programme covers, for the people who read its figures.",
        widget=forms.Textarea(attrs={"class": "textarea", "rows": 4}),
    )
    retention_until = _date(
        "Keep casework until",
        "After this date its inspections' narratives, notes and uploaded files are erased; "
        "the published figures stay.",
    )


class InspectionForm(forms.Form):
    """One force inspected within a programme: its periods and review settings."""

    programme = forms.ModelChoiceField(
        label="Programme",
        queryset=Programme.objects.order_by("-year", "name"),
        empty_label="Choose a programme",
        widget=forms.Select(attrs={"class": "select"}),
        error_messages={"required": "Choose the programme the inspection belongs to"},
    )
    force = forms.ModelChoiceField(
        label="Force",
        queryset=Force.objects.order_by("name"),
        empty_label="Choose a force",
        widget=forms.Select(attrs={"class": "select"}),
        error_messages={"required": "Choose the force to inspect"},
    )
    slug = forms.SlugField(
        label="Short name for its address (optional)",
        max_length=80,
        required=False,
        help_text="Letters, numbers and hyphens, used in links and commands. Left blank, it "
        "is made from the force and the programme, for example essex-crime-data-2026.",
        widget=_text(spellcheck="false", autocapitalize="none"),
        error_messages={"invalid": "The short name may only hold letters, numbers and hyphens"},
    )
    audit_period_start = _date(
        "Audit period start", "The first day of the period the records are drawn from."
    )
    audit_period_end = _date("Audit period end", "Its last day.")
    fieldwork_start = _date("Fieldwork start", "When the inspectors begin reviewing.")
    fieldwork_end = _date("Fieldwork end", "When the reviews are due to be finished.")
    recording_time_limit_hours = forms.IntegerField(
        label="Recording time limit, in hours",
        initial=24,
        min_value=1,
        max_value=32767,
        help_text="Hours a force has to record a crime: 24 under the current counting rules, "
        "72 under the 2014 ones.",
        widget=forms.NumberInput(attrs={"class": "input input--short", "inputmode": "numeric"}),
        error_messages={
            "required": "Enter the recording time limit in hours",
            "invalid": "Enter the recording time limit as a whole number of hours, like 24",
            "min_value": "The recording time limit must be at least 1 hour",
            "max_value": "The recording time limit must be at most 32,767 hours",
        },
    )
    double_review_percentage = forms.DecimalField(
        label="Cases double reviewed, as a percentage",
        initial=10,
        min_value=0,
        max_value=100,
        decimal_places=1,
        help_text="The share of cases that get a blind second review, for example 10. "
        "Lead inspectors can change it later in the workspace.",
        widget=forms.NumberInput(attrs={"class": "input input--short", "step": "0.1"}),
        error_messages={
            "required": "Enter the share of cases double reviewed, from 0 to 100",
            "invalid": "Enter the share of cases double reviewed as a number, like 10",
            # (%% because Django fills in these messages with the % operator.)
            "min_value": "The share of cases double reviewed must be 0%% or more",
            "max_value": "The share of cases double reviewed must be 100%% or less",
            "max_decimal_places": "Give the share with at most one decimal place, like 12.5",
        },
    )

    #: A model field's errors shown at the form field that sets it.
    MODEL_FIELDS = {"double_review_fraction": "double_review_percentage"}

    def clean(self):
        cleaned = super().clean()
        # The model's rules on the values that could be read, said with the form's own
        # errors at once (the service checks them all again when it saves).
        values = self.inspection_values()
        for name, messages in setup.inspection_problems(**values).items():
            field = self.MODEL_FIELDS.get(name, name)
            for message in messages:
                if field not in self.errors:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned

    def inspection_values(self):
        """The values read so far, as ``setup.create_inspection`` takes them."""
        values = dict(self.cleaned_data)
        percentage = values.pop("double_review_percentage", None)
        if percentage is not None:
            values["double_review_fraction"] = percentage / 100
        return values


class TeamAddForm(forms.Form):
    """People to put on an inspection's team: the active inspectors and leads not on it."""

    people = forms.ModelMultipleChoiceField(
        label="Add to the team",
        queryset=None,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkboxes__input"}),
        error_messages={
            "required": "Select at least one person to add to the team",
            "invalid_choice": "That person cannot be added: they are on the team already, "
            "or are not an active inspector or lead inspector",
            "invalid_pk_value": "That is not a person who can be added",
        },
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = candidates
        self.fields["people"].label_from_instance = describe_person


class TeamRemoveForm(forms.Form):
    """One person to take off an inspection's team."""

    person = forms.ModelChoiceField(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose who to remove",
            "invalid_choice": "That person is not on the team",
        },
    )

    def __init__(self, *args, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = team


def describe_person(user) -> str:
    """The name people know, the role and the username: "Isla Jones (inspector, isla)"."""
    name = user.get_full_name()
    role = user.get_role_display().lower()
    return f"{name} ({role}, {user.username})" if name else f"{user.username} ({role})"


def show_refusal(form, error, renames=None):
    """Put a service's ValidationError on the form: each message at its field, if it has one."""
    renames = {**getattr(form, "MODEL_FIELDS", {}), **(renames or {})}
    for name, messages in error.message_dict.items():
        field = renames.get(name, name)
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(target, message)
