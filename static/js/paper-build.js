/*
 * The status page of a file made by the task worker (a Board paper's PDF, an issue, a large
 * Excel or CSV export; templates/reports/papers/build_detail.html): polls the build's JSON
 * (data-build-status) every second and shows its progress and stage (which says so when no
 * worker is running); when the build has finished (ready or failed), reloads the page, which
 * then offers the file or says what went wrong. No inline script (CSP): loaded with defer. Without JavaScript, a
 * <noscript> meta refresh reloads the page every 3 seconds instead.
 */
(function () {
  "use strict";

  var box = document.querySelector("[data-build-status]");
  if (!box || box.getAttribute("data-finished") === "true") return;
  var url = box.getAttribute("data-build-status");
  var bar = box.querySelector(".build__progress");
  var percent = box.querySelector(".build__percent");
  var stage = box.querySelector(".build__stage");
  var status = box.querySelector(".build__status");
  var failures = 0;

  function show(state) {
    if (bar) bar.value = state.progress;
    if (percent) percent.textContent = state.progress + "%";
    if (stage) stage.textContent = state.stage;
    if (status) status.textContent = state.status_label;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        failures += 1;
        window.setTimeout(poll, Math.min(1000 * Math.pow(2, failures), 15000));
      });
  }

  window.setTimeout(poll, 1000);
})();
