/* SMETS site script: section filters for the large tables, and the neighbourhood graph view.
 * No network: the graph library is shipped in _static/vendor/ and the data is _static/smets-graph.js. */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var root = document.documentElement.getAttribute("data-content_root") || "";

  /* ------------------------------------------------------------ section filters */
  function setupFilter(select) {
    var table = document.getElementById(select.getAttribute("data-smets-filter"));
    if (!table) return;
    var box = select.closest(".smets-filter");
    var count = box.querySelector(".smets-filter-count");
    function apply() {
      var want = select.value, shown = {};
      table.querySelectorAll("tbody tr").forEach(function (row) {
        var hide = want !== "" && row.getAttribute("data-section") !== want;
        row.hidden = hide;
        var head = row.querySelector("th[scope=row] a");
        if (!hide && head && !row.classList.contains("smets-group")) shown[head.textContent] = 1;
      });
      count.textContent = Object.keys(shown).length + " requirements shown";
      retotal(table, Object.keys(shown).length);
    }
    select.addEventListener("change", apply);
    var match = /[?&]section=([A-Z]+)/.exec(window.location.search);
    if (match) select.value = match[1];
    box.hidden = false;
    apply();
  }

  /* Matrix footer: the M / O counts of the rows shown. */
  function retotal(table, shown) {
    var foot = table.querySelector("tfoot tr");
    if (!foot || !table.classList.contains("smets-matrix")) return;
    var cells = foot.querySelectorAll("td"), m = [], o = [];
    table.querySelectorAll("tbody tr:not([hidden]):not(.smets-group)").forEach(function (row) {
      row.querySelectorAll("td.smets-m, td.smets-o").forEach(function (cell) {
        var col = Array.prototype.indexOf.call(row.children, cell) - 2, bucket = cell.classList.contains("smets-m") ? m : o;
        bucket[col] = (bucket[col] || 0) + 1;
      });
    });
    cells.forEach(function (cell, col) { cell.innerHTML = (m[col] || 0) + " M<br>" + (o[col] || 0) + " O"; });
    foot.querySelector("th").textContent = "The " + shown + " requirements shown";
  }

  /* ------------------------------------------------------------------ graph */
  /* Cytoscape.js with the dagre layered layout (shipped in _static/vendor/, MIT, see its README),
   * loaded only on pages with a graph; the data is _static/smets-graph.js, written by every build. */
  var loaded = {};
  function loadScript(path) {
    if (!loaded[path]) {
      loaded[path] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = root + path;
        script.onload = resolve;
        script.onerror = function () { reject(new Error(path)); };
        document.head.appendChild(script);
      });
    }
    return loaded[path];
  }
  function loadGraph() {
    return loadScript("_static/vendor/cytoscape.min.js")
      .then(function () { return loadScript("_static/vendor/cytoscape-dagre.min.js"); })
      .then(function () { return window.SMETS_GRAPH ? null : loadScript("_static/smets-graph.js"); })
      .then(function () { return window.SMETS_GRAPH; });
  }

  function Index(data) {
    this.data = data;
    this.byId = {};
    this.out = [];
    this.inc = [];
    var self = this;
    data.nodes.forEach(function (node, n) { self.byId[node[0]] = n; self.out.push([]); self.inc.push([]); });
    data.edges.forEach(function (e) { self.out[e[0]].push(e); self.inc[e[1]].push(e); });
  }

  /* Breadth-first, each direction on its own: level > 0 downstream, < 0 upstream. */
  Index.prototype.around = function (start, depth, direction, allowed) {
    var levels = {}, self = this, links = this.data.links;
    levels[start] = 0;
    [[1, "down"], [-1, "up"]].forEach(function (way) {
      if (direction !== "both" && direction !== way[1]) return;
      var down = way[0] > 0, frontier = [start], seen = {};
      seen[start] = 1;
      for (var level = 1; level <= depth && frontier.length; level++) {
        var next = [];
        frontier.forEach(function (node) {
          self.out[node].forEach(function (e) {
            if (allowed[e[2]] && links[e[2]].down === down && !seen[e[1]]) { seen[e[1]] = 1; next.push(e[1]); }
          });
          self.inc[node].forEach(function (e) {
            if (allowed[e[2]] && links[e[2]].down !== down && !seen[e[0]]) { seen[e[0]] = 1; next.push(e[0]); }
          });
        });
        next.forEach(function (node) { if (!(node in levels)) levels[node] = way[0] * level; });
        frontier = next;
      }
    });
    return levels;
  };

  function html(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* Labels: the id (broken at "_" when long) and the title (shortened); the box is as wide as they are. */
  var FONT = 11, LINE = 14, PAD_X = 10, PAD_Y = 7, MAX_CHARS = 34, MIN_READABLE = 0.6, measure = null;
  function textWidth(text) {
    if (!measure) {
      measure = document.createElement("canvas").getContext("2d");
      measure.font = "600 " + FONT + "px sans-serif";
    }
    return measure.measureText(text).width;
  }
  function idLines(id) {
    if (id.length <= MAX_CHARS) return [id];
    var lines = [], line = "";
    id.split(/(?=_)/).forEach(function (part) {
      if (line && (line + part).length > MAX_CHARS) { lines.push(line); line = part; } else line += part;
    });
    if (line) lines.push(line);
    return lines;
  }
  function shorten(title) {
    title = title.replace(/\s+/g, " ").trim();
    return title.length > MAX_CHARS ? title.slice(0, MAX_CHARS - 1).trim() + "…" : title;
  }
  function ink(color) {  /* black or white text, whichever reads better on the type's colour */
    var c = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color || "");
    if (!c) return "#111";
    var y = 0.299 * parseInt(c[1], 16) + 0.587 * parseInt(c[2], 16) + 0.114 * parseInt(c[3], 16);
    return y < 140 ? "#fff" : "#111";
  }

  function GraphView(box, index) {
    this.box = box;
    this.index = index;
    this.start = box.getAttribute("data-start");
    this.depth = parseInt(box.getAttribute("data-depth") || "1", 10);
    this.height = parseInt(box.getAttribute("data-height") || "520", 10);
    this.direction = "both";
    this.allowed = index.data.links.map(function () { return true; });
    this.isPage = box.getAttribute("data-controls") === "1" && !!document.querySelector(".smets-graph-page");
    if (this.isPage) {
      var hash = decodeURIComponent(window.location.hash.slice(1));
      if (hash in index.byId) this.start = hash;
    }
    this.build();
    this.draw();
  }

  GraphView.prototype.build = function () {
    var self = this, data = this.index.data;
    this.box.textContent = "";
    var bar = html("div", { "class": "smets-graph-controls" });
    var listId = "smets-ids-" + Math.random().toString(36).slice(2);
    var input = html("input", { type: "search", list: listId, value: this.start, "aria-label": "Need id",
                                placeholder: "Need id, e.g. PC_01" });
    var datalist = html("datalist", { id: listId });
    data.nodes.forEach(function (node) { datalist.appendChild(html("option", { value: node[0] }, node[2])); });
    input.addEventListener("change", function () {
      // a clause number as the SMETS prints it (GS.08) is the need GS_08
      var id = input.value.trim().replace(/^([A-Z]{2})\.([0-9]{1,3})$/, "$1_$2");
      if (id in self.index.byId) self.go(id);
    });
    var depth = html("select", { "aria-label": "Depth" });
    [1, 2, 3, 4, 5].forEach(function (d) {
      var option = html("option", { value: d }, "depth " + d);
      if (d === self.depth) option.selected = true;
      depth.appendChild(option);
    });
    depth.addEventListener("change", function () { self.depth = parseInt(depth.value, 10); self.draw(); });
    var direction = html("select", { "aria-label": "Direction" });
    [["both", "up- and downstream"], ["down", "downstream"], ["up", "upstream"]].forEach(function (d) {
      direction.appendChild(html("option", { value: d[0] }, d[1]));
    });
    direction.addEventListener("change", function () { self.direction = direction.value; self.draw(); });
    var kinds = html("details", { "class": "smets-graph-links" });
    kinds.appendChild(html("summary", {}, "link types"));
    data.links.forEach(function (link, n) {
      var label = html("label");
      var check = html("input", { type: "checkbox" });
      check.checked = true;
      check.addEventListener("change", function () { self.allowed[n] = check.checked; self.draw(); });
      label.appendChild(check);
      label.appendChild(document.createTextNode(" " + link.out));
      kinds.appendChild(label);
    });
    var zoom = html("span", { "class": "smets-graph-zoom" });
    [["+", "zoom in", 1.25], ["−", "zoom out", 0.8], ["fit", "show all", 0]].forEach(function (z) {
      var button = html("button", { type: "button", title: z[1], "aria-label": z[1] }, z[0]);
      button.addEventListener("click", function () { self.zoom(z[2]); });
      zoom.appendChild(button);
    });
    this.open = html("a", { "class": "smets-graph-open" }, "");
    [input, datalist, depth, direction, kinds, zoom, this.open].forEach(function (c) { bar.appendChild(c); });
    this.input = input;
    this.canvas = html("div", { "class": "smets-graph-canvas", role: "img" });
    this.canvas.style.height = this.height + "px";
    this.note = html("p", { "class": "smets-graph-note" });
    this.list = html("details", { "class": "smets-graph-list" });
    [bar, this.canvas, this.note, this.list].forEach(function (c) { self.box.appendChild(c); });
  };

  GraphView.prototype.go = function (id) {
    this.start = id;
    this.input.value = id;
    if (this.isPage) history.replaceState(null, "", "#" + encodeURIComponent(id));
    this.draw();
  };

  GraphView.prototype.zoom = function (factor) {
    var cy = this.cy;
    if (!cy) return;
    if (!factor) { cy.fit(cy.elements(), 20); return; }
    cy.zoom({ level: cy.zoom() * factor, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
  };

  /* Cytoscape elements: nodes sized to their labels; edges laid out from upstream to downstream. */
  GraphView.prototype.elements = function (levels, startN) {
    var data = this.index.data, self = this, elements = [];
    Object.keys(levels).forEach(function (key) {
      var n = +key, node = data.nodes[n], type = data.types[node[1]] || { title: node[1], color: "#ddd" };
      var lines = idLines(node[0]).concat([shorten(node[2])]);
      var w = Math.ceil(Math.max.apply(null, lines.map(textWidth))) + 2 * PAD_X;
      elements.push({ group: "nodes", classes: n === startN ? "start" : "",
        data: { id: "n" + n, need: node[0], label: lines.join("\n"), w: w, h: lines.length * LINE + 2 * PAD_Y,
                color: type.color, ink: ink(type.color), url: root + node[3], level: levels[n],
                tip: type.title + " " + node[0] + ": " + node[2] } });
    });
    data.edges.forEach(function (e, i) {
      if (!(e[0] in levels) || !(e[1] in levels) || !self.allowed[e[2]]) return;
      var link = data.links[e[2]], up = link.down ? e[0] : e[1], down = link.down ? e[1] : e[0];
      elements.push({ group: "edges", classes: link.down ? "" : "reversed",
        data: { id: "e" + i, source: "n" + up, target: "n" + down,
                tip: data.nodes[e[0]][0] + " " + link.out + " " + data.nodes[e[1]][0] } });
    });
    return elements;
  };

  var STYLE = [
    { selector: "node", style: { shape: "round-rectangle", width: "data(w)", height: "data(h)",
        "background-color": "data(color)", "border-width": 1, "border-color": "#666", label: "data(label)",
        color: "data(ink)", "font-size": FONT, "font-weight": 600, "font-family": "sans-serif",
        "text-wrap": "wrap", "text-max-width": 1000, "text-valign": "center", "text-halign": "center",
        "line-height": LINE / FONT } },
    { selector: "node.start", style: { "border-width": 3, "border-color": "#c0392b" } },
    { selector: "edge", style: { width: 1.2, "curve-style": "bezier", "line-color": "#999",
        "target-arrow-shape": "triangle", "target-arrow-color": "#999", "arrow-scale": 0.8 } },
    { selector: "edge.reversed", style: { "target-arrow-shape": "none", "source-arrow-shape": "triangle",
        "source-arrow-color": "#999" } },
  ];

  GraphView.prototype.draw = function () {
    var self = this, data = this.index.data, startN = this.index.byId[this.start];
    if (this.cy) { this.cy.destroy(); this.cy = null; }
    this.canvas.textContent = "";
    this.list.textContent = "";
    if (startN === undefined) {
      this.canvas.appendChild(html("p", {}, "No need '" + this.start + "' in this specification."));
      this.note.textContent = "";
      return;
    }
    var node0 = data.nodes[startN];
    this.open.textContent = "open " + node0[0] + " ↗";
    this.open.href = root + node0[3];
    this.canvas.setAttribute("aria-label", "Links around " + node0[0]);
    var levels = this.index.around(startN, this.depth, this.direction, this.allowed);
    var cy = this.cy = window.cytoscape({
      container: this.canvas, elements: this.elements(levels, startN), style: STYLE,
      minZoom: 0.1, maxZoom: 3, boxSelectionEnabled: false, autoungrabify: true,
      layout: { name: "dagre", rankDir: "LR", nodeSep: 12, rankSep: 60, edgeSep: 8, fit: false },
    });
    this.box.smetsCy = cy;  /* for the browser test (and the console) */
    cy.fit(cy.elements(), 20);
    if (cy.zoom() < MIN_READABLE) { cy.zoom(MIN_READABLE); cy.center(cy.getElementById("n" + startN)); }
    cy.on("tap", "node", function (ev) { window.location.href = ev.target.data("url"); });
    cy.on("cxttap taphold", "node", function (ev) { self.go(ev.target.data("need")); });
    cy.on("mouseover", "node, edge", function (ev) { self.canvas.title = ev.target.data("tip"); });
    cy.on("mouseout", "node, edge", function () { self.canvas.title = ""; });
    var count = Object.keys(levels).length - 1;
    this.note.textContent = count + " linked need" + (count === 1 ? "" : "s") + " within depth " + this.depth +
      " · left, upstream: what it depends on" +
      " · right, downstream: what depends on it (devices it binds, data and protocol objects it uses," +
      " tests, models and requirements that point at it)" +
      " · click: open its page; right-click or long press: centre the graph there; wheel or +/−: zoom;" +
      " drag: pan";
    this.listNeeds(levels, startN);
  };

  /* The same needs as a list of links (keyboard and screen-reader access; a page to search in). */
  GraphView.prototype.listNeeds = function (levels, startN) {
    var data = this.index.data, keys = Object.keys(levels).map(Number);
    keys.sort(function (a, b) { return levels[a] - levels[b] || (data.nodes[a][0] < data.nodes[b][0] ? -1 : 1); });
    this.list.appendChild(html("summary", {}, "the " + keys.length + " needs drawn, as a list"));
    var ul = html("ul");
    keys.forEach(function (n) {
      var li = html("li", { "data-id": data.nodes[n][0] }), where = levels[n];
      li.appendChild(html("a", { href: root + data.nodes[n][3] }, data.nodes[n][0]));
      li.appendChild(document.createTextNode(" " + data.nodes[n][2] + (n === startN ? " (this need)" :
        where < 0 ? " (upstream " + -where + ")" : " (downstream " + where + ")")));
      ul.appendChild(li);
    });
    this.list.appendChild(ul);
  };

  function setupGraph(box) {
    loadGraph().then(function (data) {
      if (!data || !window.cytoscape) throw new Error("no graph library");
      var index = box.ownerDocument.smetsIndex || (box.ownerDocument.smetsIndex = new Index(data));
      new GraphView(box, index);
    }).catch(function (error) {
      box.textContent = "The graph view could not be loaded (" + error.message + "); `smets trace ID` prints " +
        "the same chain.";
    });
  }

  function init() {
    document.querySelectorAll("select[data-smets-filter]").forEach(setupFilter);
    document.querySelectorAll(".smets-graph").forEach(setupGraph);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
