// Render every chart of the page from the specs embedded in #hashtide-charts.
(function () {
  const specs = JSON.parse(document.getElementById("hashtide-charts").textContent);
  const pending = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    const spec = specs[el.dataset.chart];
    if (!spec) return;
    pending.push(window.vegaEmbed(el, spec, { renderer: "svg", actions: false })
      .catch(function (err) { console.error("chart " + el.dataset.chart + ": " + err); }));
  });
  Promise.all(pending).then(function () { document.body.dataset.chartsReady = "yes"; });
})();
