// The capture page's offline copy belongs to one signed-in user. On every workspace page, drop the
// copies of anyone else: after a sign-out (the login page) nobody's data stays offline, and another
// producer signing in on the same phone never sees the first one's batches. Records waiting to be
// sent are kept (IndexedDB, per user) and never shown to anyone but their author.
"use strict";
(function () {
  if (!("caches" in window)) return;
  var user = document.documentElement.getAttribute("data-user") || "";
  var keep = user ? "capture-user-" + user : null;
  caches.keys().then(function (names) {
    names.forEach(function (name) {
      if (name.indexOf("capture-user-") === 0 && name !== keep) caches.delete(name);
    });
  });
})();
