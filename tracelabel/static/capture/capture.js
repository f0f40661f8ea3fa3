// Field capture: record chain events on the phone (IndexedDB), send them when there is a signal.
//
// Each record gets a client-made id, which is its Idempotency-Key when sent (its photos use
// "<id>:photo:<n>"): a record sent twice (a lost answer, two tabs) is stored once. A record the
// server refuses stays, marked with the reason the server gave, until it is fixed or discarded.
// Records belong to the user who made them and are only shown to, and sent by, that user.
"use strict";
(function () {
  var root = document.getElementById("capture");
  if (!root) return;
  var USER = root.getAttribute("data-user");
  var BASE = root.getAttribute("data-base-url");
  var DATA_URL = root.getAttribute("data-data-url");
  var M = JSON.parse(document.getElementById("capture-messages").textContent);
  var VIETNAM_MS = 7 * 3600 * 1000;
  var SENT_KEPT = 20;

  var form = document.getElementById("record");
  var $ = function (id) { return document.getElementById(id); };
  var data = null;
  var syncing = false;
  var editing = null;
  var notice = "";

  // --- the phone's storage -------------------------------------------------------------------
  var dbReady = new Promise(function (resolve, reject) {
    var request = indexedDB.open("tracelabel-capture", 1);
    request.onupgradeneeded = function () {
      var store = request.result.createObjectStore("records", {keyPath: "id"});
      store.createIndex("user", "userId");
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });

  function withStore(mode, work) {
    return dbReady.then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction("records", mode);
        var request = work(transaction.objectStore("records"));
        transaction.oncomplete = function () { resolve(request ? request.result : undefined); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
      });
    });
  }
  function myRecords() {
    return withStore("readonly", function (store) { return store.index("user").getAll(USER); })
      .then(function (records) {
        return records.sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
      });
  }
  function save(record) { return withStore("readwrite", function (s) { return s.put(record); }); }
  function drop(id) { return withStore("readwrite", function (s) { return s.delete(id); }); }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); })
      .join("");
  }

  // --- times: Vietnam time whatever the phone's zone ------------------------------------------
  function vietnamLocal(date) { return new Date(date.getTime() + VIETNAM_MS).toISOString().slice(0, 16); }
  function vietnamIso(date) {
    return new Date(date.getTime() + VIETNAM_MS).toISOString().slice(0, 19) + "+07:00";
  }
  function shown(iso) {  // "2026-11-29T08:30:00+07:00" -> "29/11/2026 08:30"
    return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) + " " + iso.slice(11, 16);
  }
  function say(message, params) {
    return message.replace(/%\((\w+)\)s/g, function (_m, name) { return params[name]; });
  }

  // --- the lists the page keeps offline ------------------------------------------------------
  function option(value, label) {
    var element = document.createElement("option");
    element.value = value;
    element.textContent = label;
    return element;
  }
  function fill(select, first, items, label) {
    var chosen = select.value;
    select.replaceChildren(option("", first));
    items.forEach(function (item) { select.append(option(String(item.id), label(item))); });
    select.value = chosen;
  }
  function showData() {
    fill($("batch"), M.choose, data.batches, function (b) {
      return b.product + " · " + b.lot + (b.status === "draft" ? "" : " (" + b.code + ")");
    });
    var steps = $("step");
    var chosen = steps.value;
    steps.replaceChildren(option("", M.choose));
    data.steps.forEach(function (s) { steps.append(option(s.key, s.label)); });
    steps.value = chosen;
    fill($("area"), M.none, data.areas, function (a) { return a.name + (a.code ? " (" + a.code + ")" : ""); });
    fill($("facility"), M.none, data.facilities, function (f) { return f.name; });
    form.hidden = false;
  }

  function loadData() {
    return fetch(DATA_URL, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || !json) { notice = M.sign_in_again; return null; }
        if (!response.ok) return null;
        return response.json().then(function (body) {
          if (String(body.user_id) !== USER) return null;  // never another user's lists
          data = body;
          showData();
          return data;
        });
      }, function () { return null; });
  }

  // --- recording -----------------------------------------------------------------------------
  function resetForm() {
    editing = null;
    form.reset();
    $("occurred").value = vietnamLocal(new Date());
    $("cancel-edit").hidden = true;
    $("form-error").hidden = true;
  }
  function formError(message) {
    $("form-error").textContent = message;
    $("form-error").hidden = false;
  }
  function position() {
    if (!$("share-position").checked || !navigator.geolocation) return Promise.resolve(null);
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(function (found) {
        resolve({latitude: found.coords.latitude, longitude: found.coords.longitude,
                 accuracy: found.coords.accuracy});
      }, function () { notice = M.position_refused; resolve(null); },
      {enableHighAccuracy: true, timeout: 20000, maximumAge: 60000});
    });
  }
  function chosenLabel(select) { return select.options[select.selectedIndex].textContent; }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!$("batch").value) return formError(M.need_batch);
    if (!$("step").value) return formError(M.need_step);
    if (!$("occurred").value) return formError(M.need_time);
    var files = Array.prototype.slice.call($("photos").files);
    var base = editing || {id: newId(), userId: USER, createdAt: new Date().toISOString(),
                           recordedAt: vietnamIso(new Date()), photos: [], photosSent: 0,
                           nextPhoto: 0, eventId: null};
    var record = Object.assign({}, base, {
      batchId: Number($("batch").value), batchLabel: chosenLabel($("batch")),
      step: $("step").value, stepLabel: chosenLabel($("step")),
      occurredAt: $("occurred").value.slice(0, 16) + ":00+07:00",
      areaId: $("area").value ? Number($("area").value) : null,
      facilityId: $("facility").value ? Number($("facility").value) : null,
      place: $("place").value.trim() || null, note: $("note").value.trim() || null,
      photosPublic: $("photos-public").checked, state: "waiting", reason: null,
    });
    record.photos = base.photos.concat(files.map(function (file, n) {
      return {key: record.id + ":photo:" + (base.nextPhoto + n), blob: file,
              name: file.name || "photo.jpg"};
    }));
    record.nextPhoto = base.nextPhoto + files.length;
    var wasEditing = Boolean(editing);
    position().then(function (found) {
      if (found) record.position = found;
      else if (!wasEditing) record.position = null;
      return save(record);
    }).then(function () {
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
      notice = wasEditing ? M.changed : M.saved;
      resetForm();
      root.scrollIntoView();
      return render();
    }).then(function () { if (navigator.onLine) sync(); }, function () {
      formError(M.storage_full);
    });
  });
  $("cancel-edit").addEventListener("click", function () { resetForm(); render(); });

  function startFix(record) {
    editing = record;
    if (!Array.prototype.some.call($("batch").options, function (o) {
      return o.value === String(record.batchId);
    })) {
      $("batch").append(option(String(record.batchId), record.batchLabel));
    }
    $("batch").value = String(record.batchId);
    $("step").value = record.step;
    $("occurred").value = record.occurredAt.slice(0, 16);
    $("area").value = record.areaId ? String(record.areaId) : "";
    $("facility").value = record.facilityId ? String(record.facilityId) : "";
    $("place").value = record.place || "";
    $("note").value = record.note || "";
    $("photos-public").checked = record.photosPublic;
    $("cancel-edit").hidden = false;
    form.scrollIntoView();
    $("batch").focus();
  }

  // --- sending -------------------------------------------------------------------------------
  function post(url, body, key, json) {
    var headers = {"Accept": "application/json", "Idempotency-Key": key,
                   "X-CSRFToken": data.csrf_token};
    if (json) headers["Content-Type"] = "application/json";
    return fetch(url, {method: "POST", credentials: "same-origin", headers: headers, body: body})
      .then(null, function () { return null; });
  }
  function isProblem(response) {
    return (response.headers.get("Content-Type") || "").indexOf("json") !== -1 &&
      [400, 403, 404, 409, 413, 422].indexOf(response.status) !== -1;
  }
  function reasonOf(response) {
    return response.json().then(function (problem) {
      var details = (problem.errors || []).map(function (e) { return e.message; });
      return [problem.title].concat(details).join(" ");
    });
  }
  function eventBody(record) {
    var body = {step: record.step, occurred_at: record.occurredAt, recorded_at: record.recordedAt,
                area_id: record.areaId, facility_id: record.facilityId, place: record.place,
                note: record.note};
    if (record.position) {
      body.latitude = record.position.latitude;
      body.longitude = record.position.longitude;
      body.position_accuracy_m = record.position.accuracy;
    }
    return body;
  }
  // "stop": no answer (no signal, server busy, session ended); "next": go on with the next record.
  function stopped(response) {
    notice = response && response.redirected ? M.sign_in_again : M.server_busy;
    return "stop";
  }
  function send(record) {
    var url = BASE + "/batches/" + record.batchId + "/events";
    var first = record.eventId ? Promise.resolve("sent") :
      post(url, JSON.stringify(eventBody(record)), record.id, true).then(function (response) {
        if (response === null || response.redirected) return stopped(response);
        if (response.status === 201) {
          record.replayed = response.headers.get("Idempotent-Replayed") === "true";
          return response.json().then(function (event) {
            record.eventId = event.id;
            return save(record).then(function () { return "sent"; });
          });
        }
        if (!isProblem(response)) return "stop";
        return reasonOf(response).then(function (reason) {
          record.state = "refused";
          record.reason = reason;
          return save(record).then(function () { return "next"; });
        });
      });
    return first.then(function (outcome) {
      return outcome === "sent" ? sendPhotos(record) : outcome;
    });
  }
  function sendPhotos(record) {
    if (!record.photos.length) {
      record.state = "sent";
      record.sentAt = new Date().toISOString();
      record.reason = null;
      return save(record).then(function () { return "next"; });
    }
    var photo = record.photos[0];
    var body = new FormData();
    body.append("file", photo.blob, photo.name);
    body.append("public", record.photosPublic ? "true" : "false");
    var url = BASE + "/batches/" + record.batchId + "/events/" + record.eventId + "/photos";
    return post(url, body, photo.key, false).then(function (response) {
      if (response === null || response.redirected) return stopped(response);
      if (response.status === 201) {
        record.photos.shift();
        record.photosSent += 1;
        return save(record).then(function () { return sendPhotos(record); });
      }
      if (!isProblem(response)) return "stop";
      return reasonOf(response).then(function (reason) {
        record.state = "refused";
        record.photoRefused = true;
        record.reason = say(M.photo_refused, {n: record.photosSent + 1}) + " " + reason;
        return save(record).then(function () { return "next"; });
      });
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    var run = function () {
      return loadData().then(function (fresh) {
        if (!fresh) return render();
        return myRecords().then(function (records) {
          var waiting = records.filter(function (r) { return r.state === "waiting"; });
          var chain = Promise.resolve("next");
          waiting.forEach(function (record) {
            chain = chain.then(function (outcome) {
              if (outcome === "stop") return "stop";
              markSending(record.id);
              return send(record);
            });
          });
          return chain.then(function (outcome) {
            if (outcome !== "stop" && waiting.length) notice = M.sync_done;
            return tidySent();
          });
        });
      });
    };
    // Two tabs never send at once (the key would make it harmless, but quieter this way).
    var locked = navigator.locks ? navigator.locks.request("tracelabel-capture-sync", run) : run();
    return Promise.resolve(locked).then(null, function () { notice = M.server_busy; })
      .then(function () { syncing = false; return render(); });
  }
  function tidySent() {
    return myRecords().then(function (records) {
      var sent = records.filter(function (r) { return r.state === "sent"; }).reverse();
      return Promise.all(sent.slice(SENT_KEPT).map(function (r) { return drop(r.id); }));
    });
  }

  // --- the lists -----------------------------------------------------------------------------
  function markSending(id) {
    var item = document.querySelector('[data-record="' + id + '"] .state');
    if (item) item.textContent = M.sending;
  }
  function button(label, action) {
    var element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    element.addEventListener("click", action);
    return element;
  }
  function describe(record) {
    var parts = [record.batchLabel, record.stepLabel, shown(record.occurredAt)];
    var photos = record.photos.length + record.photosSent;
    if (photos) {
      parts.push(photos + " " + M.photos + " (" + (record.photosPublic ? M.public_photos :
        M.internal_photos) + ")");
    }
    if (record.position) parts.push(M.position);
    return parts.join(" · ");
  }
  function item(record) {
    var li = document.createElement("li");
    li.className = "card record " + record.state;
    li.setAttribute("data-record", record.id);
    var text = document.createElement("p");
    text.textContent = describe(record);
    var state = document.createElement("p");
    state.className = "state";
    if (record.state === "sent") {
      state.textContent = say(M.sent_at, {when: shown(vietnamIso(new Date(record.sentAt)))}) +
        (record.replayed ? " · " + M.replayed : "");
    } else if (record.state === "refused") {
      state.textContent = M.refused + " " + record.reason;
      state.setAttribute("role", "alert");
    } else {
      state.textContent = M.waiting;
    }
    li.append(text, state);
    if (record.state === "refused") {
      var actions = document.createElement("p");
      actions.className = "actions";
      if (record.photoRefused) {
        actions.append(button(M.discard_photo, function () {
          record.photos.shift();
          record.photoRefused = false;
          record.state = "waiting";
          record.reason = null;
          save(record).then(render).then(sync);
        }));
      } else {
        actions.append(button(M.fix, function () { startFix(record); }));
      }
      actions.append(button(M.discard, function () {
        if (window.confirm(M.confirm_discard)) drop(record.id).then(render);
      }));
      li.append(actions);
    }
    return li;
  }
  function render() {
    return myRecords().then(function (records) {
      var waiting = records.filter(function (r) { return r.state !== "sent"; });
      var sent = records.filter(function (r) { return r.state === "sent"; }).reverse();
      $("waiting").replaceChildren.apply($("waiting"), waiting.map(item));
      $("sent").replaceChildren.apply($("sent"), sent.map(item));
      $("waiting-count").textContent = String(waiting.length);
      var status = navigator.onLine ? M.online : M.offline;
      if (data) {
        status += " " + say(M.data_as_of, {when: shown(vietnamIso(new Date(data.fetched_at)))});
      } else {
        status = navigator.onLine ? M.sign_in_again : M.nothing_cached;
      }
      $("connection").textContent = status + (notice && notice !== status ? " " + notice : "");
      $("queue").hidden = $("lists").hidden = !data && !records.length;
      root.setAttribute("data-waiting", String(waiting.length));
    });
  }

  // --- offline support -----------------------------------------------------------------------
  function keepForOffline() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "kept-for-offline" && event.data.ok) {
        root.setAttribute("data-offline-ready", "true");
      }
    });
    navigator.serviceWorker.register(root.getAttribute("data-worker-url"),
                                     {scope: root.getAttribute("data-scope")})
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        if (navigator.onLine && registration.active) {
          registration.active.postMessage({type: "keep-for-offline"});
        }
      }, function () { return null; });
  }

  window.addEventListener("online", function () { render().then(sync); });
  window.addEventListener("offline", function () { render(); });
  $("sync").addEventListener("click", function () { sync(); });

  resetForm();
  loadData().then(function () {
    notice = "";
    return render();
  }).then(function () {
    keepForOffline();
    if (navigator.onLine) return sync();
    return undefined;
  }).then(function () {
    root.setAttribute("data-ready", "true");
  });
  // Waiting records also go out on their own while the page stays open.
  window.setInterval(function () {
    if (navigator.onLine && root.getAttribute("data-waiting") !== "0") sync();
  }, 60000);
})();
