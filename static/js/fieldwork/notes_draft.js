// Field notes drafted without risk of loss.
// - Every few seconds of typing the notes are kept in this browser (localStorage), and, when
//   editing a saved observation, autosaved to the server as a draft (never the notes
//   themselves: saving the form commits them).
// - Leaving the page with unsaved changes asks first.
// - A draft left in this browser from an earlier visit can be restored or discarded.
(function () {
  "use strict";
  var form = document.querySelector("form.observation-form");
  if (!form) return;
  var notes = form.querySelector("textarea[name=notes]");
  var status = document.getElementById("draft-status");
  var restore = document.getElementById("draft-restore");
  if (!notes) return;
  var key = form.dataset.draftKey;
  var autosaveUrl = form.dataset.autosaveUrl;
  var initial = notes.value;
  var dirty = false;
  var submitting = false;
  var timer = null;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  function say(text) { if (status) status.textContent = text; }
  function clock() { return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }); }

  function keepLocal() {
    try {
      localStorage.setItem(key, JSON.stringify({ text: notes.value, at: new Date().toISOString() }));
    } catch (e) { /* storage full or disabled: the server draft and the warning remain */ }
  }

  function saveDraft() {
    timer = null;
    keepLocal();
    if (!autosaveUrl) { say("Draft kept in this browser at " + clock() + "."); return; }
    var body = new FormData();
    body.append("notes", notes.value);
    fetch(autosaveUrl, {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrf ? csrf.value : "" },
      credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 400) {
        // Refused as written (a control character pasted in, say): the server says why.
        return response.text().then(function (reason) {
          say(reason + " The draft is kept in this browser.");
        });
      }
      if (!response.ok) throw new Error(response.status);
      say("Draft saved at " + clock() + ". Save the observation to keep these notes.");
    }).catch(function () {
      say("Could not reach the server; the draft is kept in this browser. Do not close it yet.");
    });
  }

  notes.addEventListener("input", function () {
    dirty = notes.value !== initial;
    if (!timer) timer = setTimeout(saveDraft, 5000);
  });
  form.addEventListener("input", function (event) {
    if (event.target !== notes) dirty = true;
  });
  form.addEventListener("submit", function () {
    submitting = true;
    keepLocal();  // until the server confirms; cleared on the next clean load
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      if (timer) { clearTimeout(timer); keepLocal(); }
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // A draft from an earlier visit that never reached a saved form.
  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  var hasErrors = form.querySelector(".is-invalid, .alert-danger");
  if (saved && saved.text && saved.text !== notes.value && !hasErrors && restore) {
    restore.classList.remove("d-none");
    var when = restore.querySelector("[data-draft-time]");
    if (when) when.textContent = "last changed " + new Date(saved.at).toLocaleString();
    restore.addEventListener("click", function (event) {
      var action = event.target.getAttribute("data-draft-action");
      if (action === "restore") {
        notes.value = saved.text;
        dirty = true;
        notes.focus();
        say("Draft restored. Save the observation to keep it.");
      } else if (action === "discard") {
        localStorage.removeItem(key);
        say("Draft discarded.");
      } else {
        return;
      }
      restore.classList.add("d-none");
    });
  } else if (saved && saved.text === notes.value) {
    localStorage.removeItem(key);  // the saved form already holds this text
  }
})();
