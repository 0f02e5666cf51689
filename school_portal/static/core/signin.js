/*
 * Student sign-in from a badge's QR code, which opens /student/signin/#badge=CODE.
 *
 * The badge code is a child's credential, so it travels in the fragment: it never reaches the server (no access
 * or proxy log, no Referer). This script puts it into the badge field, takes the fragment out of the address so
 * that the code does not stay in a shared tablet's history, and puts the focus on the Start button when the
 * tablet already knows its class code: one tap to start. It never submits the form itself.
 *
 * Also on "hashchange": a badge scanned while the page is already open changes only the fragment, with no reload.
 * Without JavaScript the child types the code printed under the QR code. No inline script: CSP is script-src 'self'.
 */
(function () {
  "use strict";

  var BADGE = /(?:^#|&)badge=([^&]*)/;

  function badgeFromHash() {
    var match = BADGE.exec(window.location.hash);
    if (!match) {
      return null;
    }
    try {
      return decodeURIComponent(match[1].replace(/\+/g, " ")).trim();
    } catch (error) {
      return "";
    }
  }

  function forgetHash() {
    if (window.history && typeof window.history.replaceState === "function") {
      window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search);
    }
  }

  function apply() {
    var code = badgeFromHash();
    if (code === null) {
      return;
    }
    forgetHash();
    var badge = document.getElementById("id_badge_code");
    if (!badge || !code) {
      return;
    }
    badge.value = badge.maxLength > 0 ? code.slice(0, badge.maxLength) : code;
    var classCode = document.getElementById("id_class_code");
    var start = badge.form && badge.form.querySelector('button[type="submit"]');
    if (classCode && classCode.value.trim() && start) {
      start.focus();
    } else if (classCode) {
      classCode.focus();
    }
  }

  apply();
  window.addEventListener("hashchange", apply);
})();
