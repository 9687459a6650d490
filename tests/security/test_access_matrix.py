"""Every URL of the project × every role × objects of two forces, against one table.

The URL patterns come from the resolver, so a new page is tested without
anyone remembering to: a pattern missing from ``EXPECTED`` fails the test.
Each role is tried on force A's objects and on force B's. Outcomes:

``ok``      the page (or the action's own answer: a redirect, a form error)
``denied``  403 or 404, nothing shown
``login``   sent to sign in
"""

import pytest
from django.contrib.admin.sites import site as admin_site
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from inspect_app.inspections.models import SampleBatch
from tests.publication.builders import frozen_version

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "admin", "lead", "assigned", "unassigned", "commissioner")
ROLE_FIXTURES = {
    "admin": "admin_user",
    "lead": "lead_user",
    "assigned": "inspector_user",  # assigned to force A's inspection only
    "unassigned": "unassigned_inspector",
    "commissioner": "commissioner_a",  # oversees force A
}

# What each URL parameter is, for one side (force A or B).
PARAMETERS = {
    "inspection": lambda objects: {"slug": objects["inspection"].slug},
    "force": lambda objects: {"slug": objects["force"].slug},
    "programme": lambda objects: {"slug": objects["inspection"].programme.slug},
    "offence": lambda objects: {"slug": objects["inspection"].programme.slug, "code": "vap"},
    "case": lambda objects: {"slug": objects["inspection"].slug, "pk": objects["case"].pk},
    "batch": lambda objects: {"pk": objects["batch"].pk},
    # Nobody's key: removing one is only ever of one's own (a test of its own covers that).
    "security key": lambda objects: {"key_id": 999_999},
    None: lambda objects: {},
    **{
        kind: lambda objects, kind=kind: {"pk": judgement_object(kind, objects).pk}
        for kind in ("outlier", "finding")
    },
}


def row(method, parameters, **outcomes):
    """One URL's expectations: outcome per role as (force A, force B)."""
    table = {}
    for role in ROLES:
        value = outcomes.get(role, outcomes.get("others"))
        table[role] = value if isinstance(value, tuple) else (value, value)
    return method, parameters, table


OPEN = {"others": "ok"}
STAFF_FIGURES = {"anonymous": "login", "others": "ok", "commissioner": ("ok", "denied")}
NATIONAL = {"anonymous": "login", "others": "ok", "commissioner": "denied"}
CASEWORK = {
    "anonymous": "login",
    "admin": "ok",
    "lead": "ok",
    "assigned": ("ok", "denied"),
    "unassigned": "denied",
    "commissioner": "denied",
}
REVIEWING = {**CASEWORK, "admin": "denied"}  # admins read casework but do not review
LEADS_ONLY = {"anonymous": "login", "others": "denied", "lead": "ok"}
ADMINS_ONLY = {"anonymous": "login", "others": "denied", "admin": "ok"}
SIGNED_IN = {"anonymous": "login", "others": "ok"}
FOLLOW_UP = {"anonymous": "login", "others": "denied", "admin": "ok", "lead": "ok"}


def judgement_object(kind, objects):
    """An outlier case or a finding of the side's inspection, made when first asked for."""
    from inspect_app.judgement.models import Finding, OutlierCase

    inspection = objects["inspection"]
    if kind == "outlier":
        return OutlierCase.objects.get_or_create(
            inspection=inspection,
            metric="recording_rate",
            defaults={
                "level": "alarm",
                "side": "low",
                "numerator": 1,
                "denominator": 10,
                "target_rate": 0.8,
            },
        )[0]
    return Finding.objects.get_or_create(
        inspection=inspection, kind="recommendation", defaults={"text": "Record more crimes."}
    )[0]


# --- publication: published versions, their downloads and the API ---------------------------
PARAMETERS["version"] = lambda objects: {"slug": objects["inspection"].slug, "number": 1}
PARAMETERS["token"] = lambda objects: {"token_id": 999_999}
PARAMETERS["chart"] = lambda objects: {**PARAMETERS["version"](objects), "name": "six"}
PUBLISHERS = {"anonymous": "login", "others": "denied", "lead": "ok", "admin": "ok"}
PUBLICATION = {
    "publication-publish": row("GET", "inspection", **PUBLISHERS),
    "publication-latest": row("GET", "inspection", **STAFF_FIGURES),
    "publication-version": row("GET", "version", **STAFF_FIGURES),
    "publication-csv": row("GET", "version", **STAFF_FIGURES),
    "publication-chart": row("GET", "chart", **STAFF_FIGURES),
    "publication-open-data": row("GET", None, **SIGNED_IN),
    "publication-pdf": row("GET", "version", **STAFF_FIGURES),
    "publication-pdf-state": row("GET", "version", **STAFF_FIGURES),
    # The API answers a request without a session or token 401, never a sign-in page.
    "api-programmes": row("GET", None, **{**SIGNED_IN, "anonymous": "denied"}),
    "api-inspections": row("GET", None, **{**SIGNED_IN, "anonymous": "denied"}),
    "api-inspection-figures": row("GET", "inspection", **{**STAFF_FIGURES, "anonymous": "denied"}),
    "api-programme-figures": row("GET", "programme", **{**NATIONAL, "anonymous": "denied"}),
    "api-schema": row("GET", None, **{**SIGNED_IN, "anonymous": "denied"}),
    "api-docs": row("GET", None, **SIGNED_IN),
    "api-tokens": row("GET", None, **SIGNED_IN),
    # Nobody's token: revoking one is only ever of one's own (tests/publication/test_api.py).
    "api-token-revoke": row("POST", "token", **SIGNED_IN),
}

EXPECTED = {
    "home": row("GET", None, **SIGNED_IN),
    "health": row("GET", None, **OPEN),
    "favicon": row("GET", None, **OPEN),
    "login": row("GET", None, **OPEN),
    "logout": row("POST", None, others="login"),  # signs out, then on to sign-in
    "inspection-list": row("GET", None, **SIGNED_IN),
    "inspection-detail": row("GET", "inspection", **STAFF_FIGURES),
    "force-detail": row("GET", "force", **STAFF_FIGURES),
    "programme-list": row("GET", None, **NATIONAL),
    "programme-detail": row("GET", "programme", **NATIONAL),
    "offence-detail": row("GET", "offence", **NATIONAL),
    "inspection-workspace": row("GET", "inspection", **CASEWORK),
    "review-case": row("GET", "case", **CASEWORK),
    "review-claim-next": row("POST", "inspection", **REVIEWING),
    "review-assign": row("POST", "inspection", **LEADS_ONLY),
    "review-double-review-share": row("POST", "inspection", **LEADS_ONLY),
    "review-sign-off": row("POST", "inspection", **LEADS_ONLY),
    "review-reopen": row("POST", "inspection", **LEADS_ONLY),
    "review-agreement": row("GET", "inspection", **{**LEADS_ONLY, "admin": "ok"}),
    "programme-create": row("GET", None, **ADMINS_ONLY),
    "inspection-create": row("GET", None, **ADMINS_ONLY),
    "inspection-team": row("GET", "inspection", **{**LEADS_ONLY, "admin": "ok"}),
    "batch-upload": row("GET", "inspection", **ADMINS_ONLY),
    "batch-example": row("GET", "inspection", **ADMINS_ONLY),
    "batch-template-csv": row("GET", None, **ADMINS_ONLY),
    "batch-template-xlsx": row("GET", None, **ADMINS_ONLY),
    "batch-detail": row("GET", "batch", **ADMINS_ONLY),
    "batch-status": row("GET", "batch", **ADMINS_ONLY),
    "batch-errors-csv": row("GET", "batch", **ADMINS_ONLY),
    "batch-withdraw": row("POST", "batch", **ADMINS_ONLY),
    # --- sampling: an inspection's extract, plan and draw ---
    "inspection-sample": row("GET", "inspection", **ADMINS_ONLY),
    "inspection-sample-listing": row("GET", "inspection", **ADMINS_ONLY),
    "inspection-extract-import": row("GET", "inspection", **ADMINS_ONLY),
    "inspection-extract-import-status": row("GET", "inspection", **ADMINS_ONLY),
    "inspection-example-extract": row("GET", "inspection", **ADMINS_ONLY),
    "inspection-erase": row("GET", "inspection", **ADMINS_ONLY),
    "audit-log": row("GET", None, **ADMINS_ONLY),
    # Once the code is passed, both send on to the service.
    "second-factor": row("GET", None, **SIGNED_IN),
    "second-factor-enrol": row("GET", None, **SIGNED_IN),
    "second-factor-recovery-codes": row("GET", None, **SIGNED_IN),
    "sign-in-security": row("GET", None, **SIGNED_IN),
    "security-key-remove": row("POST", "security key", anonymous="login", others="denied"),
    # The security-key ceremonies answer the person signed in only (a key never signs
    # anyone in here): without a ceremony begun, the two that finish one refuse it.
    "otp_webauthn:credential-registration-begin": row("POST", None, **SIGNED_IN),
    "otp_webauthn:credential-registration-complete": row("POST", None, **SIGNED_IN),
    "otp_webauthn:credential-authentication-begin": row("POST", None, **SIGNED_IN),
    "otp_webauthn:credential-authentication-complete": row("POST", None, **SIGNED_IN),
    "otp_webauthn:js-i18n-catalog": row("GET", None, **SIGNED_IN),
    **PUBLICATION,
    # --- judgement ---
    "inspection-judgement": row("GET", "inspection", **STAFF_FIGURES),
    "inspection-judgement-csv": row("GET", "inspection", **STAFF_FIGURES),
    "inspection-judgement-json": row("GET", "inspection", **STAFF_FIGURES),
    "outlier-list": row("GET", None, **FOLLOW_UP),
    "outlier-detect": row("POST", None, **FOLLOW_UP),
    "outlier-detail": row("GET", "outlier", **FOLLOW_UP),
    "finding-add": row("POST", "inspection", **FOLLOW_UP),
    "finding-update": row("POST", "finding", **FOLLOW_UP),
    "grade-bands": row("GET", "programme", **ADMINS_ONLY),
}

#: Text that must never reach a commissioner: force B, and any case narrative or reference.
NEVER_FOR_COMMISSIONERS = ("Hertfordshire", "narrative: sensitive", "ESX-1", "HRT-1")


def project_url_names(patterns=None, namespace=None):
    """Every named URL pattern of the project, Django's admin apart (tested below)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner != "admin":
                yield from project_url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name"
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


@pytest.fixture
def sides(inspection_a, inspection_b, case_a, case_b, review_a, review_b, admin_user):
    def batch(inspection):
        return SampleBatch.objects.create(
            inspection=inspection,
            original_filename="sample.csv",
            uploaded_by=admin_user,
            content_sha256=inspection.slug.encode().hex().ljust(64, "0")[:64],
            status="imported",
        )

    # Publication: each side has a published version 1.
    frozen_version(inspection_a)
    frozen_version(inspection_b)
    return {
        "A": {
            "inspection": inspection_a,
            "force": inspection_a.force,
            "case": case_a,
            "batch": batch(inspection_a),
        },
        "B": {
            "inspection": inspection_b,
            "force": inspection_b.force,
            "case": case_b,
            "batch": batch(inspection_b),
        },
    }


def outcome(response):
    if response.status_code >= 500:
        return f"error {response.status_code}"
    if response.status_code in (401, 403, 404):
        return "denied"
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return "login"
    return "ok"


def test_every_url_is_in_the_table():
    names = set(project_url_names())
    assert names - set(EXPECTED) == set(), "pages missing from the access table"
    assert set(EXPECTED) - names == set(), "the table names pages that no longer exist"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_table_says(client, request, sides, role):
    user = request.getfixturevalue(ROLE_FIXTURES[role]) if role != "anonymous" else None
    wrong = []
    for name, (method, parameters, expected) in EXPECTED.items():
        for index, side in enumerate("AB"):
            if user is not None:
                client.force_login(user)
            else:
                client.logout()
            url = reverse(name, kwargs=PARAMETERS[parameters](sides[side]))
            response = client.get(url) if method == "GET" else client.post(url, {})
            got = outcome(response)
            if got != expected[role][index]:
                wrong.append(
                    f"{method} {url} (force {side}): {got}, expected {expected[role][index]}"
                )
            if role == "commissioner" and got == "ok":
                body = b"".join(response) if response.streaming else response.content
                for text in NEVER_FOR_COMMISSIONERS:
                    assert text.encode() not in body, f"{url} shows {text!r} to a commissioner"
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_reach_django_admin(client, request, sides, role):
    user = request.getfixturevalue(ROLE_FIXTURES[role]) if role != "anonymous" else None
    if user is not None:
        client.force_login(user)
    for model in admin_site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url)
        if role == "admin":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith((reverse("admin:login"), reverse("login"))), url


# Query parameters that choose what a page shows: each role gets what the page's row says.
PARAMETER_VARIANTS = [("programme-detail", {"figures": "published"})]


@pytest.mark.parametrize("role", ROLES)
def test_a_page_shown_another_way_is_guarded_as_the_page(client, request, sides, role):
    user = request.getfixturevalue(ROLE_FIXTURES[role]) if role != "anonymous" else None
    for name, query in PARAMETER_VARIANTS:
        method, parameters, expected = EXPECTED[name]
        for index, side in enumerate("AB"):
            if user is not None:
                client.force_login(user)
            url = reverse(name, kwargs=PARAMETERS[parameters](sides[side]))
            got = outcome(client.get(url, query))
            assert got == expected[role][index], f"{url}?{query}: {got} for {role}"
