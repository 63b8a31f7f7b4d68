/* Webinar pages: vote without reloading the page, and offer the device's time zone.
   Progressive enhancement only: every form works without this script (CSP: same-origin scripts). */
(function () {
  "use strict";

  function updateVote(form, data) {
    var item = form.closest(".webinar-question");
    var button = form.querySelector("button");
    var label = button.querySelector(".vote-label");
    item.querySelector(".vote-count").textContent = String(data.votes);
    button.setAttribute("aria-pressed", data.voted ? "true" : "false");
    button.classList.toggle("secondary", !data.voted);
    label.textContent = data.voted ? button.dataset.labelVoted : button.dataset.labelVote;
    var status = document.querySelector("[data-vote-status]");
    if (status) { status.textContent = label.textContent + ": " + data.votes; }
  }

  function onVote(event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form") || !window.fetch) { return; }
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json", "X-Requested-With": "fetch"}
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      button.disabled = false;
      if (result.ok) { updateVote(form, result.data); } else { form.submit(); }
    }).catch(function () { button.disabled = false; form.submit(); });
  }

  function offerDeviceZone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) { return; }
    document.querySelectorAll("form.tz-form").forEach(function (form) {
      var select = form.querySelector("select");
      var hint = form.querySelector(".tz-hint");
      if (!select) { return; }
      var exists = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
      if (!exists) { select.add(new Option(zone.replace(/_/g, " "), zone)); }
      if (form.dataset.zoneChosen === "false" && select.value !== zone) {
        select.value = zone;
        if (hint) { hint.querySelector(".tz-device").textContent = zone.replace(/_/g, " "); hint.hidden = false; }
      }
    });
  }

  document.addEventListener("submit", onVote);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", offerDeviceZone);
  } else {
    offerDeviceZone();
  }
})();
