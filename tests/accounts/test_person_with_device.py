"""A signed-in request reads the session's device and its person in one query, and every
check still runs on them: nothing about who is signed in is kept between requests."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.authenticator import authenticator_of

pytestmark = pytest.mark.django_db

ENROL = reverse("second-factor-enrol")
VERIFY = reverse("second-factor")


def test_the_person_and_their_device_are_one_query(client, lead_user):
    client.force_login(lead_user)
    assert client.get(reverse("home")).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("sign-in-security"))
    assert response.status_code == 200
    person_reads = [q["sql"] for q in queries if '"accounts_user"' in q["sql"]]
    device_reads = [q["sql"] for q in queries if '"otp_totp_totpdevice"' in q["sql"]]
    assert len(person_reads) == 1 and person_reads == device_reads[:1]
    assert lead_user.username in response.content.decode()


def test_a_device_removed_verifies_nobody_at_the_next_request(client, lead_user):
    client.force_login(lead_user)
    assert client.get(reverse("home")).status_code == 200
    TOTPDevice.objects.filter(user=lead_user).delete()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_a_device_unconfirmed_verifies_nobody(client, lead_user):
    client.force_login(lead_user)
    TOTPDevice.objects.filter(user=lead_user).update(confirmed=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_another_persons_device_in_the_session_verifies_nobody(client, lead_user, inspector_user):
    client.force_login(lead_user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_of(inspector_user).persistent_id
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_session_of_an_old_password_is_ended(client, lead_user):
    client.force_login(lead_user)
    session = client.session
    session[HASH_SESSION_KEY] = "not the hash of their password"
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_person_deactivated_is_refused_though_read_with_their_device(client, lead_user):
    client.force_login(lead_user)
    type(lead_user).objects.filter(pk=lead_user.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def as_stored(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_the_written_query_makes_the_instances_the_orm_makes(commissioner_a, lead_user):
    from django.utils import timezone
    from django_otp.plugins.otp_static.models import StaticDevice

    from inspect_app.core import written

    commissioner_a.last_login = timezone.now()
    commissioner_a.save()
    device = authenticator_of(commissioner_a)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now())
    read = written.first(TOTPDevice, ("user", "force"), pk=device.pk, user_id=commissioner_a.pk)
    with CaptureQueriesContext(connection) as queries:
        assert read.user.force.name == commissioner_a.force.name  # nothing more is asked
    assert queries.captured_queries == []
    orm = TOTPDevice.objects.select_related("user__force").get(pk=device.pk)
    assert as_stored(read) == as_stored(orm)
    assert as_stored(read.user) == as_stored(orm.user)
    assert as_stored(read.user.force) == as_stored(orm.user.force)
    assert read.user.check_password("x") is False and read.user.password == orm.user.password
    # A person without a force, another kind of device; and never someone else's device.
    static = StaticDevice.objects.create(user=lead_user, name="recovery codes", confirmed=True)
    read = written.first(StaticDevice, ("user", "force"), pk=static.pk, user_id=lead_user.pk)
    assert read.user.pk == lead_user.pk and read.user.force is None
    assert (
        written.first(StaticDevice, ("user", "force"), pk=static.pk, user_id=commissioner_a.pk)
        is None
    )
    assert written.first(TOTPDevice, ("user", "force"), pk=device.pk, user_id=lead_user.pk) is None
