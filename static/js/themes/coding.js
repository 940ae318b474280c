// The coding workspace: select text → pick a theme → saved without a reload.
//
// Offsets sent to the server are Unicode code points of the Source text, [start, end).
// The DOM gives UTF-16 offsets, so every length is converted by counting surrogate pairs.
// Each `.turn` carries data-start/data-end (code points); the text nodes inside its
// `.turn-text` concatenate to exactly source.text[start:end].
(() => {
  "use strict";
  const workspace = document.getElementById("coding-workspace");
  if (!workspace) return;

  const canEdit = workspace.dataset.canEdit === "1";
  const themes = JSON.parse(document.getElementById("themes-data").textContent);
  let recent = JSON.parse(document.getElementById("recent-themes").textContent);
  const urls = JSON.parse(document.getElementById("coding-urls").textContent);
  const picker = document.getElementById("theme-picker");
  const filter = document.getElementById("theme-filter");
  const options = document.getElementById("theme-options");
  const definition = document.getElementById("theme-definition");
  const pickerQuote = document.getElementById("theme-picker-quote");
  const panelBody = document.getElementById("coding-panel-body");
  const panel = document.getElementById("coding-panel");
  const status = document.getElementById("coding-status");
  const errorBox = document.getElementById("coding-error");
  const notice = document.getElementById("coding-notice");
  const codeSelectionButton = document.getElementById("code-selection");
  // What the panel has loaded so far, by coding id; it asks the server for the rest when a
  // passage is clicked, so a page with hundreds of codings does not carry them all.
  let codings = {};
  let pending = null; // {start, end}
  let currentTurn = null;
  let returnFocus = null;

  // --- code points --------------------------------------------------------------------

  /** Number of Unicode code points in a JS (UTF-16) string. */
  function codePointLength(text) {
    let count = 0;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) i++;
      }
      count++;
    }
    return count;
  }

  /** Code-point offset in the source of the boundary (node, offset) inside `turn`. */
  function boundaryOffset(turn, node, offset) {
    const textEl = turn.querySelector(".turn-text");
    const range = document.createRange();
    range.setStart(textEl, 0);
    range.setEnd(node, offset);
    // A withheld turn shows the withdrawal marker, not its words: never reach past its end
    // (the server refuses any coding on it, with a plain message).
    return Math.min(
      Number(turn.dataset.end),
      Number(turn.dataset.start) + codePointLength(range.toString()),
    );
  }

  /** [start, end) in code points for a DOM Range over the turns, or null. */
  function rangeOffsets(range) {
    const turns = [...workspace.querySelectorAll(".turn")].filter((turn) =>
      range.intersectsNode(turn.querySelector(".turn-text")),
    );
    if (!turns.length) return null;
    const first = turns[0];
    const last = turns[turns.length - 1];
    const firstText = first.querySelector(".turn-text");
    const lastText = last.querySelector(".turn-text");
    const start = firstText.contains(range.startContainer)
      ? boundaryOffset(first, range.startContainer, range.startOffset)
      : Number(first.dataset.start);
    const end = lastText.contains(range.endContainer)
      ? boundaryOffset(last, range.endContainer, range.endOffset)
      : Number(last.dataset.end);
    return start < end ? { start, end } : null;
  }

  // --- server -------------------------------------------------------------------------

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch {
      const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      return match ? decodeURIComponent(match[1]) : "";
    }
  }

  async function post(url, data) {
    const body = new FormData();
    Object.entries(data).forEach(([key, value]) => body.append(key, value));
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    });
    return answer(response);
  }

  /** The response's JSON, or an Error carrying the server's plain-words message. */
  async function answer(response) {
    if (!response.ok) {
      const message = (await response.text()) || `The server answered ${response.status}.`;
      throw new Error(message.length > 500 ? `The server answered ${response.status}.` : message);
    }
    return response.json();
  }

  function codingUrl(template, id) {
    return template.replace("/0/", `/${id}/`);
  }

  function announce(message) {
    status.textContent = message;
  }

  function showNotice(message) {
    notice.textContent = message;
    notice.classList.toggle("d-none", !message);
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.classList.toggle("d-none", !message);
  }

  function replaceTurns(html) {
    const focusedId = currentTurn ? currentTurn.id : null;
    document.getElementById("coding-turns").outerHTML = html;
    codings = {};
    initTurns(focusedId);
  }

  /** Swap in re-rendered turns (`<article class="turn">`s) by id, keeping the others. */
  function patchTurns(html) {
    const focusedId = currentTurn ? currentTurn.id : null;
    const template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll(".turn").forEach((fresh) => {
      const old = document.getElementById(fresh.id);
      if (old) old.replaceWith(fresh);
    });
    initTurns(focusedId);
  }

  /** Load into `codings` whichever of `ids` the panel has not loaded yet. */
  async function loadCodings(ids) {
    const missing = ids.filter((id) => !codings[id]);
    if (!missing.length) return;
    const response = await fetch(`${urls.codings}?ids=${missing.join(",")}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    Object.assign(codings, (await answer(response)).codings);
  }

  // --- the theme picker ---------------------------------------------------------------

  function orderedThemes(query) {
    const q = query.trim().toLowerCase();
    const matches = themes.filter(
      (t) => !q || t.name.toLowerCase().includes(q) || t.path.toLowerCase().includes(q),
    );
    const rank = (t) => {
      const r = recent.indexOf(t.id);
      return r === -1 ? recent.length : r;
    };
    return matches.sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path));
  }

  function optionButton(label, detail, colour, onPick, onFocus) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "theme-option";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.setAttribute("aria-hidden", "true");
    swatch.style.backgroundColor = colour;
    const name = document.createElement("span");
    name.className = "theme-option-name";
    name.textContent = label;
    button.append(swatch, name);
    if (detail) {
      const small = document.createElement("small");
      small.className = "d-block text-body-secondary";
      small.textContent = detail;
      button.append(small);
    }
    button.addEventListener("click", onPick);
    button.addEventListener("focus", onFocus);
    button.addEventListener("mouseenter", onFocus);
    li.append(button);
    return li;
  }

  function renderOptions() {
    const query = filter.value;
    options.replaceChildren();
    const list = orderedThemes(query);
    list.forEach((theme) => {
      const isRecent = recent.includes(theme.id);
      options.append(
        optionButton(
          theme.name,
          `${isRecent ? "Recent · " : ""}${theme.path}`,
          theme.colour,
          () => pick({ theme: theme.id }),
          () => {
            definition.textContent = theme.definition || "No definition yet.";
          },
        ),
      );
    });
    const name = query.trim();
    const exact = themes.some((t) => t.name.toLowerCase() === name.toLowerCase());
    if (name && !exact && canEdit) {
      options.append(
        optionButton(
          `Add new theme “${name}”`,
          "Emergent code: added to the codebook and applied",
          "#ffffff",
          () => pick({ new_theme: name }),
          () => {
            definition.textContent = "A new theme; a lead can define and place it later.";
          },
        ),
      );
    }
    if (!options.children.length) {
      const li = document.createElement("li");
      li.className = "small text-body-secondary";
      li.textContent = "No theme matches.";
      options.append(li);
    }
  }

  function openPicker(offsets, quoteText) {
    if (!canEdit) return;
    pending = offsets;
    returnFocus = document.activeElement;
    const quote = quoteText.length > 160 ? `${quoteText.slice(0, 160)}…` : quoteText;
    pickerQuote.textContent = `“${quote}” (characters ${offsets.start}–${offsets.end})`;
    filter.value = "";
    definition.textContent = "";
    renderOptions();
    picker.showModal();
    filter.focus();
  }

  function closePicker() {
    if (picker.open) picker.close();
    pending = null;
    if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
  }

  async function pick(choice) {
    if (!pending) return;
    const offsets = pending;
    closePicker();
    showError("");
    try {
      const result = await post(urls.create, { ...offsets, ...choice });
      const theme = result.theme;
      if (!themes.some((t) => t.id === theme.id)) {
        themes.push({ ...theme, path: theme.name, definition: "" });
      }
      recent = [theme.id, ...recent.filter((id) => id !== theme.id)].slice(0, 8);
      // The server returns the new coding and only the turns it overlaps.
      codings[result.coding.id] = result.coding;
      patchTurns(result.html);
      window.getSelection().removeAllRanges();
      announce(`Coded with “${theme.name}”.`);
    } catch (error) {
      showError(error.message);
    }
  }

  filter.addEventListener("input", renderOptions);
  filter.addEventListener("keydown", (event) => {
    const first = options.querySelector("button");
    if (event.key === "Enter") {
      event.preventDefault();
      if (first) first.click();
    } else if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    }
  });
  options.addEventListener("keydown", (event) => {
    const buttons = [...options.querySelectorAll("button")];
    const index = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && index < buttons.length - 1) {
      event.preventDefault();
      buttons[index + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (index > 0 ? buttons[index - 1] : filter).focus();
    }
  });
  document.getElementById("theme-picker-cancel").addEventListener("click", closePicker);
  picker.addEventListener("cancel", () => {
    pending = null;
  });

  // --- selecting ----------------------------------------------------------------------

  function selectionOffsets() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!workspace.contains(range.commonAncestorContainer)) return null;
    const offsets = rangeOffsets(range);
    return offsets ? { offsets, text: selection.toString() } : null;
  }

  /** Whether something is selected in the workspace, codeable or not. */
  function selectedInWorkspace() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return false;
    return workspace.contains(selection.getRangeAt(0).commonAncestorContainer);
  }

  /** Code the selection, or say plainly why it cannot be coded: never do nothing. */
  function codeSelection() {
    const found = selectionOffsets();
    if (found) {
      showNotice("");
      openPicker(found.offsets, found.text);
    } else if (selectedInWorkspace()) {
      showNotice(
        "Only the words of the turns can be coded: the selection covers speaker names or " +
          "theme labels only. Select some of the transcript's words, across as many turns " +
          "as you need.",
      );
    }
  }

  workspace.addEventListener("mouseup", (event) => {
    // A click on a theme label opens it in the panel; a drag that ends there still codes.
    if (event.target.closest(".stripe") && !selectedInWorkspace()) return;
    window.setTimeout(() => {
      if (codeSelectionButton) codeSelectionButton.disabled = !selectedInWorkspace();
      if (canEdit) codeSelection();
    }, 0);
  });
  document.addEventListener("selectionchange", () => {
    if (codeSelectionButton) codeSelectionButton.disabled = !selectedInWorkspace();
  });
  if (codeSelectionButton) codeSelectionButton.addEventListener("click", codeSelection);

  function codeTurn(turn) {
    if (!turn) return;
    const text = turn.querySelector(".turn-text").textContent;
    openPicker({ start: Number(turn.dataset.start), end: Number(turn.dataset.end) }, text);
  }

  function codeSource() {
    const turns = workspace.querySelectorAll(".turn");
    if (!turns.length) return;
    const start = Number(turns[0].dataset.start);
    const end = Number(turns[turns.length - 1].dataset.end);
    openPicker({ start, end }, "the whole source");
  }

  const codeTurnButton = document.getElementById("code-turn");
  if (codeTurnButton) {
    codeTurnButton.addEventListener("click", () =>
      codeTurn(currentTurn || workspace.querySelector(".turn")),
    );
  }
  const codeSourceButton = document.getElementById("code-source");
  if (codeSourceButton) codeSourceButton.addEventListener("click", codeSource);

  // --- keyboard: move between turns -----------------------------------------------------

  function focusTurn(turn) {
    if (!turn) return;
    workspace.querySelectorAll(".turn").forEach((t) => t.setAttribute("tabindex", "-1"));
    turn.setAttribute("tabindex", "0");
    turn.focus();
    currentTurn = turn;
  }

  function initTurns(focusedId) {
    const turns = workspace.querySelectorAll(".turn");
    if (!turns.length) return;
    const keep = focusedId && document.getElementById(focusedId);
    turns.forEach((t) => t.setAttribute("tabindex", "-1"));
    (keep || turns[0]).setAttribute("tabindex", "0");
    currentTurn = keep || null;
  }

  workspace.addEventListener("focusin", (event) => {
    const turn = event.target.closest(".turn");
    if (turn) currentTurn = turn;
  });

  workspace.addEventListener("keydown", (event) => {
    const turn = event.target.classList && event.target.classList.contains("turn")
      ? event.target
      : null;
    if (!turn || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowDown" || event.key === "j") {
      event.preventDefault();
      focusTurn(turn.nextElementSibling && turn.nextElementSibling.closest(".turn"));
    } else if (event.key === "ArrowUp" || event.key === "k") {
      event.preventDefault();
      const previous = turn.previousElementSibling;
      if (previous && previous.classList.contains("turn")) focusTurn(previous);
    } else if (event.key === "c") {
      event.preventDefault();
      codeTurn(turn);
    } else if (event.key === "C") {
      event.preventDefault();
      codeSource();
    } else if (event.key === "Enter") {
      event.preventDefault();
      const ids = [...turn.querySelectorAll(".stripe")].map((b) => b.dataset.coding);
      showCodings(ids);
    }
  });

  // --- the panel: themes, coder, date, memo; remove -------------------------------------

  function element(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  async function showCodings(ids) {
    const wanted = [...new Set(ids)];
    try {
      await loadCodings(wanted);
    } catch (error) {
      showError(error.message);
      return;
    }
    panelBody.replaceChildren();
    const unique = wanted.filter((id) => codings[id]);
    if (!unique.length) {
      panelBody.append(element("p", "small text-body-secondary mb-0", "No codings here."));
      return;
    }
    unique.forEach((id) => panelBody.append(codingCard(codings[id])));
    panel.focus();
  }

  const dateFormat = new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });

  function formatDate(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
  }

  function codingCard(coding) {
    const card = element("article", "coding-card border-start ps-2 mb-3");
    card.style.borderLeftColor = coding.colour;
    card.style.borderLeftWidth = "6px";
    const title = element("h3", "h6 mb-1", coding.theme);
    card.append(title);
    if (coding.needs_review) {
      card.append(
        element(
          "p",
          "badge text-bg-warning",
          "Needs review: the coded words were removed by an edit",
        ),
      );
    }
    card.append(
      element(
        "p",
        "small text-body-secondary mb-1",
        `Coded by ${coding.coder}, ${formatDate(coding.created)}`,
      ),
    );
    card.append(element("blockquote", "small fst-italic mb-2", `“${coding.quote}”`));
    const memoId = `memo-${coding.id}`;
    const label = element("label", "form-label small mb-0", "Memo");
    label.htmlFor = memoId;
    const memo = element("textarea", "form-control form-control-sm");
    memo.id = memoId;
    memo.rows = 2;
    memo.value = coding.memo;
    memo.readOnly = !canEdit;
    card.append(label, memo);
    if (canEdit) {
      const actions = element("div", "d-flex gap-2 mt-2");
      const save = element("button", "btn btn-secondary btn-sm", "Save memo");
      save.type = "button";
      save.addEventListener("click", async () => {
        showError("");
        try {
          const result = await post(codingUrl(urls.memo, coding.id), {
            memo: memo.value,
            version: coding.version,
          });
          replaceTurns(result.html);
          codings[coding.id] = result.coding;
          showCodings([String(coding.id)]);
          announce("Memo saved.");
        } catch (error) {
          showError(error.message);
        }
      });
      const remove = element("button", "btn btn-outline-danger btn-sm", "Remove coding");
      remove.type = "button";
      remove.addEventListener("click", async () => {
        if (!window.confirm(`Remove the coding “${coding.theme}”?`)) return;
        showError("");
        try {
          const result = await post(codingUrl(urls.coding, coding.id), {});
          replaceTurns(result.html);
          panelBody.replaceChildren(element("p", "small mb-0", "Coding removed."));
          announce(`Coding “${coding.theme}” removed.`);
        } catch (error) {
          showError(error.message);
        }
      });
      actions.append(save, remove);
      card.append(actions);
    }
    return card;
  }

  workspace.addEventListener("click", (event) => {
    const stripe = event.target.closest(".stripe");
    if (stripe) {
      showCodings([stripe.dataset.coding]);
      return;
    }
    const coded = event.target.closest(".coded");
    if (coded && window.getSelection().isCollapsed) {
      showCodings(coded.dataset.codings.split(" "));
    }
  });

  // Links from retrieval: #turn-offset-<n> focuses the turn holding that offset.
  function followHash() {
    const match = window.location.hash.match(/^#turn-offset-(\d+)$/);
    if (!match) return;
    const offset = Number(match[1]);
    const turn = [...workspace.querySelectorAll(".turn")].find(
      (t) => Number(t.dataset.start) <= offset && offset < Number(t.dataset.end),
    );
    if (turn) {
      focusTurn(turn);
      turn.scrollIntoView({ block: "center" });
    }
  }

  initTurns(null);
  followHash();
  window.codingWorkspace = { codePointLength, rangeOffsets }; // for tests and debugging
})();
