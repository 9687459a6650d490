"""The audit log's page: admins alone read it, reached from their navigation, and filter it by
who, what, when and which record."""

import pytest
from django.urls import reverse

from inspect_app.accounts import audit
from inspect_app.accounts.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

URL = reverse("audit-log")


def signed_in(client, user):
    client.force_login(user)
    return client


def test_an_admin_reads_the_log_and_reaches_it_from_the_navigation(client, admin_user, case_a):
    audit.record(AuditAction.CONSULTATION, actor=admin_user, subject=case_a, page="case")
    home = signed_in(client, admin_user).get(reverse("home"))
    assert f'href="{URL}"'.encode() in home.content
    response = client.get(URL)
    assert response.status_code == 200
    assert b"Consulted casework" in response.content and b"ESX-1" in response.content
    assert f"sampledcase {case_a.pk}".encode() in response.content


@pytest.mark.parametrize(
    "role", ["lead_user", "inspector_user", "unassigned_inspector", "commissioner_a"]
)
def test_everybody_else_is_refused_and_has_no_link(client, request, role):
    user = request.getfixturevalue(role)
    signed_in(client, user)
    assert client.get(URL).status_code == 403
    if role != "commissioner_a":
        assert f'href="{URL}"'.encode() not in client.get(reverse("home")).content


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_deactivated_admin_is_refused(client, admin_user):
    client.force_login(admin_user)
    admin_user.is_active = False
    admin_user.save()
    assert client.get(URL).status_code in (302, 403)


@pytest.fixture
def entries(admin_user, lead_user, case_a, case_b):
    audit.record(AuditAction.CONSULTATION, actor=lead_user, subject=case_a, page="case")
    audit.record(AuditAction.CONSULTATION, actor=lead_user, subject=case_b, page="case")
    audit.record(AuditAction.DISCLOSURE, actor=admin_user, subject=case_b, download="x")


def shown_rows(response):
    return response.context["table"].paginator.count


def test_it_filters_by_actor_action_and_record(client, admin_user, lead_user, entries, case_b):
    signed_in(client, admin_user)
    assert shown_rows(client.get(URL, {"actor": lead_user.username})) == 2
    assert shown_rows(client.get(URL, {"action": "disclosure"})) == 1
    by_record = client.get(URL, {"object_type": "sampledcase", "object_id": case_b.pk})
    assert shown_rows(by_record) == 2
    both = {"actor": lead_user.username, "object_type": "sampledcase", "object_id": case_b.pk}
    assert shown_rows(client.get(URL, both)) == 1


def test_it_filters_by_time_with_or_without_an_offset(client, admin_user, entries):
    signed_in(client, admin_user)
    first = AuditEvent.objects.filter(action="consultation").order_by("pk").first()
    after_it = first.occurred_at.isoformat()
    total = AuditEvent.objects.count()
    assert shown_rows(client.get(URL, {"since": after_it})) == total - (
        AuditEvent.objects.filter(occurred_at__lt=first.occurred_at).count()
    )
    assert shown_rows(client.get(URL, {"until": after_it})) == (
        AuditEvent.objects.filter(occurred_at__lt=first.occurred_at).count()
    )
    assert shown_rows(client.get(URL, {"since": "2999-01-01"})) == 0
    assert shown_rows(client.get(URL, {"until": "2000-01-01T00:00"})) == 0


def test_a_time_typed_wrong_is_named_in_the_error_summary(client, admin_user, entries):
    response = signed_in(client, admin_user).get(URL, {"since": "yesterday"})
    assert response.status_code == 400
    assert b"There is a problem" in response.content and b'href="#id_since"' in response.content
    assert b"not an ISO 8601 time" in response.content
    assert shown_rows(response) == AuditEvent.objects.count()  # nothing hidden by it


def test_it_is_paginated(client, admin_user):
    for number in range(60):
        audit.record(AuditAction.SIGN_IN_FAILED, username=f"guess-{number}")
    signed_in(client, admin_user)
    first = client.get(URL)
    assert len(first.context["table"].page.object_list) == 50
    assert b"guess-59" in first.content and b"guess-0<" not in first.content
    second = client.get(URL, {"page": 2})
    assert second.status_code == 200 and b"guess-0<" in second.content
