// ceptor advisories: the live receipt dashboard (疎通確認). The page works
// without this script; with it, the body is read again whenever the server
// says that a confirmation arrived, and every minute in case a hint was missed.
(function () {
  "use strict";
  var box = document.querySelector("[data-receipts]");
  if (!box || !window.ceptorLive) return;
  window.ceptorLive({ box: box, status: document.querySelector("[data-live-status]"),
    rowsUrl: box.dataset.rowsUrl, eventsUrl: box.dataset.eventsUrl, flash: ".receipts-body" });
})();
