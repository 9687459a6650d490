"""Finding a force from what a person typed: its ONS code or its name."""

from django.db.models import Q

from forces.models import Force


class UnknownForce(LookupError):
    def __init__(self, text):
        super().__init__(f"unknown force {text!r}: give an ONS code such as E23000028 or a name")


def force_by_code_or_name(text):
    """The force whose code or name is ``text`` (case and surrounding spaces ignored)."""
    wanted = (text or "").strip()
    force = Force.objects.filter(Q(code__iexact=wanted) | Q(name__iexact=wanted)).first()
    if force is None:
        raise UnknownForce(text)
    return force
