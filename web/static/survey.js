// ceptor surveys: the live response-rate dashboard and the answer form's
// conveniences. Every page works without this script (the dashboard then
// shows the figures as loaded).
(function () {
  "use strict";

  // Answer form: "submit" needs the confirmation box; point at it instead
  // of sending a request that will be refused.
  var form = document.querySelector("[data-answer-form]");
  if (form) {
    form.addEventListener("submit", function (e) {
      var btn = e.submitter;
      var box = form.querySelector("[data-confirm-box]");
      if (btn && btn.value === "submit" && box && !box.checked) {
        e.preventDefault();
        box.closest(".submit-box").classList.add("confirm-needed");
        box.focus();
      }
    });
  }

  // The progress dashboard: re-read the figures whenever the server says a
  // response changed, and every minute in case a hint was missed.
  var card = document.querySelector("[data-survey-progress]");
  if (!card || !window.ceptorLive) return;
  window.ceptorLive({ box: card.querySelector("[data-progress-box]"), status: card.querySelector("[data-live-status]"),
    rowsUrl: card.dataset.rowsUrl, eventsUrl: card.dataset.eventsUrl, flash: ".progress-body", stamp: true });
})();
