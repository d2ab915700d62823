// ceptor operator inbox (受信箱): the list is read again whenever the server
// says that an advisory arrived, changed or was confirmed, and every minute
// in case a hint was missed. The page works without this script.
(function () {
  "use strict";
  var box = document.querySelector("[data-inbox]");
  if (!box) return;
  var status = document.querySelector("[data-live-status]");
  var text = status && status.querySelector("[data-live-text]");
  function say(state, label) {
    if (!status) return;
    status.classList.remove("on", "off");
    if (state) status.classList.add(state);
    if (text && label) text.textContent = label;
  }
  function ids() {
    var seen = {};
    box.querySelectorAll("[data-advisory-id]").forEach(function (li) { seen[li.dataset.advisoryId] = true; });
    return seen;
  }
  var busy = false, again = false, stopped = false, es = null;
  function refresh() {
    if (stopped) return;
    if (busy) { again = true; return; }
    // Do not replace the list under a hand that is using it.
    if (box.contains(document.activeElement) && document.activeElement !== document.body) {
      setTimeout(refresh, 2000);
      return;
    }
    busy = true;
    fetch(box.dataset.rowsUrl, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 401 || r.status === 404 || r.status === 403) { stop(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var before = ids();
        box.innerHTML = html;
        box.querySelectorAll("[data-advisory-id]").forEach(function (li) {
          if (!before[li.dataset.advisoryId]) li.classList.add("flash-in");
        });
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
