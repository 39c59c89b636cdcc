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

  // Switching the language reloads the page: what the customer typed in the page's other forms
  // goes along in sessionStorage and is put back in the fields, once, on the same page.
  var CARRY = "portal-carry";

  function fields(form) {
    var out = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.disabled) continue;
      if (el.type === "hidden" || el.type === "file" || el.type === "password" || el.type === "submit") continue;
      out.push(el);
    }
    return out;
  }

  function keep() {
    var forms = {};
    var all = document.querySelectorAll("form:not(.langswitch)");
    for (var i = 0; i < all.length; i++) {
      var values = {};
      fields(all[i]).forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") {
          values[el.name] = values[el.name] || [];
          if (el.checked) values[el.name].push(el.value);
        } else {
          values[el.name] = el.value;
        }
      });
      forms[(all[i].getAttribute("action") || "") + "#" + i] = values;
    }
    try {
      sessionStorage.setItem(CARRY, JSON.stringify({ path: location.pathname, forms: forms }));
    } catch (e) { /* storage off: the switch works, the words are not kept */ }
  }

  function putBack() {
    var saved;
    try {
      saved = JSON.parse(sessionStorage.getItem(CARRY) || "null");
      sessionStorage.removeItem(CARRY);
    } catch (e) { return; }
    if (!saved || saved.path !== location.pathname) return;
    var all = document.querySelectorAll("form:not(.langswitch)");
    for (var i = 0; i < all.length; i++) {
      var values = saved.forms[(all[i].getAttribute("action") || "") + "#" + i];
      if (!values) continue;
      fields(all[i]).forEach(function (el) {
        if (!(el.name in values)) return;
        var value = values[el.name];
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = value.indexOf(el.value) !== -1;
        } else if (el.tagName === "SELECT") {
          for (var j = 0; j < el.options.length; j++) if (el.options[j].value === value) el.value = value;
        } else {
          el.value = value;
        }
      });
    }
  }

  document.addEventListener("submit", function (event) {
    if (event.target.classList && event.target.classList.contains("langswitch")) keep();
  }, true);
  putBack();
})();
