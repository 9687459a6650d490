"""The API: the same rows as compliance_report, with personal tokens, scoped like the pages."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from inspect_app.accounts.models import AuditAction, AuditEvent
from inspect_app.api import tokens
from inspect_app.api.models import ApiToken
from inspect_app.compliance import figures
from inspect_app.inspections.workflow import signoff
from inspect_app.publication.publishing import publish
from tests.compliance.factories import UNRECORDED, many_reviewed_cases

pytestmark = pytest.mark.django_db


def bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT": "application/json"}


def figures_url(inspection, **query):
    url = reverse("api-inspection-figures", args=[inspection.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def report(*arguments):
    out = io.StringIO()
    call_command("compliance_report", *arguments, stdout=out)
    return json.loads(out.getvalue())


def test_an_analyst_pulls_the_same_json_as_compliance_report(client, signed_off_a, lead_user):
    figures.recompute_programme(signed_off_a.programme_id)
    _, key = tokens.create(lead_user, "R script")
    response = client.get(figures_url(signed_off_a), **bearer(key))
    assert response.status_code == 200
    document = response.json()
    expected = report("--inspection", signed_off_a.slug, "--format", "json")
    assert document["rows"] == expected["rows"]
    assert document["status"] == "draft — not published"
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSURE, details__page="api").exists()


def test_published_json_over_the_api_is_the_commands_and_suppressed(
    client, signed_off_a, lead_user, commissioner_a
):
    publish(signed_off_a, lead_user)
    signoff.reopen(signed_off_a, lead_user)
    many_reviewed_cases(signed_off_a, 30, offence_group="VAP", **UNRECORDED)
    _, key = tokens.create(commissioner_a, "panel spreadsheet")
    document = client.get(figures_url(signed_off_a), **bearer(key)).json()
    expected = report("--inspection", signed_off_a.slug, "--published", "--format", "json")
    assert document["rows"] == expected["rows"]
    assert document["version"] == 1
    burglary = next(r for r in document["rows"] if r["offence_group"] == "BUR")
    assert burglary["suppressed"] is True and burglary["denominator"] is None


def test_a_commissioner_gets_nothing_live_and_nothing_of_another_force(
    client, signed_off_a, inspection_b, commissioner_a
):
    _, key = tokens.create(commissioner_a, "panel")
    assert client.get(figures_url(signed_off_a), **bearer(key)).status_code == 404  # unpublished
    assert client.get(figures_url(inspection_b), **bearer(key)).status_code == 404
    programme = reverse("api-programme-figures", args=[signed_off_a.programme.slug])
    assert client.get(programme, **bearer(key)).status_code == 403
    listed = client.get(reverse("api-inspections"), **bearer(key)).json()
    assert [i["slug"] for i in listed] == [signed_off_a.slug]


def test_a_revoked_or_expired_token_is_refused(client, signed_off_a, lead_user):
    token, key = tokens.create(lead_user, "old script")
    tokens.revoke(lead_user, token.pk)
    response = client.get(reverse("api-inspections"), **bearer(key))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    other, other_key = tokens.create(lead_user, "expired")
    ApiToken.objects.filter(pk=other.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = client.get(reverse("api-inspections"), **bearer(other_key))
    assert response.status_code == 401 and "expired" in response.json()["detail"]
    assert client.get(reverse("api-inspections"), **bearer("cri_made-up")).status_code == 401
    assert AuditEvent.objects.filter(action=AuditAction.DISCLOSURE).count() == 0


def test_tokens_are_stored_hashed_shown_once_and_audited(client, lead_user, commissioner_a):
    client.force_login(lead_user)
    response = client.post(reverse("api-tokens"), {"name": "R script", "days": "90"})
    key = response.context["made_key"]
    assert key in response.content.decode()
    token = ApiToken.objects.get()
    assert key not in token.key_sha256 and token.key_sha256 == tokens.digest(key)
    assert key not in client.get(reverse("api-tokens")).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_CREATED).count() == 1
    # Nobody revokes another's token.
    client.force_login(commissioner_a)
    client.post(reverse("api-token-revoke", args=[token.pk]))
    assert ApiToken.objects.get().revoked_at is None
    client.force_login(lead_user)
    client.post(reverse("api-token-revoke", args=[token.pk]))
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_REVOKED).count() == 1


def test_a_token_without_a_name_is_refused(client, lead_user):
    client.force_login(lead_user)
    response = client.post(reverse("api-tokens"), {"name": " ", "days": "90"})
    assert response.status_code == 400 and "Give the token a name" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_session_without_its_second_factor_is_refused_but_a_token_is_its_own_factor(
    client, lead_user, password
):
    client.post(reverse("login"), {"username": lead_user.username, "password": password})
    response = client.get(reverse("api-inspections"), HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert response.json() == {"error": "second factor required"}
    client.logout()
    _, key = tokens.create(lead_user, "script")
    assert client.get(reverse("api-inspections"), **bearer(key)).status_code == 200


def test_the_openapi_document_and_its_page_are_served_here(client, lead_user):
    _, key = tokens.create(lead_user, "schema")
    schema = client.get(reverse("api-schema") + "?format=json", **bearer(key))
    assert schema.status_code == 200
    assert "/api/v1/inspections/{slug}/figures/" in schema.content.decode()
    client.force_login(lead_user)
    page = client.get(reverse("api-docs")).content.decode()
    assert "/api/v1/inspections/{slug}/figures/" in page and "cdn" not in page.lower()


def test_a_published_row_keeps_the_design_and_judgement_the_live_report_gave(
    client, signed_off_a, lead_user
):
    figures.recompute_programme(signed_off_a.programme_id)
    live = report("--inspection", signed_off_a.slug, "--format", "json")["rows"]
    publish(signed_off_a, lead_user)
    published = report("--inspection", signed_off_a.slug, "--published", "--format", "json")
    judged = ("design", "unweighted_rate", "versus_programme", "funnel", "funnel_side", "grade")
    for row in published["rows"]:
        same = next(
            r
            for r in live
            if (r["scope"], r["offence_group"], r["metric"])
            == (row["scope"], row["offence_group"], row["metric"])
        )
        if row["suppressed"]:
            assert all(row.get(key) is None for key in judged if key != "design")
            continue
        assert {key: row.get(key) for key in judged} == {key: same.get(key) for key in judged}
    essex = next(
        r
        for r in published["rows"]
        if r["scope"] == "inspection" and r["metric"] == "recording_rate"
    )
    assert essex["design"] == "simple" and essex["versus_programme"] in {
        "better",
        "similar",
        "worse",
    }
