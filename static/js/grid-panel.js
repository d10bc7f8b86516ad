/*
 * Every field of a line, edited beside the grid without leaving the page
 * (templates/returns/return_edit.html, returns/grid_views.py).
 *
 * Selecting a cell's rating (mouse, or the keyboard: Tab to it, then Enter) opens a side panel
 * (a modal <dialog>: Escape or Cancel closes it and the focus goes back to the rating) with the
 * line's form: value, target value, date of data, state, the sub-region's own rating with its
 * reason, why it does not apply, comment, source. As values are typed the panel shows the
 * rating the server's engine gives (window.RiepGrid.ratePreview, from static/js/grid.js).
 * "Save this line" posts the form (with the grid's version, so nobody's change is overwritten);
 * the cell is replaced by the saved one, the grid's version moves on, and the focus returns to
 * the cell. Refused: the panel shows what is wrong. Without JavaScript the rating is a link to
 * the line's own page, where the same form saves.
 */
(function () {
  "use strict";

  var dialog = document.querySelector("dialog[data-line-panel-dialog]");
  var grid = window.RiepGrid;
  if (!dialog || !grid || typeof dialog.showModal !== "function") return;
  var body = dialog.querySelector("[data-panel-body]");
  var title = dialog.querySelector(".line-panel__title");
  var opener = null;
  var openedFrom = "";
  var timer = null;
  var ticket = 0;

  function versionInput() {
    return grid.form.querySelector("input[name=version]");
  }

  function panelForm() {
    return body.querySelector("form[data-panel-form]");
  }

  function snapshot(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  grid.panelDirty = function () {
    var form = panelForm();
    return Boolean(dialog.open && form && snapshot(form) !== openedFrom);
  };

  function showRating(answer) {
    var box = body.querySelector("[data-panel-rating]");
    if (!box) return;
    box.textContent = "";
    if (!answer.ok) {
      box.classList.add("line-panel__rating--error");
      box.textContent = answer.error;
      return;
    }
    box.classList.remove("line-panel__rating--error");
    box.appendChild(document.createTextNode("Rating with these values (not saved yet): "));
    var rag = document.createElement("span");
    rag.className = answer.css;
    rag.textContent = answer.text;
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " (" + answer.label + ")";
    rag.appendChild(hidden);
    box.appendChild(rag);
    box.appendChild(document.createTextNode(" " + answer.explanation));
  }

  function preview() {
    var form = panelForm();
    if (!form) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      var data = new FormData(form);
      var mine = ++ticket;
      grid
        .ratePreview({
          line: form.getAttribute("data-line"),
          actual: data.get("actual") || "",
          target_value: data.get("target_value") || "",
          state: data.get("state") || "",
          manual_rating: data.get("manual_rating") || "",
        })
        .then(function (answer) {
          if (mine === ticket) showRating(answer);
        })
        .catch(function (error) {
          if (mine === ticket) showRating({ ok: false, error: String(error.message) });
        });
    }, 250);
  }

  // A value typed means "value given"; clearing it, "awaiting data" (as the grid does).
  function followState(event) {
    var form = panelForm();
    if (!form || !event.target || event.target.name !== "actual") return;
    var state = form.querySelector("[name=state]");
    if (!state) return;
    if (event.target.value.trim() && state.value !== "value") state.value = "value";
    if (!event.target.value.trim() && state.value === "value") state.value = "awaiting";
  }

  function wire() {
    var form = panelForm();
    if (!form) return;
    title.textContent = "Edit " + form.getAttribute("data-title");
    form.addEventListener("input", followState);
    form.addEventListener("change", followState);
    form.addEventListener("input", preview);
    form.addEventListener("change", preview);
    form.addEventListener("submit", save);
    Array.prototype.forEach.call(form.querySelectorAll("[data-panel-close]"), function (button) {
      button.addEventListener("click", close);
    });
  }

  function show(html) {
    body.innerHTML = html;
    wire();
  }

  function open(link) {
    opener = link;
    var td = link.closest("td");
    var typed = td ? td.querySelector("[data-grid-cell]") : null;
    title.textContent = "Edit a line";
    body.innerHTML = "<p>Loading…</p>";
    dialog.showModal();
    var version = versionInput() ? versionInput().value : "";
    fetch(link.getAttribute("data-line-panel") + "?version=" + encodeURIComponent(version), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (answer) {
            throw new Error(answer.error || "The line cannot be edited now.");
          });
        }
        return response.text();
      })
      .then(function (html) {
        show(html);
        var form = panelForm();
        openedFrom = snapshot(form);
        // A value typed in the cell and not saved yet is carried into the panel.
        var actual = form.querySelector("[name=actual]");
        if (typed && actual && typed.value !== typed.getAttribute("data-initial")) {
          actual.value = typed.value;
          followState({ target: actual });
          preview();
        }
        var first = form.querySelector("select, input:not([type=hidden]), textarea");
        if (first) first.focus();
      })
      .catch(function (error) {
        body.textContent = String(error.message);
      });
  }

  function close() {
    if (grid.panelDirty() && !window.confirm("Close without saving your changes to this line?")) {
      return;
    }
    dialog.close();
  }

  dialog.addEventListener("cancel", function (event) {
    if (grid.panelDirty() && !window.confirm("Close without saving your changes to this line?")) {
      event.preventDefault();
    }
  });
  dialog.addEventListener("close", function () {
    body.innerHTML = "";
    openedFrom = "";
    if (opener && document.body.contains(opener)) opener.focus();
  });
  dialog.querySelector(".line-panel__head [data-panel-close]").addEventListener("click", close);

  function save(event) {
    event.preventDefault();
    var form = panelForm();
    var version = versionInput();
    if (version) form.querySelector("input[name=version]").value = version.value;
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      body: new FormData(form),
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (answer) {
        if (!answer.ok) {
          if (answer.html) {
            show(answer.html);
            var errors = body.querySelector("[data-panel-errors]");
            var invalid = body.querySelector("[aria-invalid=true]");
            (invalid || errors || panelForm()).focus();
          } else {
            body.textContent = answer.error;
          }
          grid.say(answer.error);
          return;
        }
        var line = form.getAttribute("data-line");
        var old = grid.form.querySelector("td[data-line='" + line + "']");
        if (old) {
          old.insertAdjacentHTML("afterend", answer.cell);
          old.parentNode.removeChild(old);
        }
        var fresh = grid.form.querySelector("td[data-line='" + line + "']");
        if (fresh) grid.setUp(fresh);
        if (version) version.value = answer.version;
        opener = fresh ? fresh.querySelector(".cell__rag") : opener;
        openedFrom = snapshot(form);
        dialog.close();
        grid.status(answer.message);
      })
      .catch(function () {
        button.disabled = false;
        grid.say("The line could not be saved: try again.");
      });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-line-panel]") : null;
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    open(link);
  });
})();
