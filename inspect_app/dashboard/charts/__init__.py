"""Every chart of the dashboard, built in Python from rows of stored figures.

One module per kind of chart (``bars``, ``trend``, ``funnel``), and ``drawing``
for what they all share; pages import the chart they draw from its module.

Pages embed a chart as JSON (``drawing.Chart.json``) in a ``<script
type="application/json">`` element; ``static/js/charts.js`` draws it with
``Plotly.newPlot``. No executable script is ever written into a page, so the
site can run under a Content Security Policy without 'unsafe-inline'.

Every bar and point carries its interval as an error bar, and its hover text
says in words whether the figure is reliable. Reliability is also drawn as a
shape (a hatched bar, a hollow point) and named in the legend, so it never
rests on colour alone. The colours are the GOV.UK palette, the same on every
chart, and every mark is drawn in a colour that stands out from the white
background.

A chart's title is the page's heading above it (``_chart.html``), not text
inside the plot: plotly does not wrap a title, so on a phone one was clipped
and ran into the legend. ``static/js/charts.js`` puts the heading back into a
downloaded PNG. Axes set ``automargin`` so tick labels and axis titles always
fit inside the drawing.
"""
