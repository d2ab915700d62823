// ceptor operator inbox (受信箱): the list is read again whenever the server
// says that an advisory arrived, changed or was confirmed, and every minute
// in case a hint was missed. The page works without this script.
(function () {
  "use strict";
  var box = document.querySelector("[data-inbox]");
  if (!box || !window.ceptorLive) return;
  function ids() {
    var seen = {};
    box.querySelectorAll("[data-advisory-id]").forEach(function (li) { seen[li.dataset.advisoryId] = true; });
    return seen;
  }
  window.ceptorLive({ box: box, status: document.querySelector("[data-live-status]"),
    rowsUrl: box.dataset.rowsUrl, eventsUrl: box.dataset.eventsUrl,
    // Do not replace the list under a hand that is using it.
    holdWhileFocused: true,
    before: ids,
    swapped: function (before) {
      box.querySelectorAll("[data-advisory-id]").forEach(function (li) {
        if (!before[li.dataset.advisoryId]) li.classList.add("flash-in");
      });
    } });
})();
