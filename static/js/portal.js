// Customer portal: a form is sent once. A second click (or a double click) while the first
// submit is on its way sends nothing, so a promise or dispute is never refused as "already
// made" by its own twin. The server finds a twin too (dunning.portal.services.earlier_*); this
// spares the request. Coming back to the page (the back button) makes the forms sendable again.
// A static file: the CSP allows no inline script.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.sending) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "1";
    form.setAttribute("aria-busy", "true");
  });
  window.addEventListener("pageshow", function () {
    var sent = document.querySelectorAll("form[data-sending]");
    for (var i = 0; i < sent.length; i++) {
      delete sent[i].dataset.sending;
      sent[i].removeAttribute("aria-busy");
    }
  });
})();
