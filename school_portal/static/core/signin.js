/*
 * A code from a printed QR code, carried in the URL fragment, put into a sign-in form.
 *
 * A child's badge opens /student/signin/#badge=CODE; a guardian's invitation letter opens /guardian/join/#code=CODE.
 * Both codes are credentials, so they travel in the fragment: it never reaches the server (no access or proxy log,
 * no Referer). The page's form says which fragment parameter fills which of its fields:
 *
 *   <form data-fill-from-fragment="badge" data-fill-field="badge_code">
 *
 * This script puts the code into that field, takes the fragment out of the address so that the code does not stay
 * in the browser's history (a shared tablet's, a family phone's), and puts the focus on the next thing to do: the
 * form's first empty field, or its submit button when nothing else is asked (one tap on a tablet that knows its
 * class). It never submits the form itself.
 *
 * Also on "hashchange": a code scanned while the page is already open changes only the fragment, with no reload.
 * Without JavaScript the code printed under the QR code is typed. No inline script: CSP is script-src 'self'.
 */
(function () {
  "use strict";

  var FILLABLE = /^(?:text|search|tel|email|url|password|number)$/;

  function codeFromHash(key) {
    var value = new URLSearchParams(window.location.hash.replace(/^#/, "")).get(key);
    return value === null ? null : value.trim();
  }

  function forgetHash() {
    if (window.history && typeof window.history.replaceState === "function") {
      window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
    }
  }

  function isEmptyField(element) {
    var fillable = element.tagName === "TEXTAREA" || element.tagName === "SELECT" ||
      (element.tagName === "INPUT" && FILLABLE.test(element.type));
    return fillable && !element.disabled && !element.readOnly && !element.value.trim();
  }

  function focusNext(form) {
    var fields = Array.prototype.filter.call(form.elements, isEmptyField);
    var next = fields[0] || form.querySelector('button[type="submit"], input[type="submit"]');
    if (next) {
      next.focus();
    }
  }

  function fill(form) {
    var code = codeFromHash(form.dataset.fillFromFragment);
    if (code === null) {
      return;  // another fragment, such as the skip link's #main: not ours
    }
    forgetHash();
    var field = form.elements.namedItem(form.dataset.fillField || "");
    if (!field || !code) {
      return;
    }
    field.value = field.maxLength > 0 ? code.slice(0, field.maxLength) : code;
    focusNext(form);
  }

  function apply() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-fill-from-fragment]"), fill);
  }

  apply();
  window.addEventListener("hashchange", apply);
})();
