// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function copyFrom(button) {
    var target = document.getElementById(button.getAttribute("data-copy-target"));
    if (!target) { return; }
    var text = target.value !== undefined ? target.value : target.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      var original = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = original; }, 1500);
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (button) { event.preventDefault(); copyFrom(button); }
  });
  // The header's Menu button (shown at phone size only, by the stylesheet).
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".nav-toggle");
    if (!toggle) { return; }
    var menu = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (menu) { menu.classList.toggle("is-open", open); }
  });
  // A table wider than its box gets a line above it saying it scrolls sideways.
  function hintWideTables() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var hint = wrap.previousElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.textContent = "Scroll the table sideways for more →";
        wrap.parentNode.insertBefore(hint, wrap);
      }
      hint.classList.toggle("is-shown", wrap.scrollWidth > wrap.clientWidth + 1);
    });
  }
  document.addEventListener("DOMContentLoaded", hintWideTables);
  window.addEventListener("resize", hintWideTables);
  document.addEventListener("htmx:afterSettle", hintWideTables);
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // A slow submit ("Check and connect" waits seconds for the provider): its [data-busy]
  // button is disabled at once and says what is happening, so it is not pressed twice.
  function busyReset(button) {
    if (!button.hasAttribute("data-idle")) { return; }
    button.textContent = button.getAttribute("data-idle");
    button.removeAttribute("data-idle");
    button.removeAttribute("aria-busy");
    button.disabled = false;
  }
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (event.defaultPrevented || !button || !button.hasAttribute("data-busy")) { return; }
    // After this event the browser has taken the form's values; then disable.
    window.setTimeout(function () {
      button.setAttribute("data-idle", button.textContent);
      button.textContent = button.getAttribute("data-busy");
      button.setAttribute("aria-busy", "true");
      button.disabled = true;
    }, 0);
  });
  // Back to a page kept in the browser's cache: its buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[data-idle]").forEach(busyReset);
  });
})();
