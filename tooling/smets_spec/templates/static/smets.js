/* SMETS site script: section filters for the large tables, and the neighbourhood graph view.
 * No library and no network: the graph data is _static/smets-graph.js, written by every build. */
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
  var dataPromise = null;
  function loadData() {
    if (window.SMETS_GRAPH) return Promise.resolve(window.SMETS_GRAPH);
    if (!dataPromise) {
      dataPromise = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = root + "_static/smets-graph.js";
        script.onload = function () { resolve(window.SMETS_GRAPH); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return dataPromise;
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

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVGNS, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var W = 170, H = 38, GAP_X = 90, GAP_Y = 12, CAP = 40;

  function GraphView(box, index) {
    this.box = box;
    this.index = index;
    this.start = box.getAttribute("data-start");
    this.depth = parseInt(box.getAttribute("data-depth") || "1", 10);
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
      var box = html("input", { type: "checkbox" });
      box.checked = true;
      box.addEventListener("change", function () { self.allowed[n] = box.checked; self.draw(); });
      label.appendChild(box);
      label.appendChild(document.createTextNode(" " + link.out));
      kinds.appendChild(label);
    });
    this.open = html("a", { "class": "smets-graph-open" }, "");
    [input, datalist, depth, direction, kinds, this.open].forEach(function (c) { bar.appendChild(c); });
    this.input = input;
    this.canvas = html("div", { "class": "smets-graph-canvas" });
    this.note = html("p", { "class": "smets-graph-note" });
    this.box.appendChild(bar);
    this.box.appendChild(this.canvas);
    this.box.appendChild(this.note);
  };

  GraphView.prototype.go = function (id) {
    this.start = id;
    this.input.value = id;
    if (this.isPage) history.replaceState(null, "", "#" + encodeURIComponent(id));
    this.draw();
  };

  GraphView.prototype.layout = function (levels) {
    var columns = {}, nodes = this.index.data.nodes;
    Object.keys(levels).forEach(function (n) {
      var level = levels[n];
      (columns[level] = columns[level] || []).push(+n);
    });
    var keys = Object.keys(columns).map(Number).sort(function (a, b) { return a - b; });
    var pos = {}, hidden = {}, tallest = 0;
    keys.forEach(function (level, col) {
      var column = columns[level].sort(function (a, b) {
        return nodes[a][1] === nodes[b][1] ? (nodes[a][0] < nodes[b][0] ? -1 : 1) : (nodes[a][1] < nodes[b][1] ? -1 : 1);
      });
      if (column.length > CAP) { hidden[col] = column.length - CAP; column = column.slice(0, CAP); }
      column.forEach(function (n, row) { pos[n] = [col * (W + GAP_X) + 10, row * (H + GAP_Y) + 10]; });
      tallest = Math.max(tallest, column.length + (hidden[col] ? 1 : 0));
    });
    return { pos: pos, hidden: hidden, columns: keys.length, rows: tallest };
  };

  GraphView.prototype.draw = function () {
    var self = this, data = this.index.data, startN = this.index.byId[this.start];
    this.canvas.textContent = "";
    if (startN === undefined) {
      this.canvas.appendChild(html("p", {}, "No need '" + this.start + "' in this specification."));
      this.note.textContent = "";
      return;
    }
    var node0 = data.nodes[startN];
    this.open.textContent = "open " + node0[0] + " ↗";
    this.open.href = root + node0[3];
    var levels = this.index.around(startN, this.depth, this.direction, this.allowed);
    var lay = this.layout(levels);
    var width = lay.columns * (W + GAP_X) - GAP_X + 20, height = lay.rows * (H + GAP_Y) + 20;
    var svg = el("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height,
                          role: "img", "class": "smets-graph-svg", "aria-label": "Links around " + node0[0] });
    el("title", {}, svg).textContent = "Links around " + node0[0];
    var edgeLayer = el("g", { "class": "smets-edges" }, svg);
    data.edges.forEach(function (e) {
      var a = lay.pos[e[0]], b = lay.pos[e[1]];
      if (!a || !b || !self.allowed[e[2]]) return;
      var x1 = a[0] + W, y1 = a[1] + H / 2, x2 = b[0], y2 = b[1] + H / 2;
      if (a[0] > b[0]) { x1 = a[0]; x2 = b[0] + W; }
      var d = a[0] === b[0]
        ? "M" + (a[0] + W) + "," + y1 + " C" + (a[0] + W + 50) + "," + y1 + " " + (b[0] + W + 50) + "," + y2 + " " + (b[0] + W) + "," + y2
        : "M" + x1 + "," + y1 + " C" + ((x1 + x2) / 2) + "," + y1 + " " + ((x1 + x2) / 2) + "," + y2 + " " + x2 + "," + y2;
      var side = a[0] === b[0] ? " smets-edge-side" : "";
      var path = el("path", { d: d, "class": "smets-edge" + side, "marker-end": "url(#smets-arrow)" }, edgeLayer);
      el("title", {}, path).textContent = data.nodes[e[0]][0] + " " + data.links[e[2]].out + " " + data.nodes[e[1]][0];
    });
    var defs = el("defs", {}, svg);
    var marker = el("marker", { id: "smets-arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
                                markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }, defs);
    el("path", { d: "M 0 0 L 10 5 L 0 10 z", "class": "smets-arrow" }, marker);
    Object.keys(lay.pos).forEach(function (key) {
      var n = +key, node = data.nodes[n], p = lay.pos[n];
      var type = data.types[node[1]] || { title: node[1], color: "#ddd" };
      var g = el("g", { "class": "smets-node" + (n === startN ? " smets-node-start" : ""), tabindex: "0",
                        transform: "translate(" + p[0] + "," + p[1] + ")", "data-id": node[0] }, svg);
      el("title", {}, g).textContent = type.title + " " + node[0] + ": " + node[2] +
        (n === startN ? "" : "\n(click: centre here; double-click: open its page)");
      el("rect", { width: W, height: H, rx: 5, fill: type.color, "class": "smets-node-box" }, g);
      el("text", { x: 8, y: 15, "class": "smets-node-id" }, g).textContent = node[0];
      var title = node[2].length > 26 ? node[2].slice(0, 25) + "…" : node[2];
      el("text", { x: 8, y: 30, "class": "smets-node-title" }, g).textContent = title;
      g.addEventListener("click", function () { if (n !== startN) self.go(node[0]); });
      g.addEventListener("dblclick", function () { window.location.href = root + node[3]; });
      g.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") { if (n === startN) window.location.href = root + node[3]; else self.go(node[0]); }
      });
    });
    Object.keys(lay.hidden).forEach(function (col) {
      el("text", { x: col * (W + GAP_X) + 14, y: CAP * (H + GAP_Y) + 30, "class": "smets-node-more" }, svg)
        .textContent = "+ " + lay.hidden[col] + " more";
    });
    this.canvas.appendChild(svg);
    var p0 = lay.pos[startN];
    if (p0) this.canvas.scrollLeft = Math.max(0, p0[0] + W / 2 - this.canvas.clientWidth / 2);
    var count = Object.keys(levels).length - 1;
    this.note.textContent = count + " linked need" + (count === 1 ? "" : "s") + " within depth " + this.depth +
      " · left: upstream (what it derives from) · right: downstream (what depends on it)";
  };

  function setupGraph(box) {
    loadData().then(function (data) {
      if (!data) return;
      var index = box.ownerDocument.smetsIndex || (box.ownerDocument.smetsIndex = new Index(data));
      new GraphView(box, index);
    }, function () {
      box.textContent = "The graph data (_static/smets-graph.js) could not be loaded.";
    });
  }

  function init() {
    document.querySelectorAll("select[data-smets-filter]").forEach(setupFilter);
    document.querySelectorAll(".smets-graph").forEach(setupGraph);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
