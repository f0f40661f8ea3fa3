// The field-capture page's service worker (scope /workspace/capture).
//
// The page and its data (open batches, areas, facilities) belong to the signed-in user: they are
// fetched from the network first and kept in the cache "capture-user-<id>" named by the server's
// X-Capture-User header; one user's cache at a time, dropped when another user's answer arrives or
// the session has ended (a redirect to the login page). Offline, the single cache left answers; with
// none, the page says to open it once with a signal. Scripts, styles and icons hold no user data
// and are kept in the shell cache. Writes (POST) always go to the network.
"use strict";

var SHELL = "capture-shell-v1";
var USER_PREFIX = "capture-user-";
var SCOPE = new URL("./", self.location).pathname.replace(/\/$/, "");  // /workspace/capture
var PAGE = SCOPE;
var DATA = SCOPE + "/data";
var STATIC = new URL("../../static/", self.location).pathname;
var SHELL_FILES = ["capture/capture.js", "capture/capture.css", "capture/forget.js",
                   "capture/icon-192.png", "capture/icon-512.png", "workspace.css"]
  .map(function (name) { return STATIC + name; });

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_FILES); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("capture-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function forgetUsersBut(user) {
  var keep = user ? USER_PREFIX + user : null;
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(USER_PREFIX) === 0 && name !== keep;
    }).map(function (name) { return caches.delete(name); }));
  });
}

function cachedForOneUser(path) {
  return caches.keys().then(function (names) {
    var users = names.filter(function (name) { return name.indexOf(USER_PREFIX) === 0; });
    if (users.length !== 1) return undefined;  // nobody's, or unclear whose: show nothing
    return caches.open(users[0]).then(function (cache) { return cache.match(path); });
  });
}

function offlineAnswer(path) {
  if (path === DATA) {
    return new Response(JSON.stringify({offline: true}), {
      status: 503, headers: {"Content-Type": "application/json"}});
  }
  var body = "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<title>Ghi nhật ký · tracelabel</title><body style=\"font-family:system-ui,sans-serif;" +
    "margin:1.5rem;line-height:1.5\"><h1>Ghi nhật ký sản xuất</h1><p id=\"not-cached\">" +
    "Không có mạng, và máy này chưa lưu dữ liệu của tài khoản đang đăng nhập. Hãy mở trang này " +
    "một lần khi có mạng (sau khi đăng nhập) để dùng được khi mất sóng.</p><p lang=\"en\">" +
    "No signal, and this phone keeps no data of the signed-in account yet. Open this page once " +
    "with a signal (signed in) to use it offline.</p></body></html>";
  return new Response(body, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
}

function networkFirst(request, path) {
  return fetch(request).then(function (response) {
    var user = response.headers.get("X-Capture-User");
    if (response.ok && user && !response.redirected) {
      var copy = response.clone();
      return forgetUsersBut(user)
        .then(function () { return caches.open(USER_PREFIX + user); })
        .then(function (cache) { return cache.put(path, copy); })
        .then(function () { return response; });
    }
    if (response.type === "opaqueredirect" || response.redirected || response.status === 401 ||
        response.status === 403) {
      return forgetUsersBut(null).then(function () { return response; });  // signed out
    }
    return response;
  }, function () {
    return cachedForOneUser(path).then(function (hit) { return hit || offlineAnswer(path); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE || url.pathname === DATA) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (SHELL_FILES.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname, {cacheName: SHELL}).then(function (hit) {
      return hit || fetch(request);
    }));
  }
});

// The page asks once it is controlled: keep its page and data for offline use, then say so.
self.addEventListener("message", function (event) {
  if (!event.data || event.data.type !== "keep-for-offline") return;
  var source = event.source;
  event.waitUntil(Promise.all([PAGE, DATA].map(function (path) {
    return networkFirst(new Request(path, {credentials: "same-origin"}), path);
  })).then(function (answers) {
    var kept = answers.every(function (answer) {
      return answer.ok && answer.headers.get("X-Capture-User");
    });
    if (source) source.postMessage({type: "kept-for-offline", ok: kept});
  }));
});
