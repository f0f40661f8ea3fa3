// Live progress on the job page: polls the job's state (same origin) instead of reloading.
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box || !window.fetch) { return; }
  var refresh = document.querySelector('meta[http-equiv="refresh"]');
  if (refresh) { refresh.remove(); } // the script keeps the page current from here on
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  function tick() {
    fetch(box.dataset.stateUrl, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (job) {
        bar.value = job.progress;
        percent.textContent = Math.round(job.progress * 100) + "%";
        if (job.state === "queued" || job.state === "running") {
          window.setTimeout(tick, 1000);
        } else {
          window.location.reload(); // the finished page: its download link or its reason
        }
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 1000);
}());
