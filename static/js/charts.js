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

  function configFor(container) {
    return {
      responsive: true,
      displaylogo: false,
      displayModeBar: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
      toImageButtonOptions: {
        format: "png",
        filename: container.getAttribute("data-chart-filename") || "chart",
        scale: 2,
      },
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
