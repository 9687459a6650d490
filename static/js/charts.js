/*
 * Draws every chart on the page from the JSON beside it.
 *
 * Each chart is a <div data-chart-source="ID"> and a
 * <script type="application/json" id="ID"> holding a plotly figure built in
 * Python (inspect_app/dashboard/charts.py). The JSON is data, never run, so
 * pages need no inline script and work under a Content Security Policy
 * without 'unsafe-inline' or 'unsafe-eval'.
 */
(function () {
  "use strict";

  // The chart's heading is the page's, above the plot (a title inside the
  // plot cannot wrap, so a phone clipped it); a downloaded PNG carries it.
  function headingOf(container) {
    var heading = document.getElementById(container.id + "-title");
    return heading ? heading.textContent.trim() : "";
  }

  function downloadWithHeading(graph) {
    var layout = Object.assign({}, graph.layout, {
      title: { text: headingOf(graph), x: 0, xanchor: "left", automargin: true },
    });
    window.Plotly.downloadImage(
      { data: graph.data, layout: layout },
      {
        format: "png",
        filename: graph.getAttribute("data-chart-filename") || "chart",
        width: graph.offsetWidth,
        height: graph.offsetHeight + 40,
        scale: 2,
      }
    );
  }

  function configFor() {
    return {
      responsive: true,
      displaylogo: false,
      displayModeBar: true,
      modeBarButtonsToRemove: ["toImage", "select2d", "lasso2d", "autoScale2d"],
      modeBarButtonsToAdd: [
        {
          name: "Download plot as a PNG",
          icon: window.Plotly.Icons.camera,
          click: downloadWithHeading,
        },
      ],
    };
  }

  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-chart-source"));
    if (!source) {
      return;
    }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(container, figure.data, figure.layout || {}, configFor(container)).then(
      function () {
        container.setAttribute("data-chart-drawn", "true");
      }
    );
  }

  function drawAll() {
    if (!window.Plotly) {
      return; // plotly.js did not load: the tables beside each chart still give every number
    }
    var containers = document.querySelectorAll("[data-chart-source]");
    for (var index = 0; index < containers.length; index += 1) {
      draw(containers[index]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
