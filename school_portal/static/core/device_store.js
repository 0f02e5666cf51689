/* What a shared tablet keeps in its localStorage between pages, for the plug-ins' pages that save as the child
 * works (classrooms' worksheet, the coding lab): reading and writing an entry whatever the storage does (full,
 * refused, unreadable), and the rule for what the school has already confirmed.
 *
 * A saved entry stays on the tablet a minute after the school confirmed it (``confirmed``: the tablet's time of
 * the confirmation), never sent again: a page reloaded while the save was on its way may have been drawn before
 * the save committed, and shows the confirmed entry instead. Past that minute it is ``aged`` and goes.
 */
(function () {
  "use strict";

  var KEEP_CONFIRMED_MS = 60 * 1000;

  // Whether ``item`` was confirmed by the school more than a minute before ``now``.
  function aged(item, now) {
    return !!(item && item.confirmed) && now - item.confirmed > KEEP_CONFIRMED_MS;
  }

  // The entry stored under ``key``, or null (none, unreadable, or no storage).
  function read(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  // Stores ``value`` under ``key`` (null removes the entry); false if the storage refused it.
  function store(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, JSON.stringify(value));
      return true;
    } catch (e) {
      return false;
    }
  }

  // Calls ``visit(key, value)`` for each readable entry whose key starts with ``prefix``: every child's and
  // page's on this tablet.
  function each(prefix, visit) {
    var keys = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) keys.push(window.localStorage.key(i));
    } catch (e) {
      return;
    }
    keys.forEach(function (key) {
      if (!key || key.indexOf(prefix) !== 0) return;
      var value = read(key);
      if (value) visit(key, value);
    });
  }

  window.DeviceStore = { KEEP_CONFIRMED_MS: KEEP_CONFIRMED_MS, aged: aged, read: read, store: store, each: each };
})();
