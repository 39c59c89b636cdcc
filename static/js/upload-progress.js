// Uploads with progress: a form marked data-upload-progress is sent with XMLHttpRequest so the
// page can show how much of a big file has gone up, then that the server is importing it.
// Without JavaScript the form posts as usual. (A static file: the CSP allows no inline script.)
(function () {
  "use strict";
  function attach(form) {
    var box = form.querySelector("[data-progress]");
    if (!box || !window.XMLHttpRequest || !window.FormData) return;
    var bar = box.querySelector("span");
    var label = box.parentNode.querySelector("[data-progress-label]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      box.hidden = false;
      if (label) { label.hidden = false; label.textContent = form.dataset.uploading; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round((e.loaded / e.total) * 100);
        bar.style.width = percent + "%";
        box.setAttribute("aria-valuenow", percent);
        if (label) label.textContent = form.dataset.uploading + " " + percent + "%";
      });
      xhr.upload.addEventListener("load", function () {
        bar.style.width = "100%";
        box.setAttribute("aria-valuenow", 100);
        box.classList.add("working");
        if (label) label.textContent = form.dataset.processing;
      });
      xhr.addEventListener("load", function () {
        // A refused file comes back as the form with its message: show it in place of the form.
        // Otherwise the import is done (the server redirected to the page with its summary).
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = doc.getElementById(form.id);
        if (xhr.status === 200 && fresh && fresh.querySelector(".errorlist")) {
          form.replaceWith(fresh);
          attach(fresh);
          return;
        }
        window.location.assign(xhr.responseURL || window.location.href);
      });
      xhr.addEventListener("error", function () {
        if (button) button.disabled = false;
        if (label) label.textContent = form.dataset.failed;
      });
      xhr.send(new FormData(form));
    });
  }
  document.querySelectorAll("form[data-upload-progress]").forEach(attach);
})();
