/**
 * The dashboard page served at `GET /_emulator/`: one HTML document (its style and script inline)
 * whose charts are drawn by uPlot, served by the emulator itself from `/_emulator/assets/`
 * (nothing from a CDN, so it works offline). It polls `/_emulator/dashboard.json` and updates
 * without a reload: each cluster's card and its charts stay, and get the new points. Plain tables
 * and buttons, so it is usable from the keyboard and by screen readers (each chart is an image
 * labelled with its latest value); the layout folds to one column on narrow screens. The faults
 * section lists the active faults (each with a Clear button) and every engine process with
 * buttons that kill, pause (10 s), restart or disconnect it through `/_emulator/nodes/.../faults`.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>elasticache-local</title>
<link rel="stylesheet" href="assets/uPlot.min.css">
<script src="assets/uPlot.iife.min.js"></script>
<style>
  :root { --fg:#1d2330; --muted:#5b6475; --line:#d8dde6; --bg:#f6f7f9; --ok:#1a7f37; --alarm:#c62828; --insufficient:#8a6d00; --accent:#2457c5; }
  * { box-sizing: border-box; }
  body { margin:0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
  header { display:flex; gap:1rem; align-items:center; justify-content:space-between; padding:.75rem 1.25rem; background:#fff; border-bottom:1px solid var(--line); flex-wrap:wrap; }
  h1 { font-size:1.1rem; margin:0; } h2 { font-size:1rem; margin:1.25rem 0 .5rem; } h3 { font-size:.95rem; margin:0 0 .25rem; }
  main { padding:0 1.25rem 2rem; max-width:1400px; margin:0 auto; }
  table { border-collapse:collapse; width:100%; background:#fff; border:1px solid var(--line); }
  th, td { text-align:left; padding:.35rem .55rem; border-bottom:1px solid var(--line); vertical-align:top; }
  th { font-weight:600; color:var(--muted); font-size:.85rem; }
  code { font-size:.85rem; }
  .state { font-weight:600; } .state-OK { color:var(--ok); } .state-ALARM { color:var(--alarm); } .state-INSUFFICIENT_DATA { color:var(--insufficient); }
  .cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(320px, 1fr)); gap:.75rem; }
  .card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:.75rem; }
  .card:focus-within, .card:focus { outline:2px solid var(--accent); outline-offset:2px; }
  .charts { display:grid; grid-template-columns:1fr 1fr; gap:.5rem; margin-top:.5rem; }
  .chart { margin:0; min-width:0; }
  .chart figcaption { gap:.5rem; font-size:.8rem; color:var(--muted); display:flex; justify-content:space-between; }
  .chart .plot { width:100%; overflow:hidden; background:#fafbfc; border:1px solid var(--line); }
  .muted { color:var(--muted); }
  button { font:inherit; padding:.3rem .7rem; border:1px solid var(--line); background:#fff; border-radius:4px; cursor:pointer; }
  button:focus-visible, a:focus-visible { outline:2px solid var(--accent); outline-offset:2px; }
  .skip { position:absolute; left:-999px; } .skip:focus { left:1rem; top:.5rem; background:#fff; padding:.25rem .5rem; }
  @media (max-width: 720px) { .charts { grid-template-columns:1fr; } th:nth-child(n+5), td:nth-child(n+5) { display:none; } }
</style>
</head>
<body>
<a class="skip" href="#resources">Skip to resources</a>
<header>
  <h1>elasticache-local</h1>
  <div><span id="updated" class="muted" aria-live="polite">loading…</span> <button id="pause" type="button" aria-pressed="false">Pause updates</button></div>
</header>
<main>
  <section aria-labelledby="h-resources" id="resources" tabindex="-1">
    <h2 id="h-resources">Cache clusters</h2>
    <div id="clusters" class="cards"><p class="muted">No cache cluster yet.</p></div>
    <h2>Replication groups</h2>
    <div id="groups"><p class="muted">No replication group yet.</p></div>
    <h2>Serverless caches</h2>
    <div id="serverless" class="cards"><p class="muted">No serverless cache yet.</p></div>
  </section>
  <section aria-labelledby="h-faults">
    <h2 id="h-faults">Faults</h2>
    <p id="fault-status" class="muted" aria-live="polite"></p>
    <div id="faults"><p class="muted">No active fault.</p></div>
    <h3>Nodes</h3>
    <div id="nodes"><p class="muted">No engine process yet.</p></div>
  </section>
  <section aria-labelledby="h-alarms">
    <h2 id="h-alarms">Alarms</h2>
    <div id="alarms"><p class="muted">No alarm yet.</p></div>
  </section>
  <section aria-labelledby="h-events">
    <h2 id="h-events">Recent events</h2>
    <div id="events"><p class="muted">No event yet.</p></div>
  </section>
</main>
<script>
(function () {
  "use strict";
  var paused = false, timer = null, interval = 2000;
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]; }); }
  function fmt(v, unit) {
    if (v == null || !isFinite(v)) return "–";
    if (unit === "bytes") { var u = ["B","KiB","MiB","GiB"], i = 0; while (v >= 1024 && i < 3) { v /= 1024; i++; } return v.toFixed(i ? 1 : 0) + " " + u[i]; }
    if (unit === "%") return v.toFixed(1) + " %";
    return (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1)) + (unit ? " " + unit : "");
  }
  var CHARTS = [
    { key: "ops", title: "operations/s", unit: "" },
    { key: "memoryBytes", title: "memory", unit: "bytes" },
    { key: "connections", title: "connections", unit: "" },
    { key: "hitRate", title: "hit rate", unit: "%" }
  ];
  var CHART_HEIGHT = 110, STROKE = "#2457c5";
  /** Cards of the clusters on screen, by account/region/id: each keeps its uPlot charts between updates. */
  var cards = new Map();
  var resized = typeof ResizeObserver === "function" ? new ResizeObserver(function (entries) {
    entries.forEach(function (e) { var u = e.target.uplot; if (u) u.setSize({ width: Math.max(Math.floor(e.contentRect.width), 80), height: CHART_HEIGHT }); });
  }) : null;
  /** Short axis labels: 488K, 1.2M, 50%, 150. */
  function tick(unit) {
    return function (u, splits) {
      return splits.map(function (v) {
        if (v == null) return "";
        if (unit === "%") return v.toFixed(0) + "%";
        var k = unit === "bytes" ? 1024 : 1000, s = ["", "K", "M", "G"], i = 0;
        while (Math.abs(v) >= k && i < 3) { v /= k; i++; }
        return (i === 0 ? String(Math.round(v * 10) / 10) : Math.abs(v) < 10 ? v.toFixed(1) : String(Math.round(v))) + s[i];
      });
    };
  }
  function clock(u, splits) {
    return splits.map(function (v) { return v == null ? "" : new Date(v * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" }); });
  }
  function newChart(spec, box) {
    var axis = { font: "10px system-ui, sans-serif", stroke: "#5b6475", size: 22, gap: 2, ticks: { size: 3, stroke: "#d8dde6" }, grid: { stroke: "#eef0f3" } };
    var u = new uPlot({
      width: Math.max(box.clientWidth, 80), height: CHART_HEIGHT,
      legend: { show: false }, cursor: { show: false }, select: { show: false },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(max || 0, spec.unit === "%" ? 100 : 1)]; } } },
      axes: [Object.assign({}, axis, { space: 70, values: clock }), Object.assign({}, axis, { size: 40, space: 20, values: tick(spec.unit) })],
      series: [{}, { label: spec.title, stroke: STROKE, width: 1.5, points: { show: false }, spanGaps: false }]
    }, [[], []], box);
    box.uplot = u;
    if (resized) resized.observe(box);
    return u;
  }
  function createCard(c, attr) {
    var el = document.createElement("article");
    el.className = "card"; el.tabIndex = 0; el.setAttribute(attr, c.id);
    var info = document.createElement("div");
    var charts = document.createElement("div"); charts.className = "charts";
    el.appendChild(info); el.appendChild(charts);
    var list = CHARTS.map(function (spec) {
      var fig = document.createElement("figure"); fig.className = "chart"; fig.setAttribute("data-metric", spec.key);
      var cap = document.createElement("figcaption");
      var box = document.createElement("div"); box.className = "plot"; box.setAttribute("role", "img");
      fig.appendChild(cap); fig.appendChild(box); charts.appendChild(fig);
      return { spec: spec, fig: fig, cap: cap, box: box, u: null };
    });
    return { el: el, info: info, charts: list };
  }
  function updateChart(ch, points) {
    var xs = points.map(function (p) { return p.t / 1000; });
    var ys = points.map(function (p) { var v = p[ch.spec.key]; return v == null || !isFinite(v) ? null : v; });
    if (!ch.u) ch.u = newChart(ch.spec, ch.box);
    ch.u.setData([xs, ys]);
    var drawn = ch.u.data[1].filter(function (v) { return v != null; });
    var last = drawn.length ? drawn[drawn.length - 1] : null;
    ch.fig.setAttribute("data-points", String(drawn.length));
    ch.cap.innerHTML = "<span>" + esc(ch.spec.title) + "</span><span>" + esc(fmt(last, ch.spec.unit)) + "</span>";
    ch.box.setAttribute("aria-label", ch.spec.title + ": latest " + fmt(last, ch.spec.unit) + ", " + drawn.length + " points");
  }
  /** Cards in one section (#clusters or #serverless): each item's card stays between updates and gets the new points. */
  function renderCards(hostId, list, emptyText, describe) {
    var host = document.getElementById(hostId), seen = new Set();
    var empty = host.querySelector("p.muted");
    if (list.length && empty) empty.remove();
    list.forEach(function (item, i) {
      var c = item.cluster, key = item.key;
      seen.add(key);
      var card = cards.get(key);
      if (!card) { card = createCard(c, item.attr); cards.set(key, card); }
      // In the answer's order; a card already in place is left alone (moving it would drop its focus).
      if (host.children[i] !== card.el) host.insertBefore(card.el, host.children[i] || null);
      card.el.setAttribute("aria-labelledby", item.prefix + c.id);
      card.info.innerHTML = '<h3 id="' + esc(item.prefix + c.id) + '">' + esc(c.id) + ' <span class="muted">' + esc(c.status) + "</span></h3>" + describe(c, item.where);
      card.charts.forEach(function (ch) { updateChart(ch, c.chart); });
    });
    cards.forEach(function (card, key) {
      if (seen.has(key) || card.el.parentNode !== host) return;
      card.charts.forEach(function (ch) { if (resized) resized.unobserve(ch.box); if (ch.u) ch.u.destroy(); });
      card.el.remove();
      cards.delete(key);
    });
    if (!list.length && !host.querySelector("p.muted")) host.innerHTML = '<p class="muted">' + esc(emptyText) + "</p>";
  }
  function describeCluster(c, where) {
    return '<div class="muted">' + esc(c.engine) + " " + esc(c.engineVersion) + " · " + esc(c.nodeType) + " · " + esc(where) +
      (c.replicationGroupId ? " · " + esc(c.role) + " of " + esc(c.replicationGroupId) : "") + "</div>" +
      (c.configurationEndpoint ? "<div>configuration <code>" + esc(c.configurationEndpoint) + "</code></div>" : "") +
      "<div>" + c.nodes.map(function (n) { return "node " + esc(n.id) + " <code>" + esc(n.endpoint) + "</code> " + esc(n.status); }).join("<br>") + "</div>";
  }
  function describeServerless(s, where) {
    return '<div class="muted">serverless · ' + esc(s.engine) + " " + esc(s.engineVersion) + " · " + esc(where) + "</div>" +
      (s.endpoint ? "<div>endpoint <code>" + esc(s.endpoint) + "</code></div>" : "") +
      (s.readerEndpoint ? "<div>reader <code>" + esc(s.readerEndpoint) + "</code></div>" : "");
  }
  function table(head, rows) {
    return "<table><thead><tr>" + head.map(function (h) { return '<th scope="col">' + esc(h) + "</th>"; }).join("") + "</tr></thead><tbody>" + rows.join("") + "</tbody></table>";
  }
  function render(data) {
    var clusters = [], groups = [], serverless = [], alarms = [], events = [];
    data.regions.forEach(function (r) {
      var where = r.region + " · " + r.accountId;
      r.clusters.forEach(function (c) { clusters.push({ key: r.accountId + "/" + r.region + "/" + c.id, cluster: c, where: where, prefix: "c-", attr: "data-cluster" }); });
      r.replicationGroups.forEach(function (g) {
        groups.push('<tr data-group="' + esc(g.id) + '"><th scope="row">' + esc(g.id) + "</th><td>" + esc(g.status) + "</td><td>" + esc(g.engine) + " · cluster mode " + esc(g.clusterMode) + "</td><td>" +
          [g.primaryEndpoint && "primary <code>" + esc(g.primaryEndpoint) + "</code>", g.readerEndpoint && "reader <code>" + esc(g.readerEndpoint) + "</code>", g.configurationEndpoint && "configuration <code>" + esc(g.configurationEndpoint) + "</code>"].filter(Boolean).join("<br>") +
          "</td><td>" + g.members.map(function (m) { return esc(m.id) + " (" + esc(m.role || "?") + ", " + esc(m.status) + ")"; }).join("<br>") + "</td><td>" + esc(where) + "</td></tr>");
      });
      (r.serverlessCaches || []).forEach(function (s) { serverless.push({ key: "serverless/" + r.accountId + "/" + r.region + "/" + s.id, cluster: s, where: where, prefix: "s-", attr: "data-serverless" }); });
      r.alarms.forEach(function (a) {
        alarms.push('<tr data-alarm="' + esc(a.name) + '"><th scope="row">' + esc(a.name) + '</th><td class="state state-' + esc(a.state) + '">' + esc(a.state) + "</td><td>" + esc(a.metric) + "</td><td>" + esc(a.reason) + "</td><td>" + esc(a.updated) + "</td><td>" + esc(where) + "</td></tr>");
      });
      r.events.forEach(function (e) { events.push({ date: e.date, row: "<tr><td>" + esc(e.date) + "</td><th scope=\\"row\\">" + esc(e.source) + "</th><td>" + esc(e.type) + "</td><td>" + esc(e.message) + "</td></tr>" }); });
    });
    renderCards("clusters", clusters, "No cache cluster yet.", describeCluster);
    renderCards("serverless", serverless, "No serverless cache yet.", describeServerless);
    document.getElementById("groups").innerHTML = groups.length ? table(["Replication group", "Status", "Engine", "Endpoints", "Nodes (role)", "Region"], groups) : '<p class="muted">No replication group yet.</p>';
    document.getElementById("alarms").innerHTML = alarms.length ? table(["Alarm", "State", "Metric", "Reason", "Updated", "Region"], alarms) : '<p class="muted">No alarm yet.</p>';
    events.sort(function (a, b) { return a.date < b.date ? 1 : -1; });
    document.getElementById("events").innerHTML = events.length ? table(["Date", "Source", "Type", "Message"], events.slice(0, 30).map(function (e) { return e.row; })) : '<p class="muted">No event yet.</p>';
    document.getElementById("updated").textContent = "updated " + new Date(data.now).toLocaleTimeString();
  }
  /** Re-renders a part only when its markup changed, so a focused button stays focused between updates. */
  function setHtml(id, html) {
    var el = document.getElementById(id);
    if (el.getAttribute("data-html") === html) return;
    el.setAttribute("data-html", html);
    el.innerHTML = html;
  }
  var NODE_FAULTS = [["kill", "Kill"], ["pause", "Pause 10 s", 10000], ["restart", "Restart"], ["disconnect", "Disconnect"]];
  function renderFaults(data) {
    var faults = data.faults || [], nodes = data.nodes || [];
    setHtml("faults", faults.length ? table(["Fault", "Kind", "Target", "Started", "Ends", ""], faults.map(function (f) {
      var target = Object.keys(f.target).filter(function (k) { return k !== "accountId"; }).map(function (k) { return k + " " + f.target[k]; }).join(", ");
      return '<tr data-fault-id="' + esc(f.id) + '"><th scope="row">' + esc(f.id) + "</th><td>" + esc(f.kind) + "</td><td>" + esc(target) + "</td><td>" + esc(f.startedAt) + "</td><td>" + esc(f.endsAt || "") +
        '</td><td><button type="button" data-clear="' + esc(f.id) + '" aria-label="Clear fault ' + esc(f.id) + '">Clear</button></td></tr>';
    })) : '<p class="muted">No active fault.</p>');
    setHtml("nodes", nodes.length ? table(["Node", "Cache", "Engine", "Role", "Zone", "Port", "PID", "Status", "Faults"], nodes.map(function (n) {
      var name = n.cacheClusterId + "/" + n.cacheNodeId;
      var buttons = NODE_FAULTS.map(function (f) {
        return '<button type="button" data-fault="' + f[0] + '" data-target-cluster="' + esc(n.cacheClusterId) + '" data-target-node="' + esc(n.cacheNodeId) + '"' + (f[2] ? ' data-duration="' + f[2] + '"' : "") +
          ' aria-label="' + esc(f[1] + " " + name) + '">' + esc(f[1]) + "</button>";
      }).join(" ");
      return '<tr data-node="' + esc(name) + '"><th scope="row">' + esc(name) + "</th><td>" + esc(n.replicationGroupId || n.serverlessCacheName || "") + "</td><td>" + esc(n.engine) + "</td><td>" + esc(n.role || "") +
        "</td><td>" + esc(n.availabilityZone || "") + "</td><td>" + esc(n.port || "") + "</td><td>" + esc(n.pid || "") + "</td><td>" + esc(n.status) + "</td><td>" + buttons + "</td></tr>";
    })) : '<p class="muted">No engine process yet.</p>');
  }
  function act(method, path, body, done) {
    var status = document.getElementById("fault-status");
    fetch(path, { method: method, headers: body ? { "content-type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, json: j }; }); })
      .then(function (a) { status.textContent = a.ok ? done(a.json) : "refused: " + (a.json && a.json.error); })
      .catch(function () { status.textContent = "emulator not reachable"; })
      .then(function () { if (!paused) { clearTimeout(timer); refresh(); } });
  }
  document.querySelector("main").addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button") : null;
    if (!b) return;
    if (b.hasAttribute("data-fault")) {
      var body = { fault: b.getAttribute("data-fault") };
      if (b.hasAttribute("data-duration")) body.durationMs = Number(b.getAttribute("data-duration"));
      var node = b.getAttribute("data-target-cluster") + "/" + b.getAttribute("data-target-node");
      act("POST", "nodes/" + encodeURIComponent(b.getAttribute("data-target-cluster")) + "/" + encodeURIComponent(b.getAttribute("data-target-node")) + "/faults", body, function (f) { return body.fault + " on " + node + ": fault " + f.id; });
    } else if (b.hasAttribute("data-clear")) {
      var id = b.getAttribute("data-clear");
      act("DELETE", "faults/" + encodeURIComponent(id), undefined, function () { return "cleared " + id; });
    }
  });
  function refresh() {
    if (paused) return;
    fetch("dashboard.json", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (data) {
      interval = Math.max(1000, Math.min(data.intervalMs || 2000, 5000));
      render(data);
      renderFaults(data);
    }).catch(function () { document.getElementById("updated").textContent = "emulator not reachable"; })
      .then(function () { timer = setTimeout(refresh, interval); });
  }
  document.getElementById("pause").addEventListener("click", function () {
    paused = !paused; this.setAttribute("aria-pressed", String(paused)); this.textContent = paused ? "Resume updates" : "Pause updates";
    if (!paused) { clearTimeout(timer); refresh(); }
  });
  refresh();
})();
</script>
</body>
</html>
`;
