/* Every page (templates/base.html): forms that come back with errors put the focus on the first field to
   correct, long lists of choices (templates/_forms.html, choice_filter) get a filter as one types, and a
   form whose answer takes a while (data-busy) says so while it is sent and is not sent twice; a page that
   answers a form with something shown once (recovery codes) shows the plain address, so that a reload does
   not send the form again.
   Progressive enhancement only: without this script the errors still show and every choice is listed. */
(function () {
  "use strict";

  var FOCUSABLE = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  function focusFirstError() {
    var field = document.querySelector(".field.has-error");
    var target = field && field.querySelector(FOCUSABLE);
    if (target) {
      target.focus();
      if (document.activeElement === target) { return; }
    }
    var summary = document.querySelector(".form-errors");  // a form-wide refusal, or a field one cannot focus
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.focus();
    }
  }

  function plain(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function setUpFilter(box) {
    var wrap = box.querySelector(".choice-filter");
    var input = wrap && wrap.querySelector("input");
    if (!input) { return; }
    var status = wrap.querySelector("[data-filter-status]");
    var items = Array.prototype.map.call(box.querySelectorAll(".choices > li"), function (item) {
      var group = item.closest(".choice-group");
      var legend = group && group.querySelector("legend");
      return {element: item, text: plain((legend ? legend.textContent + " " : "") + item.textContent)};
    });
    var groups = box.querySelectorAll(".choice-group");

    function apply() {
      var words = plain(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var match = words.every(function (word) { return item.text.indexOf(word) !== -1; });
        item.element.hidden = !match;  // a hidden ticked box stays ticked and is still sent
        if (match) { shown += 1; }
      });
      Array.prototype.forEach.call(groups, function (group) {
        group.hidden = !group.querySelector(".choices > li:not([hidden])");
      });
      if (status) {
        status.textContent = words.length ?
          status.dataset.template.replace("{shown}", shown).replace("{total}", items.length) : "";
      }
    }

    input.addEventListener("input", apply);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // filtering, not sending the form
    });
    wrap.hidden = false;
    if (input.value) { apply(); }  // the browser may restore a typed filter on going back
  }

  function setUpBusy(form) {
    var status = form.querySelector("[data-busy-status]");
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }  // sent already
      form.setAttribute("aria-busy", "true");
      if (status) {
        status.hidden = false;
        status.querySelector("[data-busy-text]").textContent = status.dataset.message;  // read out (role=status)
      }
    });
    window.addEventListener("pageshow", function () {  // back to this page: it can be sent again
      form.removeAttribute("aria-busy");
      if (status) { status.hidden = true; }
    });
  }

  function showPlainAddress() {
    var shown = document.querySelector("[data-address]");
    if (shown && window.history.replaceState) {
      window.history.replaceState(null, "", shown.dataset.address);
    }
  }

  function start() {
    showPlainAddress();
    Array.prototype.forEach.call(document.querySelectorAll(".filtered-choices"), setUpFilter);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-busy]"), setUpBusy);
    focusFirstError();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
