"""A row read with its relations by written SQL is the row the ORM reads, relations cached."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspect_app.api import tokens
from inspect_app.api.models import ApiToken
from inspect_app.core import written

pytestmark = pytest.mark.django_db


def fields_of(instance):
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_a_token_with_its_owner_and_their_force_is_the_orms(commissioner_a):
    token, key = tokens.create(commissioner_a, "analysis")
    with CaptureQueriesContext(connection) as queries:
        read = written.first(ApiToken, ("owner", "force"), key_sha256=tokens.digest(key))
        assert read.owner.force.name == commissioner_a.force.name
    assert len(queries.captured_queries) == 1
    orm = ApiToken.objects.select_related("owner__force").get(pk=token.pk)
    assert fields_of(read) == fields_of(orm)
    assert fields_of(read.owner) == fields_of(orm.owner)
    assert fields_of(read.owner.force) == fields_of(orm.owner.force)


def test_an_empty_relation_is_cached_as_none_and_no_row_is_none(lead_user):
    _, key = tokens.create(lead_user, "analysis")
    read = written.first(ApiToken, ("owner", "force"), key_sha256=tokens.digest(key))
    with CaptureQueriesContext(connection) as queries:
        assert read.owner.pk == lead_user.pk and read.owner.force is None
    assert queries.captured_queries == []
    assert written.first(ApiToken, ("owner",), key_sha256=tokens.digest("cri_unknown")) is None
