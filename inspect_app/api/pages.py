"""The page where each person makes and revokes their own API tokens."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from inspect_app.accounts import access
from inspect_app.accounts.decorators import allowed_if
from inspect_app.api import tokens


@require_http_methods(["GET", "POST"])
@allowed_if(access.may_hold_api_tokens)
def token_list(request):
    """Your tokens; make a new one (its key is shown once, on the page that follows)."""
    problem, made_key = "", None
    if request.method == "POST":
        try:
            days = int(request.POST.get("days", tokens.DEFAULT_LIFETIME_DAYS))
        except ValueError:
            days = -1
        try:
            _, made_key = tokens.create(
                request.user, request.POST.get("name", ""), days, request=request
            )
        except tokens.TokenError as error:
            problem = str(error)
    return render(
        request,
        "api/tokens.html",
        {
            "tokens": tokens.tokens_of(request.user),
            "made_key": made_key,
            "problem": problem,
            "lifetimes": tokens.LIFETIME_DAYS,
            "default_days": tokens.DEFAULT_LIFETIME_DAYS,
            "name": request.POST.get("name", "") if problem else "",
        },
        status=400 if problem else 200,
    )


@require_POST
@allowed_if(access.may_hold_api_tokens)
def token_revoke(request, token_id):
    try:
        token = tokens.revoke(request.user, token_id, request=request)
    except tokens.TokenError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("api-tokens")
