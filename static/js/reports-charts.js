// Charts for the report pages, drawn with the vendored Chart.js (static/vendor/chart.js).
// External file: the CSP forbids inline script. Each chart is a <canvas data-chart="kind"
// data-source="id"> whose data is in <script type="application/json" id="id"> written by
// Django's json_script; every chart has a table with the same figures next to it, so the page
// works without JavaScript and with a screen reader.
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var BLUE = "#1d70b8", DARK_BLUE = "#003078", RED = "#d4351c", GREY = "#505a5f", GREEN = "#00703c";

  function pounds(value) {
    return "£" + Number(value).toLocaleString("en-GB", { maximumFractionDigits: 0 });
  }

  function readData(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-source"));
    if (!source) { return null; }
    try { return JSON.parse(source.textContent); } catch (e) { return null; }
  }

  function baseOptions(extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 400 },
      plugins: {
        legend: { position: "bottom" },
        tooltip: { callbacks: { label: function (ctx) {
          var value = ctx.parsed.y !== undefined && ctx.chart.options.indexAxis !== "y" ? ctx.parsed.y : ctx.parsed.x;
          return ctx.dataset.label + ": " + pounds(value);
        } } }
      },
      // A value axis always starts at zero, so bar lengths compare honestly.
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return pounds(v); } } } }
    };
    for (var key in extra) { if (Object.prototype.hasOwnProperty.call(extra, key)) { options[key] = extra[key]; } }
    return options;
  }

  var draw = {
    // Commitment in each month (bars) and the cumulative commitment against the budget (lines).
    months: function (canvas, data) {
      var d = data.months;
      return new window.Chart(canvas, {
        data: {
          labels: d.labels,
          datasets: [
            { type: "line", label: "Budget to date", data: d.cumulative_budget, borderColor: GREY, borderDash: [6, 4], pointRadius: 0, yAxisID: "y" },
            { type: "line", label: "Commitment to date", data: d.cumulative_commitment, borderColor: DARK_BLUE, backgroundColor: DARK_BLUE, yAxisID: "y" },
            { type: "bar", label: "Commitment in the month", data: d.commitment, backgroundColor: BLUE, yAxisID: "y" }
          ]
        },
        options: baseOptions({})
      });
    },
    // Budget and commitment for each budget line.
    split: function (canvas, data) {
      var d = data.split;
      var options = baseOptions({ indexAxis: "y" });
      options.scales = { x: { beginAtZero: true, ticks: { callback: function (v) { return pounds(v); } } } };
      return new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: [
            { label: "Budget", data: d.budget, backgroundColor: GREY },
            { label: "Commitment", data: d.commitment, backgroundColor: d.commitment.map(function (c, i) { return c > d.budget[i] ? RED : GREEN; }) }
          ]
        },
        options: options
      });
    },
    // The monthly snapshots: commitment as it was known each month against the budget.
    trend: function (canvas, data) {
      return new window.Chart(canvas, {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            { label: "Budget", data: data.budget, borderColor: GREY, borderDash: [6, 4], pointRadius: 0 },
            { label: "Commitment at the snapshot", data: data.commitment, borderColor: RED, backgroundColor: RED }
          ]
        },
        options: baseOptions({})
      });
    }
  };

  var canvases = document.querySelectorAll("canvas[data-chart]");
  for (var i = 0; i < canvases.length; i++) {
    var canvas = canvases[i];
    var kind = canvas.getAttribute("data-chart");
    var data = readData(canvas);
    if (data && draw[kind]) {
      canvas.removeAttribute("hidden");
      draw[kind](canvas, data);
    }
  }
})();
