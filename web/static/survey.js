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
  if (!card) return;
  var box = card.querySelector("[data-progress-box]");
  var status = card.querySelector("[data-live-status]");
  var text = status && status.querySelector("[data-live-text]");
  function say(state, label) {
    if (!status) return;
    status.classList.remove("on", "off");
    if (state) status.classList.add(state);
    if (text && label) text.textContent = label;
  }
  function stamp() {
    var d = new Date();
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2) + ":" + ("0" + d.getSeconds()).slice(-2);
  }
  var busy = false, again = false, stopped = false, es = null;
  function stop() {
    stopped = true;
    if (es) es.close();
    say("off", status && status.dataset.labelGone);
  }
  function refresh() {
    if (stopped) return;
    if (busy) { again = true; return; }
    busy = true;
    fetch(card.dataset.rowsUrl, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 401 || r.status === 404) { stop(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        box.innerHTML = html;
        var body = box.querySelector(".progress-body");
        if (body) body.classList.add("flash-in");
        say("on", status.dataset.labelUpdated + " " + stamp());
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  if (window.EventSource) {
    es = new EventSource(card.dataset.eventsUrl);
    es.addEventListener("open", function () { say("on", status && status.dataset.labelLive); });
    es.addEventListener("refresh", refresh);
    es.addEventListener("gone", stop);
    es.addEventListener("error", function () {
      if (!stopped) say("off", status && status.dataset.labelReconnecting);
    });
  }
  setInterval(refresh, 60000);
})();
