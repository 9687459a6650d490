"""Static charts of a published version (PNG), for its page and its PDF alike.

Each chart draws the figures that were published and leaves suppressed ones out,
saying how many in its own footnote, so a chart never hints at a small count.
matplotlib is imported when a chart is drawn, not when the site starts.
"""

import io

from inspect_app.compliance.models import Metric
from inspect_app.publication import presenting
from inspect_app.publication.suppression import minimum_count

BLUE = "#1d70b8"
GREY = "#505a5f"
BLACK = "#0b0c0c"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    return pyplot


def left_out_note(count):
    if not count:
        return ""
    things = "figure" if count == 1 else "figures"
    return (
        f"{count} {things} with fewer than {minimum_count()} cases suppressed "
        "and left out of this chart."
    )


def _interval_chart(shown, title, note, width=7.0):
    """Each figure as a dot with its interval, 0–100%: the interval, never the dot alone."""
    pyplot = _pyplot()
    height = 1.2 + 0.42 * max(len(shown), 1)
    figure, axes = pyplot.subplots(figsize=(width, height), dpi=110)
    names = [item.name for item in shown]
    rates = [item.row["rate"] * 100 for item in shown]
    lows = [(item.row["rate"] - item.row["ci_low"]) * 100 for item in shown]
    highs = [(item.row["ci_high"] - item.row["rate"]) * 100 for item in shown]
    positions = list(range(len(shown)))[::-1]
    colours = [BLUE if item.row["reliable"] else GREY for item in shown]
    if shown:
        for rate, position, low, high, colour in zip(
            rates, positions, lows, highs, colours, strict=True
        ):
            axes.errorbar(
                [rate],
                [position],
                xerr=[[low], [high]],
                fmt="none",
                ecolor=colour,
                elinewidth=2,
                capsize=4,
            )
        axes.scatter(rates, positions, color=colours, zorder=3, s=36)
    else:
        axes.text(50, 0, "Every figure here is suppressed", ha="center", va="center")
    axes.set_yticks(positions, names)
    axes.set_xlim(0, 100)
    axes.set_xlabel("Rate (%), with its 95% interval; grey: not statistically reliable")
    axes.set_title(title, loc="left", fontsize=11, color=BLACK)
    axes.grid(axis="x", color="#dddddd")
    axes.spines[["top", "right"]].set_visible(False)
    if note:
        figure.text(0.01, 0.01, note, fontsize=8, color=GREY)
    figure.tight_layout(rect=(0, 0.05 if note else 0, 1, 1))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    pyplot.close(figure)
    return buffer.getvalue()


def six_figures_png(rows):
    cards = presenting.cards(rows)
    shown = [card for card in cards if not card.suppressed]
    note = left_out_note(len(cards) - len(shown))
    return _interval_chart(shown, "The six figures", note)


def offence_group_png(rows, metric):
    members = next(
        (found for _, each, found in presenting.by_offence_group(rows) if each == metric), []
    )
    shown = [item for item in members if not item.suppressed]
    note = left_out_note(len(members) - len(shown))
    return _interval_chart(shown, f"{Metric(metric).label} by offence group", note)
