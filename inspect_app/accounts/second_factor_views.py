"""The second-factor pages: pass it (a code or a security key), set one up (an
authenticator app or a security key), and, once passed, see and change one's own."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_otp_webauthn.models import WebAuthnCredential

from inspect_app.accounts import second_factor, security_keys

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
        {
            "form": form,
            "problems": problems,
            "next": request.GET.get("next", "") or request.POST.get("next", ""),
            "has_key": security_keys.has_key(request.user),
            "has_authenticator": second_factor.has_authenticator(request.user),
            "keys_work_here": security_keys.works_on(request),
        },
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
                {
                    "codes": codes,
                    "next": second_factor.safe_next(request),
                    "done": "Your authenticator app is set up",
                },
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
            "keys_work_here": security_keys.works_on(request),
            "after_key": _after_key(request),
        },
        status=400 if problems else 200,
    )


def _after_key(request):
    """Where the enrol page goes once a key is registered: to make recovery codes, then on."""
    target = request.GET.get("next", "") or request.POST.get("next", "")
    url = reverse("second-factor-recovery-codes")
    return url + "?" + urlencode({"next": target}) if target else url


@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """Make a new set of recovery codes (the old ones stop working) and show them once.

    Reached after setting up a security key, and from one's sign-in page when codes run
    low. The middleware has made sure the session passed its second factor first."""
    if request.method == "POST":
        had_codes = second_factor.recovery_codes_left(request.user) > 0
        codes = second_factor.renew_recovery_codes(request.user, request=request)
        return render(
            request,
            "accounts/recovery_codes.html",
            {
                "codes": codes,
                "next": second_factor.safe_next(request),
                "done": (
                    "New recovery codes made: the old ones no longer work"
                    if had_codes
                    else "Your recovery codes are made"
                ),
            },
        )
    return render(
        request,
        "accounts/recovery_codes_make.html",
        {
            "left": second_factor.recovery_codes_left(request.user),
            "next": request.GET.get("next", ""),
        },
    )


@require_http_methods(["GET"])
def manage(request):
    """Someone's own ways of passing the second factor: their app, their keys (add one,
    remove one) and how many recovery codes are left."""
    user = request.user
    return render(
        request,
        "accounts/sign_in_security.html",
        {
            "has_authenticator": second_factor.has_authenticator(user),
            "keys": list(security_keys.keys_of(user)),
            "codes_left": second_factor.recovery_codes_left(user),
            "keys_work_here": security_keys.works_on(request),
        },
    )


@require_POST
def remove_key(request, key_id):
    """Remove one of the person's own keys, unless it is the last factor they have."""
    try:
        name = security_keys.remove(request.user, key_id, request=request)
    except WebAuthnCredential.DoesNotExist:
        raise Http404("No such security key of yours") from None
    except security_keys.LastFactorError:
        messages.error(
            request,
            "This is the only way you have to sign in besides your recovery codes: add "
            "another security key first, or ask an admin to reset your second factor.",
        )
        return redirect("sign-in-security")
    messages.success(request, f"Security key “{name}” removed" if name else "Security key removed")
    return redirect("sign-in-security")
