// Ops dashboard: pause and resume the htmx auto-refresh (the page works without this).
(function () {
  "use strict";
  var paused = false;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-ops-pause]");
    if (!button) { return; }
    paused = !paused;
    button.setAttribute("aria-pressed", paused ? "true" : "false");
    button.textContent = paused ? "Resume" : "Pause";
    var state = document.getElementById("ops-refresh-state");
    if (state) { state.textContent = paused ? "Auto-refresh paused." : "Refreshes every 15 s."; }
  });
  // htmx keeps polling; while paused each poll is cancelled before it is sent.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (paused && event.detail.elt && event.detail.elt.id === "ops-body") { event.preventDefault(); }
  });
})();
