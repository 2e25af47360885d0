// janus web: local times and the live run view. No framework; CSP allows
// only this file. Text from the server is set with textContent, never as
// markup.
"use strict";
(function () {
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d)) { t.textContent = d.toLocaleString(); t.title = t.getAttribute("datetime"); }
    });
  }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  var icons = { ok: "\u2714", error: "\u2716", timeout: "\u2716" };
  function addTask(runPath, t) {
    var body = document.querySelector("#tasks tbody");
    if (!body || !t) return;
    var tr = document.createElement("tr");
    tr.className = "fresh";
    var a = document.createElement("a");
    a.href = runPath + "/tasks/" + encodeURIComponent(t.id);
    a.textContent = t.id;
    cell(tr, "").appendChild(a);
    cell(tr, t.category);
    cell(tr, (icons[t.status] || "") + " " + t.status);
    cell(tr, (100 * t.score).toFixed(1), "num");
    cell(tr, "", "num");
    cell(tr, "", "num");
    body.appendChild(tr);
  }
  function live(sec) {
    var url = sec.getAttribute("data-live");
    var runPath = url.replace(/\/live$/, "");
    var es = new EventSource(url);
    var set = function (id, v) { var e = document.getElementById(id); if (e) e.textContent = v; };
    var onEvent = function (ev) {
      var d;
      try { d = JSON.parse(ev.data); } catch (e) { return; }
      set("done", String(d.done));
      if (d.planned) set("planned", String(d.planned));
      if (typeof d.mean_score === "number") set("mean", (100 * d.mean_score).toFixed(1));
      if (d.state) set("state-text", d.state);
      if (d.type === "task") addTask(runPath, d.task);
      if (d.type === "done") {
        es.close();
        set("live-note", "The run has ended; reloading for its final scores\u2026");
        window.location.reload();
      }
    };
    ["state", "task", "done"].forEach(function (k) { es.addEventListener(k, onEvent); });
    es.onerror = function () { if (es.readyState === EventSource.CLOSED) set("live-note", "Live updates stopped; reload the page."); };
  }
  document.addEventListener("DOMContentLoaded", function () {
    localTimes(document);
    var sec = document.querySelector("[data-live]");
    if (sec) live(sec);
  });
})();
