// ceptor: account and administration pages. Progressive enhancement only.
(function () {
  "use strict";
  // Searchable organisation list on "add user": typing narrows the select.
  var filter = document.getElementById("org-filter");
  var select = document.getElementById("org_id");
  if (filter && select && select.tagName === "SELECT") {
    filter.hidden = false;
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      select.querySelectorAll("optgroup").forEach(function (g) {
        var shown = 0;
        g.querySelectorAll("option").forEach(function (o) {
          var hit = q === "" || o.textContent.toLowerCase().indexOf(q) >= 0;
          o.hidden = !hit;
          if (hit) shown++;
        });
        g.hidden = shown === 0;
      });
    });
  }
  // Password fields of "add user" only matter when "set it myself" is chosen.
  var fields = document.querySelector(".pw-fields");
  if (fields) {
    var sync = function () {
      var set = document.querySelector('input[name="pw_mode"][value="set"]');
      fields.hidden = !(set && set.checked);
    };
    document.querySelectorAll('input[name="pw_mode"]').forEach(function (r) { r.addEventListener("change", sync); });
    sync();
  }
})();
