// The surfaces board: move mirror items between the nine surfaces by drag and drop, or by
// keyboard (focus an item; arrow keys change column or time layer). Each move is posted to
// the item's place URL; the server answers JSON and the item moves in the page. Without
// this script, each item's "Move to" list does the same through a plain form.
(function () {
  "use strict";
  const board = document.querySelector(".surfaces-board");
  if (!board || board.dataset.canMove !== "1") return;
  const columns = ["mirror", "model", "ideas"];
  const layers = ["past", "present", "future"];
  const status = document.getElementById("board-status");

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      return match ? match[1] : "";
    }
  }

  function cellFor(column, layer) {
    return board.querySelector(
      '.surface-cell[data-column="' + column + '"][data-layer="' + layer + '"]'
    );
  }

  function announce(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function move(item, column, layer, position) {
    const body = new URLSearchParams({ column: column, layer: layer });
    if (position !== undefined && position !== null) body.set("position", String(position));
    return fetch(item.dataset.placeUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: body,
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error(data.error || "The item could not be moved.");
          return data;
        });
      })
      .then(function (data) {
        const cell = cellFor(column, layer);
        const list = cell.querySelector(".surface-items");
        const siblings = Array.from(list.children).filter(function (li) { return li !== item; });
        const before = siblings[data.order] || null;
        list.insertBefore(item, before);
        const select = item.querySelector(".board-move-select");
        if (select) select.value = column + ":" + layer;
        const title = cell.querySelector(".surface-title").textContent;
        item.setAttribute("aria-label", item.getAttribute("aria-label").replace(/\(on [^)]*\)$/, "(on " + title + ")"));
        item.focus();
        announce("Moved to " + title + ".");
      })
      .catch(function (error) { announce(error.message); });
  }

  board.addEventListener("keydown", function (event) {
    const item = event.target;
    if (!item.classList || !item.classList.contains("board-item")) return;
    const cell = item.closest(".surface-cell");
    let c = columns.indexOf(cell.dataset.column);
    let l = layers.indexOf(cell.dataset.layer);
    if (event.key === "ArrowLeft") c -= 1;
    else if (event.key === "ArrowRight") c += 1;
    else if (event.key === "ArrowUp") l -= 1;
    else if (event.key === "ArrowDown") l += 1;
    else return;
    event.preventDefault();
    if (c < 0 || c >= columns.length || l < 0 || l >= layers.length) {
      announce("No surface in that direction.");
      return;
    }
    move(item, columns[c], layers[l], null);
  });

  let dragged = null;
  board.addEventListener("dragstart", function (event) {
    const item = event.target.closest && event.target.closest(".board-item");
    if (!item) return;
    dragged = item;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.item);
  });
  board.addEventListener("dragover", function (event) {
    if (dragged && event.target.closest(".surface-cell")) event.preventDefault();
  });
  board.addEventListener("drop", function (event) {
    const cell = event.target.closest(".surface-cell");
    if (!dragged || !cell) return;
    event.preventDefault();
    const target = event.target.closest(".board-item");
    const items = Array.from(cell.querySelectorAll(".board-item")).filter(function (li) { return li !== dragged; });
    const position = target && target !== dragged ? items.indexOf(target) : items.length;
    move(dragged, cell.dataset.column, cell.dataset.layer, position);
    dragged = null;
  });

  const printButton = document.getElementById("print-board");
  if (printButton) printButton.addEventListener("click", function () { window.print(); });
})();
