// Live regions: a [data-live] element polls itself through htmx (hx-trigger="every Ns");
// this script shows "Updated N s ago" beside it and lets a Pause button stop the polls.
// Without it the page still polls and shows when it was rendered.
(function () {
  "use strict";
  var paused = {};
  var updated = {};

  function regionOf(control) { return control.getAttribute("aria-controls"); }

  function showAge() {
    document.querySelectorAll("[data-live-age]").forEach(function (label) {
      var id = regionOf(label);
      var seconds = Math.max(0, Math.round((Date.now() - (updated[id] || Date.now())) / 1000));
      var every = label.getAttribute("data-live-every");
      label.textContent = "Updated " + seconds + " s ago · " +
        (paused[id] ? "paused." : "refreshes every " + every + " s.");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-live]").forEach(function (region) { updated[region.id] = Date.now(); });
    showAge();
    window.setInterval(showAge, 1000);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-live-pause]");
    if (!button) { return; }
    var id = regionOf(button);
    paused[id] = !paused[id];
    button.setAttribute("aria-pressed", paused[id] ? "true" : "false");
    button.textContent = paused[id] ? "Resume" : "Pause";
    showAge();
  });
  // htmx keeps its timer; while paused each poll is cancelled before it is sent. A refresh
  // asked for by an event (a finished "Check now") still runs.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    var config = event.detail.requestConfig;
    var poll = !(config && config.triggeringEvent);
    if (elt && paused[elt.id] && poll) { event.preventDefault(); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.hasAttribute("data-live")) { updated[target.id] = Date.now(); showAge(); }
  });
})();
