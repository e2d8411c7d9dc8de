/* The live console, when scripts run: the codes' stock and the claims refresh themselves every
   few seconds while live (paused while the tab is hidden); "Chốt đơn" sends once however often
   it is tapped; the commune suggestions follow the chosen province. Without this file the page
   does all of it by a reload. */
(function () {
  "use strict";
  var EVERY = 4000;

  function swap(doc, id) {
    var fresh = doc.getElementById(id);
    var old = document.getElementById(id);
    if (fresh && old && old.innerHTML !== fresh.innerHTML) {
      old.innerHTML = fresh.innerHTML;
    }
  }

  var board = document.getElementById("board");
  if (board && board.getAttribute("data-status") === "live") {
    var url = board.getAttribute("data-board");
    var busy = false;
    var timer = null;
    var refresh = function () {
      if (document.hidden || busy) { return; }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          swap(doc, "codes");
          swap(doc, "claims");
          swap(doc, "stock-line");
          var codes = doc.getElementById("codes");
          if (codes && codes.getAttribute("data-status") !== "live") {
            window.clearInterval(timer);
          }
        })
        .catch(function () { /* a dropped connection: the next round tries again */ })
        .then(function () { busy = false; });
    };
    timer = window.setInterval(refresh, EVERY);
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { refresh(); }
    });
    var hint = document.querySelector("[data-auto]");
    if (hint) { hint.textContent = hint.getAttribute("data-auto-text") || hint.textContent; }
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-once]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.setAttribute("aria-disabled", "true"); }
    });
  });

  var province = document.getElementById("province");
  var list = document.getElementById("communes");
  if (province && list) {
    province.addEventListener("change", function () {
      if (!province.value) { return; }
      var address = province.getAttribute("data-communes").replace("CODE", encodeURIComponent(province.value));
      fetch(address, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body) { return; }
          list.innerHTML = "";
          body.items.forEach(function (place) {
            var option = document.createElement("option");
            option.value = place.name;
            list.appendChild(option);
          });
        })
        .catch(function () {});
    });
  }
}());
