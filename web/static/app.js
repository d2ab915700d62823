// ceptor: small progressive enhancements; every page works without them.
(function () {
  "use strict";
  // Confirm destructive actions: <form data-confirm="...">.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f && f.dataset && f.dataset.confirm && !window.confirm(f.dataset.confirm)) {
      e.preventDefault();
    }
  });
  // Close the user menu when clicking elsewhere.
  document.addEventListener("click", function (e) {
    document.querySelectorAll("details.user-menu[open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });
  // Auto-submit filter selects: <select data-autosubmit>.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  // Copy buttons: <button data-copy="#id">.
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var el = document.querySelector(b.dataset.copy);
      if (el && navigator.clipboard) navigator.clipboard.writeText(el.textContent.trim());
    });
  });
})();
// "Back" links on error pages go to the previous page when there is one.
document.querySelectorAll("a[data-back]").forEach(function (a) {
  a.addEventListener("click", function (e) {
    if (window.history.length > 1) { e.preventDefault(); window.history.back(); }
  });
});

// ceptorLive keeps a region of a page current: it reads the region's HTML
// again from rowsUrl whenever the server's event stream (eventsUrl) says
// that something changed, and every minute in case a hint was missed.
// o.box is replaced; o.status shows the connection; o.flash names the part
// of the new content to highlight; o.swapped(before) runs after a
// replacement with what o.before() returned; o.stamp shows the time of the
// last update instead of "live"; o.holdWhileFocused waits while the user
// works inside the region. The server's answer is policy-filtered HTML.
window.ceptorLive = function (o) {
  "use strict";
  var box = o.box, status = o.status;
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
    if (o.holdWhileFocused && box.contains(document.activeElement) && document.activeElement !== document.body) {
      setTimeout(refresh, 2000);
      return;
    }
    busy = true;
    fetch(o.rowsUrl, { credentials: "same-origin", headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (r) {
        if (r.status === 401 || r.status === 403 || r.status === 404) { stop(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === null || html === undefined) return;
        var before = o.before ? o.before() : null;
        box.innerHTML = html;
        var part = o.flash && box.querySelector(o.flash);
        if (part) part.classList.add("flash-in");
        if (o.swapped) o.swapped(before);
        if (!status) return;
        if (o.stamp) say(status.classList.contains("off") ? "off" : "on", status.dataset.labelUpdated + " " + stamp());
        else say("on", status.dataset.labelLive);
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  if (window.EventSource) {
    es = new EventSource(o.eventsUrl);
    es.addEventListener("open", function () { say("on", status && status.dataset.labelLive); });
    es.addEventListener("refresh", refresh);
    es.addEventListener("gone", stop);
    es.addEventListener("error", function () { if (!stopped) say("off", status && status.dataset.labelReconnecting); });
  }
  setInterval(refresh, 60000);
  return { refresh: refresh };
};
