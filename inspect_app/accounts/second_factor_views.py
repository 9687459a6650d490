"""The second-factor pages: enter a code to carry on, or set up an authenticator app."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from inspect_app.accounts import second_factor

NO_CODE = "Enter the 6-digit code from your authenticator app, or a recovery code"
WRONG_CODE = (
    "That code is not right, or has already been used: enter the code your app shows now, "
    "or a recovery code you have not used"
)
WAIT = "Too many wrong codes in a row: wait a few seconds, then enter the code your app shows"
WRONG_SETUP_CODE = (
    "That code is not right: check the app shows the code for this service, and enter the "
    "code it shows now"
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=32, error_messages={"required": NO_CODE}, strip=True
    )


def _problems(form):
    return [("id_code", error) for error in form.errors.get("code", ())]


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """Ask a signed-in person with a device for a code; a right one verifies the session."""
    if request.user.is_verified():
        return redirect(second_factor.safe_next(request))
    if not second_factor.has_confirmed_factor(request.user):
        return redirect("second-factor-enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Asked first: a code sent while a wrong one holds the device back is not checked.
        waiting = second_factor.held_back(request.user)
        if second_factor.verify(request, form.cleaned_data["code"]):
            return redirect(second_factor.safe_next(request))
        form.add_error("code", WAIT if waiting else WRONG_CODE)
    problems = _problems(form)
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "problems": problems, "next": request.GET.get("next", "")},
        status=400 if problems else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Set up an authenticator: show its secret, take a code from it, then show the
    recovery codes once. Only for someone with no factor yet (an admin resets one)."""
    if second_factor.has_confirmed_factor(request.user):
        return redirect(
            second_factor.safe_next(request) if request.user.is_verified() else "second-factor"
        )
    device = second_factor.pending_authenticator(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        waiting = second_factor.held_back(request.user)
        codes = second_factor.confirm_authenticator(
            request.user, device, form.cleaned_data["code"], request=request
        )
        if codes is not None:
            # Shown in this answer only, never stored to be shown again.
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": second_factor.safe_next(request)},
            )
        form.add_error("code", WAIT if waiting else WRONG_SETUP_CODE)
    problems = _problems(form)
    uri = device.config_url
    return render(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            "problems": problems,
            "secret": second_factor.grouped(second_factor.secret_of(device)),
            "uri": uri,
            "qr": second_factor.qr_svg(uri),
            "next": request.GET.get("next", "") or request.POST.get("next", ""),
        },
        status=400 if problems else 200,
    )
