// Filter lists: a search box above each list of checkboxes hides the choices that do not
// match what is typed (the boxes stay ticked; only what is shown changes).
(() => {
  "use strict";
  document.querySelectorAll(".filter-list").forEach((list) => {
    const search = list.querySelector(".filter-search");
    const options = [...list.querySelectorAll(".form-check")];
    const none = list.querySelector(".filter-none");
    if (!search || !options.length) return;
    search.hidden = false;
    search.addEventListener("input", () => {
      const query = search.value.trim().toLowerCase();
      let shown = 0;
      options.forEach((option) => {
        const match = !query || option.textContent.toLowerCase().includes(query);
        option.hidden = !match;
        if (match) shown++;
      });
      if (none) none.hidden = shown > 0;
    });
    // Enter in the search box narrows the list; it must not submit the filters half-chosen.
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
  });
})();
