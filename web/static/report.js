// ceptor reports: progressive enhancements of the report form; it works
// without them (every field is shown and the server checks everything).
(function () {
  "use strict";
  // Buttons that need a confirmation: <button data-confirm="...">.
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button[data-confirm]") : null;
    if (b && !window.confirm(b.dataset.confirm)) e.preventDefault();
  });

  var form = document.querySelector("form.rep-form");
  if (!form) return;

  // The CEPTOR choice is only for the anonymous route.
  var routeBlocks = form.querySelectorAll("[data-show-route]");
  function syncRoute() {
    var checked = form.querySelector("input[data-route]:checked");
    var route = checked ? checked.value : "";
    routeBlocks.forEach(function (el) { el.hidden = el.dataset.showRoute !== route; });
  }
  form.querySelectorAll("input[data-route]").forEach(function (r) { r.addEventListener("change", syncRoute); });
  if (form.querySelector("input[data-route]")) syncRoute();

  // The weak-anonymity warning follows the chosen CEPTOR.
  var ceptor = form.querySelector("select[name=ceptor_id]");
  var warn = form.querySelector("[data-weak-warning]");
  if (ceptor && warn) {
    var syncWeak = function () {
      var opt = ceptor.options[ceptor.selectedIndex];
      warn.hidden = !(opt && opt.dataset.weak === "1");
    };
    ceptor.addEventListener("change", syncWeak);
    syncWeak();
  }

  // The spill-over sector is asked only when that cause is ticked.
  var spill = form.querySelector("input[data-spill]");
  var target = form.querySelector("[data-spill-target]");
  if (spill && target) {
    var syncSpill = function () { target.hidden = !spill.checked; };
    spill.addEventListener("change", syncSpill);
    syncSpill();
  }
})();
