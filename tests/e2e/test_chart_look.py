"""Every chart as a reader sees it: marks that show, text inside the drawing, headings that fit.

Each figure page is drawn by plotly in Chromium at a desktop and a phone
width, saved as a screenshot under test-artifacts/, and read back from the
rendered SVG (computed styles and boxes, not the figure's JSON):

- every bar and point must stand out from the plot's background: not the
  background's colour (or too close to it), not zero-sized, not transparent;
- every axis title, tick label, outlier name and the key must lie inside the
  drawing, and no two outlier names may overlap;
- the chart's heading, the section heading above it and its value axis must
  say what the drawn values are: the table's rates, or the share falling
  short of them (100% minus the rate), never one under the other's name.
"""

import re

import pytest
from django.urls import reverse

from tests.dashboard.builders import published_2014
from tests.e2e.test_dashboards import open_and_wait_for_charts

WIDTHS = (1280, 375)
#: A mark at a contrast below this against the background is as good as invisible.
MINIMUM_CONTRAST = 1.5
#: Words that name the share falling short rather than the rate itself.
SHORTFALL_WORDS = ("under-recording", "not recorded", "falling short", "shortfall")

# Read in the page: for every chart, what was drawn and where, with computed styles.
READ_CHARTS = """
() => [...document.querySelectorAll("figure.chart")].map((figure) => {
  const plot = figure.querySelector("[data-chart-source]");
  const svg = plot.querySelector(".main-svg");
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
            width: r.width, height: r.height, text: element.textContent.trim()};
  };
  const background = plot.querySelector(".bglayer rect.bg");
  const marks = [...plot.querySelectorAll(
    ".barlayer .point path, .scatterlayer .trace .points path.point")].map((mark) => {
    const style = getComputedStyle(mark);
    let opacity = 1;
    for (let node = mark; node && node !== svg; node = node.parentElement) {
      opacity *= parseFloat(getComputedStyle(node).opacity || "1");
    }
    const size = mark.getBBox();
    // plotly binds each bar's value (its length, "s") to the bar's group.
    const datum = (mark.closest(".barlayer .point") || {}).__data__;
    return {barValue: datum ? datum.s : null, fill: style.fill,
            fillOpacity: parseFloat(style.fillOpacity),
            stroke: style.stroke, strokeWidth: parseFloat(style.strokeWidth),
            strokeOpacity: parseFloat(style.strokeOpacity), opacity,
            width: size.width, height: size.height};
  });
  // The section heading: the last h2 before the chart in reading order.
  const section = [...document.querySelectorAll("h2")]
    .filter((h2) => h2.compareDocumentPosition(figure) & Node.DOCUMENT_POSITION_FOLLOWING)
    .pop();
  const marked = plot.data.filter((trace) =>
    trace.type === "bar" || (trace.mode || "").includes("markers"));
  const horizontal = marked.some((trace) => trace.orientation === "h");
  const link = figure.querySelector("figcaption a[href^='#table-']");
  const table = link && document.querySelector(link.getAttribute("href") + " table");
  let rates = [];
  if (table) {
    const headers = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    const column = headers.findIndex((text) => /^Rate/.test(text));
    rates = [...table.querySelectorAll("tbody tr")].map(
      (row) => row.children[column].textContent.trim());
  }
  return {
    id: plot.id,
    svg: box(svg),
    background: getComputedStyle(background || svg)[background ? "fill" : "backgroundColor"],
    marks,
    texts: [...plot.querySelectorAll(
      ".g-xtitle text, .g-ytitle text, .xtick text, .ytick text, .annotation, .legend")]
      .map(box),
    annotations: [...plot.querySelectorAll(".annotation-text-g")].map(box),
    heading: figure.querySelector("#" + plot.id + "-title").textContent.trim(),
    section: section ? section.textContent.trim() : "",
    valueAxis: (plot.querySelector(horizontal ? ".g-xtitle" : ".g-ytitle") || {textContent: ""})
      .textContent.trim(),
    values: marked.flatMap((trace) => horizontal ? trace.x : trace.y),
    rates,
  };
})
"""


@pytest.fixture
def stored(transactional_db, programme, inspection_a, inspection_b):
    return published_2014(programme, inspection_a, inspection_b)


def chart_pages(programme, force):
    return {
        "programme": reverse("programme-detail", args=[programme.slug]),
        "offence": reverse("offence-detail", args=[programme.slug, "rape"]),
        "force": force.get_absolute_url(),
        "inspection": reverse("inspection-detail", args=["essex-test"]),
        # Another figure: its name, not the recording rate's, must head its charts.
        "programme-no-crimes": reverse("programme-detail", args=[programme.slug])
        + "?metric=no_crime_accuracy",
    }


def rgb(colour):
    """'rgb(29, 112, 184)' (or rgba) → (29, 112, 184, alpha); None for none or a pattern."""
    found = re.match(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", colour or "")
    if not found:
        return None
    red, green, blue, alpha = found.groups()
    return float(red), float(green), float(blue), float(alpha if alpha is not None else 1)


def contrast(first, second):
    """The WCAG contrast ratio of two colours, 1 (the same) to 21 (black on white)."""

    def luminance(colour):
        channels = []
        for value in colour[:3]:
            value /= 255
            channels.append(value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4)
        red, green, blue = channels
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def paint_shows(colour, opacity, background):
    """Whether a fill or stroke is painted in something that stands out from the background."""
    if colour in ("", "none") or opacity <= 0:
        return False
    if colour.startswith("url("):
        return True  # a hatched pattern: black lines on the fill
    parsed = rgb(colour)
    return bool(parsed and parsed[3] > 0 and contrast(parsed, background) >= MINIMUM_CONTRAST)


def invisible_marks(chart):
    background = rgb(chart["background"])
    faults = []
    for mark in chart["marks"]:
        filled = paint_shows(mark["fill"], mark["fillOpacity"], background)
        outlined = mark["strokeWidth"] > 0 and paint_shows(
            mark["stroke"], mark["strokeOpacity"], background
        )
        if mark["barValue"] == 0 and max(mark["width"], mark["height"]) > 0:
            continue  # a bar of nothing (none fell short) truly has no length
        if mark["opacity"] <= 0 or mark["width"] <= 0 or mark["height"] <= 0:
            faults.append(f"zero size or opacity: {mark}")
        elif not (filled or outlined):
            faults.append(f"drawn in the background's colour: {mark}")
    return faults


def outside(inner, outer, slack=1.0):
    return (
        inner["left"] < outer["left"] - slack
        or inner["top"] < outer["top"] - slack
        or inner["right"] > outer["right"] + slack
        or inner["bottom"] > outer["bottom"] + slack
    )


def overlap(first, second):
    return not (
        first["right"] <= second["left"]
        or second["right"] <= first["left"]
        or first["bottom"] <= second["top"]
        or second["bottom"] <= first["top"]
    )


def clipped_text(chart):
    faults = [
        f"“{text['text'][:40]}” runs outside the drawing"
        for text in chart["texts"]
        if text["width"] > 0 and outside(text, chart["svg"])
    ]
    labels = chart["annotations"]
    for index, first in enumerate(labels):
        for second in labels[index + 1 :]:
            if overlap(first, second):
                faults.append(f"“{first['text']}” overlaps “{second['text']}”")
    return faults


def percent_value(text):
    found = re.match(r"([\d.]+)%", text)
    return round(float(found.group(1)), 1) if found else None


def what_is_drawn(chart):
    """'rate' if the drawn values are the table's rates, 'shortfall' if 100% minus them."""
    rates = {percent_value(text) for text in chart["rates"]} - {None}
    drawn = [round(value * 100, 1) for value in chart["values"]]
    assert rates and drawn, f"{chart['id']}: no table rates or no drawn values to compare"

    def matches(values):
        return all(any(abs(value - rate) <= 0.11 for rate in rates) for value in values)

    kinds = set()
    if matches(drawn):
        kinds.add("rate")
    if matches([100 - value for value in drawn]):
        kinds.add("shortfall")
    assert len(kinds) == 1, f"{chart['id']}: drawn {drawn} against the table's rates {rates}"
    return kinds.pop()


def says(text, metric_label):
    """'shortfall', 'rate' or '' (neither): what a heading or axis title claims to show."""
    lowered = text.lower()
    if any(word in lowered for word in SHORTFALL_WORDS):
        return "shortfall"
    if metric_label.lower() in lowered:
        return "rate"
    return ""


def wording_faults(chart, metric_label):
    drawn = what_is_drawn(chart)
    faults = []
    if says(chart["heading"], metric_label) != drawn:
        faults.append(f"heading “{chart['heading']}” does not say it shows the {drawn}")
    if says(chart["valueAxis"], metric_label) != drawn:
        faults.append(f"axis “{chart['valueAxis']}” does not say it shows the {drawn}")
    if says(chart["section"], metric_label) not in ("", drawn):
        faults.append(f"section “{chart['section']}” names the other figure over the {drawn}")
    return faults


def test_every_chart_shows_its_marks_fits_its_text_and_says_what_it_shows(
    live_server, sign_in, page, screenshot, stored, lead_user, force_a
):
    sign_in(lead_user)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for label, path in chart_pages(stored, force_a).items():
            expected = open_and_wait_for_charts(page, live_server.url + path)
            screenshot(f"{label}-{width}")
            metric_label = page.locator("#id_metric option:checked").inner_text().strip()
            charts = page.evaluate(READ_CHARTS)
            assert len(charts) == expected >= 1, label
            for chart in charts:
                where = f"{label} at {width} px, {chart['id']}"
                assert chart["marks"], f"{where}: nothing drawn"
                assert not invisible_marks(chart), f"{where}: {invisible_marks(chart)}"
                assert not clipped_text(chart), f"{where}: {clipped_text(chart)}"
                assert not wording_faults(chart, metric_label), (
                    f"{where}: {wording_faults(chart, metric_label)}"
                )


def test_the_checks_see_what_a_reader_would():
    """The judgements above, on made-up readings: each fault is caught, the good ones pass."""
    white = "rgb(255, 255, 255)"
    chart = {
        "background": white,
        "marks": [
            {"fill": white, "fillOpacity": 1, "stroke": "rgb(11, 12, 11)", "strokeWidth": 2}
            | {"barValue": None}
            | {"strokeOpacity": 1, "opacity": 1, "width": 12, "height": 12}
        ],
    }
    assert not invisible_marks(chart)
    chart["marks"][0]["stroke"] = white
    assert invisible_marks(chart)
    chart["marks"][0]["stroke"] = "rgb(250, 250, 250)"
    assert invisible_marks(chart)  # near-white on white is no better

    svg = {"left": 0, "top": 0, "right": 100, "bottom": 100}
    title = {"left": 50, "top": 90, "right": 130, "bottom": 99, "width": 80, "text": "Share"}
    assert clipped_text({"svg": svg, "texts": [title], "annotations": []})

    shortfall = {
        "id": "chart",
        "rates": ["91.7%", "76.9%"],
        "values": [0.083, 0.231],
        "heading": "Recording rate by offence group",
        "valueAxis": "Share not recorded",
        "section": "",
    }
    assert wording_faults(shortfall, "Recording rate")
    shortfall["heading"] = "Under-recording by offence group"
    assert not wording_faults(shortfall, "Recording rate")
    shortfall["section"] = "Recording rate by offence group"
    assert wording_faults(shortfall, "Recording rate")
