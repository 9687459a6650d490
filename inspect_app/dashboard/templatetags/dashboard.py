"""Template helpers for the figure pages: percentages, charts, tables with downloads."""

from django import template

register = template.Library()


@register.filter
def percent(value, places=1):
    """0.9167 → '91.7%'; no value → 'no figure'."""
    if value is None or value == "":
        return "no figure"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def crimes(value):
    """An estimated number of crimes, rounded to a whole number with thousands separated."""
    if value is None or value == "":
        return "no upper limit"
    return f"{round(float(value)):,}"


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
