/*
 * Keyboard movement in a return's entry grid (table[data-grid]): the arrow keys move between
 * the cells' inputs, skipping the cells where the target does not apply.
 *
 * - In a text cell, ↑ and ↓ move up and down; ← and → move the caret first and leave the cell
 *   at the start or the end of its text (or when all of it is selected).
 * - In a list (levels, yes/no), ↑ and ↓ keep their usual meaning (change the choice); ← and →
 *   move to the next cell.
 * - Ctrl with an arrow always moves.
 * Tab and Shift+Tab keep their native order (row by row). No inline script: loaded with defer.
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
