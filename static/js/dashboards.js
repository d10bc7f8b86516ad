/*
 * The dashboards (templates/reports/dashboards/): on a phone, fold the filters away into their
 * summary, which says what is chosen; a keyboard opens them again with Enter or Space (a plain
 * <details>). The page is served with the filters open, so without JavaScript they simply stay
 * open. No inline script (CSP): loaded with defer.
 */
(function () {
  "use strict";

  var narrow = window.matchMedia("(max-width: 700px)");
  if (!narrow.matches) return;
  var folds = document.querySelectorAll("details[data-fold-narrow]");
  for (var i = 0; i < folds.length; i += 1) {
    folds[i].open = false;
  }
})();
