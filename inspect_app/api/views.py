"""The read-only API: programmes, inspections and their figures, as the pages show them.

Every answer goes through ``visible_to`` and the questions of ``accounts.access``:
staff read live figures (marked as a draft, and each answer audited as a disclosure)
and any published version; a commissioner reads their own force's published versions
only, small counts suppressed, and nothing of another force (404).
"""

import json

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from inspect_app.accounts import access, audit
from inspect_app.api.serializers import (
    FiguresSerializer,
    InspectionSerializer,
    ProgrammeSerializer,
)
from inspect_app.compliance import figures
from inspect_app.compliance.report_rows import report_document
from inspect_app.core import stats
from inspect_app.inspections.models import Inspection, Programme
from inspect_app.publication import reading

DRAFT = reading.DRAFT_MARK
VERSION_PARAMETER = OpenApiParameter(
    "version", int, description="A published version's number (the latest by default)."
)
PUBLISHED_PARAMETER = OpenApiParameter(
    "published", bool, description="Staff: the published version instead of live figures."
)
METHOD_PARAMETERS = [
    OpenApiParameter("method", str, enum=["wilson", "normal", "exact"]),
    OpenApiParameter("confidence", float, description="Between 0 and 1; default 0.95."),
]


# The middleware's sign-in check would send a token request to the sign-in page: the API
# authenticates each request itself (a token, or a session that passed its second factor).
@method_decorator(login_not_required, name="dispatch")
class ReadOnlyView(APIView):
    http_method_names = ["get", "head", "options"]


def _presentation(request):
    method = request.query_params.get("method", "wilson")
    try:
        confidence = float(request.query_params.get("confidence", "0.95"))
        figures.check_presentation(method, confidence)
    except (ValueError, stats.StatsError) as error:
        raise exceptions.ValidationError({"detail": f"{error}"}) from None
    return method, confidence


def _version_number(request):
    raw = request.query_params.get("version")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise exceptions.ValidationError({"version": "A version is a whole number from 1."})
    return int(raw)


def _live_document(request, stored, subject, **where):
    method, confidence = _presentation(request)
    presented = figures.present(sorted(stored, key=figures.presentation_order), method, confidence)
    # Live figures leave the service over the API: a disclosure to this reader.
    audit.disclosed(request, subject=subject, page="api", format="json")
    programme = subject if isinstance(subject, Programme) else subject.programme
    document = report_document(presented, programme=programme, method=method, confidence=confidence)
    return {"status": DRAFT, **where, **document}


def _published(version):
    """A version's document as JSON bytes, made once and kept for good: it never changes."""
    body = reading.kept_for_good(
        reading.version_key(version, "api"),
        lambda: json.dumps({"status": "published", **reading.document(version)}).encode(),
    )
    return HttpResponse(body, content_type="application/json")


class ProgrammeList(ReadOnlyView):
    @extend_schema(responses=ProgrammeSerializer(many=True), summary="Programmes you may read")
    def get(self, request):
        programmes = Programme.objects.visible_to(request.user).distinct().order_by("slug")
        return Response(ProgrammeSerializer(programmes, many=True).data)


class InspectionList(ReadOnlyView):
    @extend_schema(
        responses=InspectionSerializer(many=True),
        parameters=[OpenApiParameter("programme", str)],
        summary="Inspections you may read, with their published versions",
    )
    def get(self, request):
        inspections = (
            Inspection.objects.visible_to(request.user)
            .select_related("programme", "force")
            .order_by("programme__slug", "slug")
        )
        if request.query_params.get("programme"):
            inspections = inspections.filter(programme__slug=request.query_params["programme"])
        inspections = list(inspections)
        versions = {}
        for version in reading.versions_visible_to(request.user).filter(inspection__in=inspections):
            versions.setdefault(version.inspection_id, []).append(version)
        for inspection in inspections:
            inspection.versions_published = sorted(
                versions.get(inspection.pk, []), key=lambda v: v.number
            )
        return Response(InspectionSerializer(inspections, many=True).data)


class InspectionFigures(ReadOnlyView):
    @extend_schema(
        responses=FiguresSerializer,
        parameters=[PUBLISHED_PARAMETER, VERSION_PARAMETER, *METHOD_PARAMETERS],
        summary="One inspection's figures: live for staff, published for commissioners",
    )
    def get(self, request, slug):
        number = _version_number(request)
        wants_published = request.query_params.get("published") in ("1", "true", "yes")
        if access.reads_live_figures(request.user) and not (wants_published or number):
            inspection = Inspection.objects.visible_to(request.user).filter(slug=slug).first()
            if inspection is None:
                raise Http404("No such inspection.")
            stored = figures.stored_figures(request.user, inspection=inspection)
            return Response(_live_document(request, stored, inspection, inspection=slug))
        # The version and the right to read it in one query (a version is visible exactly
        # when its inspection is); the reason for a 404 only when there is none.
        version = reading.published_version(request.user, slug, number)
        if version is not None:
            return _published(version)
        if not Inspection.objects.visible_to(request.user).filter(slug=slug).exists():
            raise Http404("No such inspection.")
        raise Http404("Not yet published." if number is None else "No such published version.")


class ProgrammeFigures(ReadOnlyView):
    @extend_schema(
        responses=FiguresSerializer,
        parameters=METHOD_PARAMETERS,
        summary="A programme's live figures: every force, region and the nation (staff only)",
    )
    def get(self, request, slug):
        if not access.reads_live_figures(request.user):
            raise exceptions.PermissionDenied(
                "Programme figures compare every force: they are for the inspectorate's staff."
            )
        programme = Programme.objects.visible_to(request.user).filter(slug=slug).first()
        if programme is None:
            raise Http404("No such programme.")
        stored = figures.stored_figures(request.user, programme=programme)
        return Response(_live_document(request, stored, programme, programme=slug))


@extend_schema(exclude=True)
def docs_page(request):
    """The API's reference, rendered here from its own OpenAPI document (no CDN)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    return render(request, "api/docs.html", {"schema": schema, "operations": operations})
