// Themes over phases: a line chart drawn from the same figures as the table under it.
(() => {
  "use strict";
  const canvas = document.getElementById("phase-chart");
  const source = document.getElementById("phase-chart-data");
  if (!canvas || !source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const dashes = [[], [6, 3], [2, 2], [8, 3, 2, 3]];
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: data.datasets.map((set, i) => ({
        label: set.label,
        data: set.data,
        borderColor: set.colour,
        backgroundColor: set.colour,
        // Line styles and point shapes vary too, so colour is not the only cue.
        borderDash: dashes[i % dashes.length],
        pointStyle: ["circle", "rect", "triangle", "rectRot", "star", "crossRot"][i % 6],
        pointRadius: 4,
        tension: 0.2,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "right", labels: { usePointStyle: true } } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
