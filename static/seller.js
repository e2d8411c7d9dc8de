/* Seller centre: small helps when scripts run; every form works without them.
   - forms marked data-upload are sent with XMLHttpRequest to show the upload's progress; when
     the network fails the form stays as it was, with a message, ready to send again;
   - the commune list follows the chosen province;
   - "Print" on the label page. */
(function () {
  "use strict";

  function text(box, name, fallback) {
    return (box && box.getAttribute("data-" + name)) || fallback;
  }

  function showAnswer(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.querySelector("main");
    // Only an answer that gives the form back replaces this one (never an error page).
    if (!main || !main.querySelector("form[data-upload]")) { return false; }
    document.querySelector("main").innerHTML = main.innerHTML;
    if (doc.title) { document.title = doc.title; }
    init(document.querySelector("main"));
    var first = document.querySelector("#form-errors, .field-error, .error");
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus();
      first.scrollIntoView({ block: "center" });
    }
    return true;
  }

  function sendWithProgress(form, event) {
    if (!window.FormData || !window.XMLHttpRequest) { return; }
    event.preventDefault();
    var box = form.querySelector(".upload-progress");
    var bar = box && box.querySelector("progress");
    var say = box && box.querySelector(".upload-text");
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    function tell(message, percent) {
      if (!box) { return; }
      box.hidden = false;
      if (say) { say.textContent = message; }
      if (bar && percent !== null) { bar.value = percent; }
    }
    function failed(message) {
      if (button) { button.disabled = false; }
      if (box) { box.classList.add("failed"); }
      tell(message || text(box, "failed", "The network is weak: nothing was lost. Press Save again."), 0);
    }
    xhr.open("POST", form.action);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        var percent = Math.round((e.loaded / e.total) * 100);
        tell(text(box, "sending", "Sending…") + " " + percent + "%", percent);
      }
    };
    xhr.upload.onload = function () { tell(text(box, "saving", "Saving…"), 100); };
    xhr.onload = function () {
      var redirected = xhr.responseURL && xhr.responseURL.split("#")[0] !== form.action.split("#")[0];
      if (xhr.status >= 200 && xhr.status < 300 && redirected) {
        window.location.assign(xhr.responseURL);
        return;
      }
      if (xhr.status === 413) {
        failed(text(box, "toolarge", "The photos are too large together: send fewer at a time."));
        return;
      }
      if (xhr.status < 500 && showAnswer(xhr.responseText)) { return; }
      failed();
    };
    xhr.onerror = function () { failed(); };
    xhr.ontimeout = function () { failed(); };
    if (button) { button.disabled = true; }
    if (box) { box.classList.remove("failed"); }
    tell(text(box, "sending", "Sending…") + " 0%", 0);
    xhr.send(new FormData(form));
  }

  function showChosen(input) {
    var list = input.nextElementSibling;
    if (!list) { return; }
    list.innerHTML = "";
    Array.prototype.forEach.call(input.files || [], function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " · " + Math.round(file.size / 1024) + " KB";
      list.appendChild(item);
    });
    list.hidden = !input.files || !input.files.length;
  }

  function followProvince(select) {
    var url = select.getAttribute("data-communes");
    var communes = document.getElementById("f-commune");
    if (!url || !communes || !window.fetch) { return; }
    select.addEventListener("change", function () {
      fetch(url.replace("CODE", encodeURIComponent(select.value)), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (!body) { return; }
          var first = communes.options[0];
          communes.innerHTML = "";
          communes.appendChild(first);
          body.items.forEach(function (place) {
            var option = document.createElement("option");
            option.value = place.code;
            option.textContent = place.name;
            communes.appendChild(option);
          });
          communes.value = "";
          var hint = document.getElementById("commune-hint");
          if (hint) { hint.hidden = true; }
        })
        .catch(function () { /* the form still takes the commune after a reload */ });
    });
  }

  function init(root) {
    document.documentElement.classList.add("js");
    Array.prototype.forEach.call(root.querySelectorAll("form[data-upload]"), function (form) {
      form.addEventListener("submit", function (event) { sendWithProgress(form, event); });
    });
    Array.prototype.forEach.call(root.querySelectorAll("input.photo-input"), function (input) {
      input.addEventListener("change", function () { showChosen(input); });
    });
    var province = root.querySelector("#f-province");
    if (province) { followProvince(province); }
    Array.prototype.forEach.call(root.querySelectorAll(".print-button"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
