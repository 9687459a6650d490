"""How the reader asks for figures to be shown: interval method, confidence and figure.

The choice lives in the query string (``?method=exact&confidence=0.99``) so a
view can be shared by copying its address. A value the form does not know is
never an error page: the reader is told what was wrong and gets the default.
"""

from dataclasses import dataclass, field

from django import forms

from inspect_app.compliance.models import Metric

DEFAULT_METHOD = "wilson"
DEFAULT_CONFIDENCE = 0.95
DEFAULT_METRIC = Metric.RECORDING_RATE.value

METHOD_CHOICES = (
    ("wilson", "Wilson score (default)"),
    ("normal", "Normal (±, as published)"),
    ("exact", "Exact (Clopper-Pearson)"),
)
METHOD_NAMES = {
    "wilson": "Wilson score",
    "normal": "normal (±)",
    "exact": "exact (Clopper-Pearson)",
}
# Levels a reader can pick; 99.8% matches the outer limit of the funnel plot.
CONFIDENCE_CHOICES = (("0.9", "90%"), ("0.95", "95%"), ("0.99", "99%"), ("0.998", "99.8%"))


class PresentationForm(forms.Form):
    """The GET form at the top of every figures page."""

    metric = forms.ChoiceField(label="Figure", choices=Metric.choices, required=False)
    method = forms.ChoiceField(label="Interval method", choices=METHOD_CHOICES, required=False)
    confidence = forms.TypedChoiceField(
        label="Confidence",
        choices=CONFIDENCE_CHOICES,
        coerce=float,
        required=False,
        empty_value=None,
    )


@dataclass(frozen=True)
class Presentation:
    """The method, confidence and figure a page shows, after falling back from bad input."""

    method: str = DEFAULT_METHOD
    confidence: float = DEFAULT_CONFIDENCE
    metric: str = DEFAULT_METRIC
    problems: tuple[str, ...] = field(default=())

    @property
    def metric_label(self) -> str:
        return Metric(self.metric).label

    @property
    def method_name(self) -> str:
        return METHOD_NAMES[self.method]

    @property
    def confidence_percent(self) -> str:
        return f"{self.confidence * 100:g}%"

    def describe(self) -> str:
        """E.g. '95% Wilson score interval'."""
        return f"{self.confidence_percent} {self.method_name} interval"


def read_presentation(query) -> tuple[PresentationForm, Presentation]:
    """Read ``method``, ``confidence`` and ``metric`` from a query string.

    Each field that is missing or not understood takes its default; for a
    value not understood, a sentence saying so is kept for the page.
    """
    form = PresentationForm(query)
    form.is_valid()  # errors are reported as problems, never raised
    cleaned = form.cleaned_data
    problems = []
    defaults = {
        "method": (DEFAULT_METHOD, "Wilson score"),
        "confidence": (DEFAULT_CONFIDENCE, "95%"),
        "metric": (DEFAULT_METRIC, Metric(DEFAULT_METRIC).label.lower()),
    }
    chosen = {}
    for name, (default, default_words) in defaults.items():
        if name in form.errors:
            label = form.fields[name].label
            problems.append(
                f"{label}: “{str(query.get(name, ''))[:40]}” is not one of the choices. "
                f"Showing {default_words} instead."
            )
            chosen[name] = default
        else:
            value = cleaned.get(name)
            chosen[name] = default if value in (None, "") else value
    shown = PresentationForm(
        {name: ("" if value is None else str(value)) for name, value in chosen.items()}
    )
    shown.is_valid()  # bound to what is shown, so each select marks the choice in use
    return shown, Presentation(problems=tuple(problems), **chosen)


# --- the funnel's method (programme pages) ---------------------------------------------------

FUNNEL_CHOICES = (
    ("exact", "Exact binomial limits (default)"),
    ("overdispersed", "Adjusted for overdispersion"),
)


class FunnelMethodForm(forms.Form):
    """The funnel plot's limits: exact binomial, or widened for the forces' overdispersion."""

    funnel = forms.ChoiceField(label="Funnel limits", choices=FUNNEL_CHOICES, required=False)


def read_funnel_method(query) -> tuple[FunnelMethodForm, str, list[str]]:
    """(form bound to what is shown, method, problems) from ``?funnel=``."""
    form = FunnelMethodForm(query)
    problems = []
    if form.is_valid():
        method = form.cleaned_data.get("funnel") or FUNNEL_CHOICES[0][0]
    else:
        method = FUNNEL_CHOICES[0][0]
        problems.append(
            f"Funnel limits: “{str(query.get('funnel', ''))[:40]}” is not one of the choices. "
            "Showing exact binomial limits instead."
        )
    shown = FunnelMethodForm({"funnel": method})
    shown.is_valid()
    return shown, method, problems
