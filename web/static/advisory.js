// ceptor advisories: the live receipt dashboard (疎通確認). The page works
// without this script; with it, the body is read again whenever the server
// says that a confirmation arrived, and every minute in case a hint was missed.
(function () {
  "use strict";
  var box = document.querySelector("[data-receipts]");
  if (!box) return;
  var status = document.querySelector("[data-live-status]");
  var text = status && status.querySelector("[data-live-text]");
  function say(state, label) {
    if (!status) return;
    status.classList.remove("on", "off");
    if (state) status.classList.add(state);
    if (text && label) text.textContent = label;
  }
  var busy = false, again = false, stopped = false, es = null;
  function refresh() {
    if (stopped) return;
    if (busy) { again = true; return; }
    busy = true;
    fetch(box.dataset.rowsUrl, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 401 || r.status === 404 || r.status === 403) { stop(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        box.innerHTML = html;
        var body = box.querySelector(".receipts-body");
        if (body) body.classList.add("flash-in");
        say("on", status && status.dataset.labelLive);
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
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
    es.addEventListener("error", function () { if (!stopped) say("off", status && status.dataset.labelReconnecting); });
  }
  setInterval(refresh, 60000);
})();
