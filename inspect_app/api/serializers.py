"""The shapes of the API's answers, for its OpenAPI document as much as for its output.

A figure row has the fields of ``compliance_report``'s JSON (interfaces.md), plus
``suppressed`` on published rows.
"""

from rest_framework import serializers


class ProgrammeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    year = serializers.IntegerField(allow_null=True)


class VersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    note = serializers.CharField(allow_blank=True)


class InspectionSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    programme = serializers.SlugField(source="programme.slug")
    force = serializers.CharField(source="force.code")
    force_name = serializers.CharField(source="force.name")
    status = serializers.CharField()
    published_versions = VersionSerializer(many=True, source="versions_published")


class FigureRowSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(["inspection", "offence_group", "region", "programme"])
    inspection = serializers.CharField(allow_null=True)
    force = serializers.CharField(allow_null=True)
    region = serializers.CharField(required=False)
    offence_group = serializers.CharField(allow_null=True)
    metric = serializers.CharField()
    numerator = serializers.IntegerField(allow_null=True)
    denominator = serializers.IntegerField(allow_null=True)
    rate = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    reliable = serializers.BooleanField(allow_null=True)
    weighted = serializers.BooleanField(required=False)
    estimated_unrecorded = serializers.IntegerField(required=False, allow_null=True)
    estimated_unrecorded_low = serializers.IntegerField(required=False, allow_null=True)
    estimated_unrecorded_high = serializers.IntegerField(required=False, allow_null=True)
    suppressed = serializers.BooleanField(required=False)


class FiguresSerializer(serializers.Serializer):
    """Live figures (staff) or one published version (anyone who may read it)."""

    status = serializers.ChoiceField(["draft — not published", "published"])
    method = serializers.CharField()
    confidence = serializers.FloatField()
    inspection = serializers.CharField(required=False)
    programme = serializers.CharField(required=False)
    version = serializers.IntegerField(required=False)
    published_at = serializers.DateTimeField(required=False)
    note = serializers.CharField(required=False)
    rows = FigureRowSerializer(many=True)
