"""Template helpers for the figure pages: percentages, date ranges, charts, tables."""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.formats import date_format

register = template.Library()


@register.simple_tag
def plotly_script_url():
    """Where the page loads plotly.js from: the basic bundle where it is installed."""
    return static(settings.PLOTLY_SCRIPT)


@register.filter
def percent(value, places=1):
    """0.9167 → '91.7%'; no value → 'no figure'."""
    if value is None or value == "":
        return "no figure"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def points(value):
    """A change of rate in percentage points, signed: 0.1655 → '+16.6 points'."""
    if value is None or value == "":
        return ""
    number = float(value) * 100
    sign = "+" if number > 0 else "−" if number < 0 else ""
    return f"{sign}{abs(number):.1f} points"


@register.filter
def crimes(value):
    """An estimated number of crimes, rounded to a whole number with thousands separated."""
    if value is None or value == "":
        return "no upper limit"
    return f"{round(float(value)):,}"


@register.filter
def date_range(start, end):
    """'1 Apr 2014 to 31 Mar 2015', 'From 1 Apr 2014', 'Until …', or 'Not set' said once."""
    if start and end:
        return f"{date_format(start)} to {date_format(end)}"
    if start:
        return f"From {date_format(start)}"
    if end:
        return f"Until {date_format(end)}"
    return "Not set"


@register.inclusion_tag("dashboard/_chart.html")
def chart(chart):
    return {"chart": chart}


@register.inclusion_tag("dashboard/_figure_table.html", takes_context=True)
def figure_table(context, name, heading, description=""):
    """A table of figures with its heading and CSV/XLSX download links."""
    return {
        "request": context["request"],
        "table": context["tables"][name],
        "name": name,
        "heading": heading,
        "description": description,
        "export_formats": context.get("export_formats", ("csv",)),
    }
