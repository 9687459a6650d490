"""The set-up pages: admins create programmes and inspections; admins and lead inspectors
choose who is on an inspection's team.

Who may use each page is asked of ``accounts.access``; the inspection comes
through ``visible_to``. The views read the forms and show what happened;
the writes (and their audit records) are ``inspections.setup``'s, the same
functions the command line calls.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_http_methods

from inspect_app.accounts.access import may_manage_team, may_set_up
from inspect_app.accounts.decorators import allowed_if
from inspect_app.inspections import setup
from inspect_app.inspections.models import Inspection, Programme
from inspect_app.inspections.setup_forms import (
    InspectionForm,
    ProgrammeForm,
    TeamAddForm,
    TeamRemoveForm,
    describe_person,
    show_refusal,
)


@allowed_if(may_set_up)
@require_http_methods(["GET", "POST"])
def programme_create(request):
    """A new national inspection round."""
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            programme = setup.create_programme(
                **form.cleaned_data, by=request.user, request=request
            )
        except ValidationError as refusal:
            show_refusal(form, refusal)
        else:
            messages.success(
                request,
                format_html(
                    'Programme “{}” created. <a href="{}">Add an inspection to it</a>.',
                    programme.name,
                    f"{reverse('inspection-create')}?programme={programme.slug}",
                ),
            )
            return redirect("programme-detail", slug=programme.slug)
    return render(
        request,
        "inspections/setup/programme_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@allowed_if(may_set_up)
@require_http_methods(["GET", "POST"])
def inspection_create(request):
    """A new inspection of one force within a programme (``?programme=SLUG`` chooses it)."""
    if request.method == "POST":
        form = InspectionForm(request.POST)
    else:
        chosen = Programme.objects.filter(slug=request.GET.get("programme", "")).first()
        form = InspectionForm(initial={"programme": chosen} if chosen else None)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = setup.create_inspection(
                **form.inspection_values(), by=request.user, request=request
            )
        except ValidationError as refusal:
            show_refusal(form, refusal)
        else:
            messages.success(
                request,
                format_html(
                    'Inspection of {} created. Next, <a href="{}">choose its team</a>.',
                    inspection.force,
                    reverse("inspection-team", kwargs={"slug": inspection.slug}),
                ),
            )
            return redirect(inspection)
    return render(
        request,
        "inspections/setup/inspection_form.html",
        {"form": form, "programmes_exist": Programme.objects.exists()},
        status=400 if form.errors else 200,
    )


@allowed_if(may_manage_team)
@require_http_methods(["GET", "POST"])
def inspection_team(request, slug):
    """Who is on the inspection's team; add inspectors and leads, or take someone off."""
    inspection = get_object_or_404(
        Inspection.objects.visible_to(request.user).select_related("force", "programme"),
        slug=slug,
    )
    team = setup.team_of(inspection)
    candidates = setup.assignable_users().exclude(assigned_inspections=inspection)
    add_form = TeamAddForm(candidates=candidates, auto_id="team-%s")
    problems = []
    here = reverse("inspection-team", kwargs={"slug": inspection.slug})

    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add_form = TeamAddForm(request.POST, candidates=candidates, auto_id="team-%s")
            if add_form.is_valid():
                try:
                    added = setup.assign_inspectors(
                        inspection,
                        add_form.cleaned_data["people"],
                        by=request.user,
                        request=request,
                    )
                except setup.TeamRefused as refusal:
                    for reason in refusal.reasons.values():  # each starts with a username
                        add_form.add_error("people", reason)
                else:
                    names = ", ".join(describe_person(user) for user in added)
                    messages.success(request, f"Added to the team: {names}.")
                    return redirect(here)
        elif action == "remove":
            remove_form = TeamRemoveForm(request.POST, team=team)
            if remove_form.is_valid():
                person = remove_form.cleaned_data["person"]
                try:
                    setup.remove_inspectors(inspection, [person], by=request.user, request=request)
                except setup.TeamRefused as refusal:
                    problems = list(refusal.reasons.values())
                else:
                    messages.success(request, f"Removed from the team: {describe_person(person)}.")
                    return redirect(here)
            else:
                problems = [error for errors in remove_form.errors.values() for error in errors]
        else:
            problems = ["Choose whether to add people to the team or remove someone."]

    team = list(team)
    waiting = setup.open_case_counts(inspection, team)
    members = [(user, describe_person(user), waiting.get(user.pk, 0)) for user in team]
    return render(
        request,
        "inspections/setup/team.html",
        {
            "inspection": inspection,
            "members": members,
            "add_form": add_form,
            "problems": problems,
            "has_errors": bool(problems or add_form.errors),
        },
        status=400 if problems or add_form.errors else 200,
    )
