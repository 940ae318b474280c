// Themes over phases: a bar chart drawn from the same figures as the table under it. Bars,
// not lines: phases are categories, and a line between them would invent values in between.
(() => {
  "use strict";
  const canvas = document.getElementById("phase-chart");
  const source = document.getElementById("phase-chart-data");
  if (!canvas || !source || typeof window.Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  new window.Chart(canvas, {
    type: data.type,
    data: {
      labels: data.labels,
      datasets: data.datasets.map((set) => ({
        label: set.label,
        data: set.data,
        backgroundColor: set.colour,
        borderColor: "#0b0c0c",
        borderWidth: 1,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: window.innerWidth < 768 ? "bottom" : "right" } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
