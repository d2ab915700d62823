// ceptor incidents: the live situation board, the severity form's "apply
// the suggestion" button and the print button. Every page works without
// this script (the board then shows the rows as loaded).
(function () {
  "use strict";

  // Print: <button data-print>.
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  // Severity form: set every viewpoint to the guidance suggestion.
  document.querySelectorAll("[data-sev-apply]").forEach(function (b) {
    b.addEventListener("click", function () {
      var form = b.closest("form");
      form.querySelectorAll("fieldset[data-suggested]").forEach(function (fs) {
        var r = fs.querySelector('input[type=radio][value="' + fs.dataset.suggested + '"]');
        if (r) r.checked = true;
        var ta = fs.querySelector("textarea");
        if (ta && !ta.value.trim() && fs.dataset.hint) ta.value = fs.dataset.hint;
      });
    });
  });

  // The situation board: re-read the rows whenever the server says that
  // something changed, and every minute in case a hint was missed.
  var box = document.querySelector("[data-board]");
  if (!box) return;
  var status = document.querySelector("[data-live-status]");
  var text = status && status.querySelector("[data-live-text]");
  function say(state, label) {
    if (!status) return;
    status.classList.remove("on", "off");
    if (state) status.classList.add(state);
    if (text && label) text.textContent = label;
  }
  function stamp() {
    var d = new Date();
    var hh = ("0" + d.getHours()).slice(-2), mm = ("0" + d.getMinutes()).slice(-2), ss = ("0" + d.getSeconds()).slice(-2);
    return hh + ":" + mm + ":" + ss;
  }
  var busy = false, again = false, stopped = false;
  function refresh() {
    if (stopped) return;
    if (busy) { again = true; return; }
    busy = true;
    fetch(box.dataset.rowsUrl, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 401 || r.status === 404) { stop(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === null || html === undefined) return;
        box.innerHTML = html;
        var body = box.querySelector(".board-body");
        if (body) body.classList.add("flash-in");
        if (status) say(status.classList.contains("off") ? "off" : "on", status.dataset.labelUpdated + " " + stamp());
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var es = null;
  function stop() {
    stopped = true;
    if (es) es.close();
    say("off", status && status.dataset.labelGone);
  }
  if (window.EventSource) {
    es = new EventSource(box.dataset.eventsUrl);
    es.addEventListener("open", function () { say("on", status && status.dataset.labelLive); });
    es.addEventListener("refresh", refresh);
    es.addEventListener("gone", stop);
    es.addEventListener("error", function () {
      if (!stopped) say("off", status && status.dataset.labelReconnecting);
    });
  }
  setInterval(refresh, 60000);
})();
