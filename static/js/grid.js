/*
 * A return's entry grid (templates/returns/return_edit.html). Without this script the grid is a
 * plain form that saves every typed value; with it:
 *
 * Keyboard movement (table[data-grid]): the arrow keys move between
 * the cells' inputs, skipping the cells where the target does not apply.
 *
 * - In a text cell, ↑ and ↓ move up and down; ← and → move the caret first and leave the cell
 *   at the start or the end of its text (or when all of it is selected).
 * - In a list (levels, yes/no), ↑ and ↓ keep their usual meaning (change the choice); ← and →
 *   move to the next cell.
 * - Ctrl with an arrow always moves.
 * Tab and Shift+Tab keep their native order (row by row).
 *
 * The rating as a value is typed: each change of a cell asks the server's own rating engine
 * (POST returns/<pk>/rate-preview/, with the CSRF token; returns/preview.py) and shows the
 * rating it gives beside the value, marked "not saved", announced in a polite live region.
 * There is no copy of the rating rules here.
 *
 * Leaving with unsaved changes asks first (beforeunload). After a save, the page comes back
 * with the focus on the cell last edited and the page and grid scrolled where they were
 * (sessionStorage), and the outcome shown beside the Save button. The error banner's links
 * move the focus to the cell in error. The target headings stay in view (CSS, with the height
 * of the theme row measured here). No inline script: loaded with defer. window.RiepGrid
 * offers the rating request and the cell setup to static/js/grid-panel.js.
 */
(function () {
  "use strict";

  var MOVES = {
    ArrowUp: [-1, 0],
    ArrowDown: [1, 0],
    ArrowLeft: [0, -1],
    ArrowRight: [0, 1],
  };

  function isText(input) {
    return input.tagName === "INPUT";
  }

  function leavesCell(input, key, forced) {
    if (forced) return true;
    if (!isText(input)) return key === "ArrowLeft" || key === "ArrowRight";
    if (key === "ArrowUp" || key === "ArrowDown") return true;
    var start = input.selectionStart;
    var end = input.selectionEnd;
    if (start === null || end === null) return true;
    var length = input.value.length;
    if (start === 0 && end === length) return true;
    return key === "ArrowLeft" ? start === 0 && end === 0 : start === length && end === length;
  }

  function inputAt(rows, row, column) {
    var tr = rows[row];
    if (!tr) return null;
    var cell = tr.cells[column];
    if (!cell) return null;
    return cell.querySelector("[data-grid-cell]");
  }

  function next(rows, row, column, step) {
    var r = row + step[0];
    var c = column + step[1];
    while (r >= 0 && r < rows.length && c >= 1 && c < rows[r].cells.length) {
      var found = inputAt(rows, r, c);
      if (found) return found;
      r += step[0];
      c += step[1];
    }
    return null;
  }

  function init(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    table.addEventListener("keydown", function (event) {
      var step = MOVES[event.key];
      if (!step || event.altKey || event.metaKey || event.shiftKey) return;
      var input = event.target.closest ? event.target.closest("[data-grid-cell]") : null;
      if (!input) return;
      if (!leavesCell(input, event.key, event.ctrlKey)) return;
      var td = input.closest("td");
      var row = rows.indexOf(td.parentElement);
      if (row < 0) return;
      var target = next(rows, row, td.cellIndex, step);
      if (!target) return;
      event.preventDefault();
      target.focus();
      if (isText(target) && typeof target.select === "function") target.select();
    });
  }

  var tables = document.querySelectorAll("table[data-grid]");
  for (var i = 0; i < tables.length; i += 1) init(tables[i]);
})();

(function () {
  "use strict";

  var form = document.querySelector("form[data-grid-form]");
  var table = document.querySelector("table[data-grid]");
  var scroller = table ? table.closest(".grid-scroll") : null;
  var live = document.querySelector("[data-grid-live]");
  var status = document.querySelector("[data-grid-status]");
  var KEY = "riep-grid-position:" + window.location.pathname;

  // The target headings stay in view: the second heading row sticks below the first.
  function measureHead() {
    if (!table || !table.tHead || !table.tHead.rows.length) return;
    var first = table.tHead.rows[0];
    table.style.setProperty("--grid-head-1", first.getBoundingClientRect().height + "px");
  }
  measureHead();
  window.addEventListener("resize", measureHead);

  if (!form) return;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
  var previewUrl = form.getAttribute("data-rate-preview");
  var submitting = false;
  var lastCell = null;

  function say(text) {
    if (live) live.textContent = text;
  }

  function ratePreview(params) {
    var body = new URLSearchParams();
    Object.keys(params).forEach(function (name) {
      body.append(name, params[name]);
    });
    return fetch(previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
      body: body,
    }).then(function (response) {
      if (response.status === 403) throw new Error("You may not change this return.");
      return response.json();
    });
  }

  function cellName(td) {
    var input = td.querySelector("[data-grid-cell]");
    return input ? (input.getAttribute("aria-label") || "").replace(/ actual$/, "") : "";
  }

  // Each cell remembers its saved value and its saved rating, to tell a change and undo it.
  function setUp(td) {
    var input = td.querySelector("[data-grid-cell]");
    var link = td.querySelector(".cell__rag");
    if (!input || !link) return;
    // The saved value is the form's hidden initial (after a refused save, the cell shows what
    // was typed, which is not saved).
    var saved = form.querySelector('input[name="initial-' + input.name + '"]');
    input.setAttribute("data-initial", saved ? saved.value : input.value);
    link.setAttribute("data-saved-class", link.className);
    link.setAttribute("data-saved-text", link.querySelector(".cell__rag-text").textContent);
    link.setAttribute("data-saved-label", link.querySelector(".cell__rag-label").textContent);
    link.setAttribute("data-saved-title", link.getAttribute("title") || "");
  }

  function showRating(td, answer) {
    var link = td.querySelector(".cell__rag");
    var note = td.querySelector(".cell__preview");
    if (!link) return;
    if (!note) {
      note = document.createElement("span");
      note.className = "cell__preview";
      td.appendChild(note);
    }
    if (answer === null) {
      link.className = link.getAttribute("data-saved-class");
      link.querySelector(".cell__rag-text").textContent = link.getAttribute("data-saved-text");
      link.querySelector(".cell__rag-label").textContent = link.getAttribute("data-saved-label");
      link.setAttribute("title", link.getAttribute("data-saved-title"));
      note.textContent = "";
      td.classList.remove("cell--preview", "cell--preview-error");
      return;
    }
    if (!answer.ok) {
      td.classList.add("cell--preview-error");
      td.classList.remove("cell--preview");
      note.textContent = answer.error;
      say(cellName(td) + ": " + answer.error);
      return;
    }
    td.classList.remove("cell--preview-error");
    td.classList.add("cell--preview");
    link.className = "cell__rag " + answer.css + " cell__rag--preview";
    link.querySelector(".cell__rag-text").textContent = answer.text;
    link.querySelector(".cell__rag-label").textContent = answer.label + ", not saved yet";
    link.setAttribute("title", answer.explanation);
    note.textContent = "Not saved: " + answer.label;
    say(cellName(td) + ": " + answer.label + " if saved. " + answer.explanation);
  }

  var timers = {};
  var asked = {};

  function preview(input) {
    var td = input.closest("td");
    var line = td ? td.getAttribute("data-line") : null;
    if (!line) return;
    window.clearTimeout(timers[line]);
    timers[line] = window.setTimeout(function () {
      if (input.value === input.getAttribute("data-initial")) {
        showRating(td, null);
        return;
      }
      var ticket = (asked[line] || 0) + 1;
      asked[line] = ticket;
      ratePreview({ line: line, actual: input.value })
        .then(function (answer) {
          if (asked[line] === ticket) showRating(td, answer);
        })
        .catch(function (error) {
          if (asked[line] === ticket) showRating(td, { ok: false, error: String(error.message) });
        });
    }, 250);
  }

  Array.prototype.forEach.call(form.querySelectorAll("td[data-line]"), setUp);
  form.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-grid-cell]")) preview(event.target);
  });
  form.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-grid-cell]")) {
      preview(event.target);
    }
  });
  form.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-grid-cell]")) lastCell = event.target;
  });

  // Unsaved changes: ask before leaving.
  function dirty() {
    var cells = form.querySelectorAll("[data-grid-cell]");
    for (var i = 0; i < cells.length; i += 1) {
      if (cells[i].value !== cells[i].getAttribute("data-initial")) return true;
    }
    return Boolean(window.RiepGrid && window.RiepGrid.panelDirty && window.RiepGrid.panelDirty());
  }
  window.addEventListener("beforeunload", function (event) {
    if (submitting || !dirty()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // Keep the focus and the scroll across the save.
  form.addEventListener("submit", function () {
    submitting = true;
    var focused = lastCell || document.activeElement;
    var box = focused && focused.getBoundingClientRect ? focused.getBoundingClientRect() : null;
    try {
      window.sessionStorage.setItem(
        KEY,
        JSON.stringify({
          focus: focused && focused.id ? focused.id : "",
          x: window.scrollX,
          y: window.scrollY,
          left: scroller ? scroller.scrollLeft : 0,
          top: scroller ? scroller.scrollTop : 0,
          cellTop: box ? box.top : null,
          at: Date.now(),
        })
      );
    } catch (error) {
      /* storage refused (private mode): the page simply opens at the top */
    }
  });

  function restore() {
    var saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(KEY) || "null");
      window.sessionStorage.removeItem(KEY);
    } catch (error) {
      saved = null;
    }
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      return;
    }
    if (!saved || Date.now() - saved.at > 120000) return;
    if (scroller) {
      scroller.scrollLeft = saved.left;
      scroller.scrollTop = saved.top;
    }
    window.scrollTo(saved.x, saved.y);
    var target = saved.focus ? document.getElementById(saved.focus) : null;
    if (target && saved.cellTop !== null) {
      // The page above the grid may have grown (the message of the save): keep the cell
      // where it was on the screen.
      window.scrollBy(0, target.getBoundingClientRect().top - saved.cellTop);
    }
    if (target) target.focus({ preventScroll: true });
    var messages = document.querySelectorAll(".messages .message");
    if (status && messages.length) {
      status.textContent = messages[messages.length - 1].textContent;
    }
  }
  restore();

  // The error banner's links take the focus to the cell in error.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-focus]") : null;
    if (!link) return;
    var input = document.getElementById(link.getAttribute("data-focus"));
    if (!input) return;
    event.preventDefault();
    input.focus({ preventScroll: true });
    input.scrollIntoView({ block: "center", inline: "center" });
  });

  window.RiepGrid = {
    form: form,
    ratePreview: ratePreview,
    setUp: setUp,
    say: say,
    status: function (text) {
      if (status) status.textContent = text;
      say(text);
    },
    panelDirty: null,
  };
})();
