"""The erasure page: an admin erases an inspection's casework once its retention ends.

Who may is asked of ``accounts.access``; the inspection comes through
``visible_to``. The erasing (and its audit entry) is ``inspections.erasure``'s,
the same function ``manage.py erase_casework`` calls.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from inspect_app.accounts.access import may_erase_casework
from inspect_app.accounts.decorators import allowed_if
from inspect_app.inspections import erasure
from inspect_app.inspections.models import Inspection


class ConfirmErasureForm(forms.Form):
    """Typing the inspection's short name: erasure cannot be undone, so a slip of the
    mouse must not do it."""

    confirmation = forms.CharField(
        label="Type the inspection's short name to confirm",
        max_length=80,
        widget=forms.TextInput(
            attrs={"class": "input", "spellcheck": "false", "autocapitalize": "none"}
        ),
        error_messages={"required": "Type the inspection's short name to confirm the erasure"},
    )

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        self.fields["confirmation"].help_text = f"Its short name is {inspection.slug}."

    def clean_confirmation(self):
        typed = self.cleaned_data["confirmation"].strip()
        if typed != self.inspection.slug:
            raise forms.ValidationError(
                f"That is not this inspection's short name: type {self.inspection.slug}"
            )
        return typed


@allowed_if(may_erase_casework)
@require_http_methods(["GET", "POST"])
def erase_casework(request, slug):
    """What erasing would remove, the retention date, and the confirmation; the POST erases."""
    inspection = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("force", "programme"),
        slug=slug,
    )
    form = ConfirmErasureForm(request.POST or None, inspection=inspection)
    refusal = erasure.erasure_refusal(inspection)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            counts = erasure.erase_casework(inspection, by=request.user, request=request)
        except erasure.ErasureRefused as refused:
            refusal = str(refused)
        else:
            messages.success(
                request,
                f"Casework of {inspection.force} erased: {counts.narratives} narratives, "
                f"{counts.notes} review notes, {counts.review_versions} earlier review versions "
                f"and {counts.files} uploaded files. Its figures remain.",
            )
            return redirect(inspection)
    return render(
        request,
        "inspections/erase.html",
        {
            "inspection": inspection,
            "form": form,
            "refusal": refusal,
            "counts": erasure.what_would_go(inspection),
            "retention_passed": erasure.retention_passed(inspection),
        },
        status=400 if (request.method == "POST" and (refusal or form.errors)) else 200,
    )
