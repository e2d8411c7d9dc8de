// The checkout's address picker: choosing a province fills its communes from the places API.
// Without scripts the "Choose" button shows the form again with them; this only saves a trip.
(function () {
  "use strict";
  var province = document.getElementById("province");
  var commune = document.getElementById("commune");
  if (!province || !commune || province.tagName !== "SELECT" || !province.dataset.communes) return;
  var first = commune.options[0];
  var choose = commune.dataset.choose || (first ? first.textContent : "");
  var stale = document.getElementById("stale");
  var rendered = "";
  for (var i = 0; i < province.options.length; i++) {
    if (province.options[i].defaultSelected) rendered = province.options[i].value;
  }
  function fill() {
    var code = province.value;
    // Shipping depends on the province: the total shown is for the one before.
    if (stale) {
      stale.hidden = false;
      var total = document.querySelector(".grand");
      if (total) total.hidden = true;
    }
    commune.length = 0;
    var placeholder = document.createElement("option");
    placeholder.value = "";
    placeholder.textContent = choose;
    commune.appendChild(placeholder);
    commune.disabled = !code;
    if (!code) return;
    commune.setAttribute("aria-busy", "true");
    fetch(province.dataset.communes + encodeURIComponent(code) + "/communes", {
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (body) {
        (body.items || []).forEach(function (place) {
          var option = document.createElement("option");
          option.value = place.code;
          option.textContent = place.name;
          commune.appendChild(option);
        });
      })
      .catch(function () {
        // The "Choose" button still works: the server fills the list.
        commune.disabled = true;
      })
      .finally(function () {
        commune.removeAttribute("aria-busy");
      });
  }
  province.addEventListener("change", fill);
  // On slow 4G a buyer may pick the province before this script arrives: its change went by
  // unheard, and the communes listed are still those of the province the page came with.
  if (province.value !== rendered) fill();
})();
