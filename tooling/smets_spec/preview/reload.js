// smets serve: reload this page after each rebuild; show the last build's errors over it.
// Served by the preview server only (never part of a published site). No inline script, no
// HTML built from text: errors are shown with textContent.
(function () {
  "use strict";
  var seen = null;
  function overlay(state) {
    var box = document.getElementById("smets-serve-errors");
    if (state.ok) { if (box) { box.remove(); } return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "smets-serve-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:45%;overflow:auto;" +
        "z-index:99999;background:#fff4f4;color:#600;border-top:3px solid #c00;padding:.8em 1.2em;" +
        "font:14px/1.4 monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    var lines = ["The last build failed; this page is from the build before it.", ""];
    state.problems.forEach(function (p) {
      lines.push((p.line ? p.file + ":" + p.line : p.file) + ": " + p.message);
    });
    box.textContent = lines.join("\n");
  }
  function badge(building) {
    var note = document.getElementById("smets-serve-building");
    if (!building) { if (note) { note.remove(); } return; }
    if (!note) {
      note = document.createElement("div");
      note.id = "smets-serve-building";
      note.setAttribute("role", "status");
      note.style.cssText = "position:fixed;right:.8em;top:.8em;z-index:99999;background:#fffbe6;" +
        "color:#5c4400;border:1px solid #d9b300;padding:.3em .7em;font:13px/1.4 sans-serif";
      document.body.appendChild(note);
    }
    note.textContent = "smets serve: the site is being rebuilt; this page may be a preview";
  }
  function poll() {
    var since = seen === null ? -1 : seen;
    fetch("/__smets/state?since=" + since, { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (state) {
        if (seen !== null && state.generation !== seen && state.ok) { location.reload(); return; }
        seen = state.generation;
        overlay(state);
        badge(state.building);
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
