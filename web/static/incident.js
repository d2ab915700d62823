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
  if (!box || !window.ceptorLive) return;
  window.ceptorLive({ box: box, status: document.querySelector("[data-live-status]"),
    rowsUrl: box.dataset.rowsUrl, eventsUrl: box.dataset.eventsUrl, flash: ".board-body", stamp: true });
})();
