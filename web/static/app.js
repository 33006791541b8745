// congvan: small enhancements on top of pages that work without JavaScript.
(function () {
  "use strict";

  // Drag-and-drop onto the upload form: dropped files become the file input's files.
  function initDropzone() {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("files");
    var list = document.getElementById("chosen");
    if (!zone || !input) return;
    function showChosen() {
      if (!list) return;
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var li = document.createElement("li");
        li.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
        list.appendChild(li);
      });
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        showChosen();
      }
    });
    input.addEventListener("change", showChosen);
  }

  // Live progress: poll each unfinished job's JSON twin and update the bar and the stage list.
  function initJobs() {
    var jobs = document.querySelectorAll(".job[data-job-url]");
    Array.prototype.forEach.call(jobs, function (box) {
      if (box.getAttribute("data-finished") === "yes") return;
      var url = box.getAttribute("data-job-url");
      function render(job) {
        var bar = box.querySelector(".job-bar");
        if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
        var status = box.querySelector(".job-status");
        if (status) { status.textContent = job.stage_label; status.className = "badge status-" + job.status + " job-status"; }
        var reached = true;
        Array.prototype.forEach.call(box.querySelectorAll(".stages li"), function (li) {
          var key = li.getAttribute("data-stage");
          li.className = key === job.stage ? "current" : (reached && job.stage !== "failed" ? "passed" : "");
          if (key === job.stage) reached = false;
        });
        var error = box.querySelector(".job-error");
        if (error && job.error) { box.querySelector(".job-error-text").textContent = job.error; error.hidden = false; }
        var doc = box.querySelector(".job-doc");
        if (doc && job.document_url) { box.querySelector(".job-doc-link").href = job.document_url; doc.hidden = false; }
        var label = document.querySelector(".job-status-label");
        if (label && jobs.length === 1) label.textContent = job.status_label;
      }
      function poll() {
        fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
          .then(function (job) {
            render(job);
            if (!job.finished) setTimeout(poll, 1500); else box.setAttribute("data-finished", "yes");
          })
          .catch(function () { setTimeout(poll, 5000); });
      }
      setTimeout(poll, 800);
    });
  }

  // Page image zoom: buttons switch a CSS class (no inline styles: the CSP forbids them).
  function initZoom() {
    var controls = document.querySelector(".zoom-controls");
    var images = document.querySelector(".page-images");
    if (!controls || !images) return;
    controls.hidden = false;
    var level = 0;
    controls.addEventListener("click", function (event) {
      var step = event.target.getAttribute("data-zoom");
      if (step === null) return;
      level = step === "0" ? 0 : Math.min(3, Math.max(0, level + parseInt(step, 10)));
      images.className = "page-images zoom-" + level;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initDropzone();
    initJobs();
    initZoom();
  });
})();
