/* The request's workspace (issue 13): a run search's held results on the request page, read
 * from /api/v1/searches/{id}/results* (never by running it again): the points per location
 * on an offline map (sized by count; a click filters the table), a route's legs coloured by
 * flag, a timeline over the window whose bars filter the table, and a table that sorts,
 * filters and pages through every held row, with plate crops where they exist. */
(function () {
  "use strict";
  var C = window.casework;
  var $ = function (id) { return document.getElementById(id); };
  var STATES = { unverified: "te verifiëren", confirmed: "bevestigd", rejected: "afgewezen (misread)",
    not_verifiable: "niet te verifiëren", not_required: "geen verificatie nodig" };
  var FLAGS = { ok: "#2e7d32", detour_or_stop: "#ef6c00", impossible: "#c62828", no_route: "#757575" };
  var ws = { id: null, offset: 0, filters: {}, map: null, layers: null };
  var asked = {};

  // Only the answer to the latest call of each kind is drawn: a slow answer to an earlier
  // call (another page size, filter or search) must not overwrite a later one.
  function latest(kind, url) {
    var n = (asked[kind] = (asked[kind] || 0) + 1);
    return C.api("GET", url).then(function (r) {
      return asked[kind] === n ? r : new Promise(function () {});
    });
  }

  function ensureMap() {
    if (ws.map) { return; }
    ws.map = L.map("ws-map", { zoomControl: true, attributionControl: false }).setView([52.2, 5.3], 7);
    var land = L.geoJSON(null, { style: { color: "#9aa", weight: 1, fillColor: "#eef1ee", fillOpacity: 1 }, interactive: false }).addTo(ws.map);
    fetch("/static/basemap/land.geojson").then(function (r) { return r.json(); }).then(function (d) { land.addData(d); });
    ws.layers = L.layerGroup().addTo(ws.map);
  }

  function query(extra) {
    var q = new URLSearchParams();
    Object.keys(ws.filters).forEach(function (k) { if (ws.filters[k]) { q.set(k, ws.filters[k]); } });
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    return q.toString();
  }

  function drawMap() {
    ws.layers.clearLayers();
    var base = "/api/v1/searches/" + ws.id + "/results";
    var q = query();
    latest("locations", base + "/locations?" + q).then(function (fc) {
      var bounds = [];
      fc.features.forEach(function (f) {
        var c = f.geometry.coordinates, n = f.properties.passages;
        var lit = ws.highlight && ws.highlight.indexOf(f.properties.code) >= 0;
        var m = L.circleMarker([c[1], c[0]], { radius: 4 + Math.sqrt(n) * 2, color: lit ? "#c62828" : "#15426a",
          weight: lit ? 3 : 1, fillOpacity: 0.6, className: lit ? "ws-lit" : "" });
        m.bindTooltip(C.esc(f.properties.code + " " + (f.properties.name || "")) + ": " + n + " passages");
        m.on("click", function () { $("wf-location").value = f.properties.code; applyFilters(); });
        m.feature = f; ws.layers.addLayer(m); bounds.push([c[1], c[0]]);
      });
      $("ws-map").dataset.points = String(fc.features.length);
      drawSites(fc.features);
      if (bounds.length) { ws.map.fitBounds(bounds, { maxZoom: 12, padding: [20, 20] }); }
    });
    if (ws.kind === "route") {
      latest("route", base + "/route").then(function (fc) {
        var legs = 0;
        fc.features.forEach(function (f) {
          if (f.properties.layer !== "legs") { return; }
          legs += 1;
          var line = L.polyline(f.geometry.coordinates.map(function (c) { return [c[1], c[0]]; }),
            { color: FLAGS[f.properties.flag] || "#333", weight: 4, className: "ws-leg ws-leg-" + f.properties.flag });
          line.bindTooltip("deel " + (f.properties.index + 1) + ": " + (f.properties.flag === "ok" ? "normaal" :
            f.properties.flag === "detour_or_stop" ? "omweg of stop" : f.properties.flag === "impossible" ? "onmogelijk snel (dubbel kenteken?)" : "geen route"));
          ws.layers.addLayer(line);
        });
        $("ws-map").dataset.legs = String(legs);
      });
    } else {
      asked.route = (asked.route || 0) + 1;  // a previous search's route is not drawn
    }
  }

  // Plates ranked (the search's own plate first, then by locations and passages): convoy
  // partners and common plates; a click filters the table and marks the plate's locations.
  function drawPlates() {
    latest("plates", "/api/v1/searches/" + ws.id + "/results/plates?" + query({ limit: 50 })).then(function (r) {
      var ol = $("ws-plates");
      ol.innerHTML = r.plates.map(function (p) {
        return '<li><button type="button" class="ws-plate" data-plate="' + C.esc(p.plate) + '" data-locations="' + C.esc(p.location_codes.join(",")) + '">' +
          C.esc(p.plate) + "</button> " + p.passages + " passages op " + p.locations + (p.locations === 1 ? " locatie" : " locaties") +
          (p.target ? " (gezocht kenteken)" : "") + "</li>";
      }).join("");
      ol.dataset.total = String(r.total);
      ol.querySelectorAll(".ws-plate").forEach(function (b) {
        b.addEventListener("click", function () {
          $("wf-plate").value = b.dataset.plate;
          ws.highlight = b.dataset.locations.split(",");
          applyFilters();
        });
      });
    });
  }

  // Q5: each site of the search outlined on the map, with its name.
  function drawSites(points) {
    if (!ws.params || !ws.params.sites) { return; }
    var byCode = {};
    points.forEach(function (f) { byCode[f.properties.code] = f.geometry.coordinates; });
    var outlined = 0;
    ws.params.sites.forEach(function (site) {
      var locs = (site.selection && site.selection.locations) || [];
      var pts = locs.map(function (c) { return byCode[c]; }).filter(Boolean);
      if (!pts.length) { return; }
      var lat = pts.reduce(function (a, c) { return a + c[1]; }, 0) / pts.length;
      var lon = pts.reduce(function (a, c) { return a + c[0]; }, 0) / pts.length;
      ws.layers.addLayer(L.circle([lat, lon], { radius: 1500, color: "#6a1b9a", weight: 2, dashArray: "6 4", fill: false, className: "ws-site" })
        .bindTooltip(C.esc(site.name || "locatie"), { permanent: true, direction: "top" }));
      outlined += 1;
    });
    $("ws-map").dataset.sites = String(outlined);
  }

  function drawTimeline() {
    latest("histogram", "/api/v1/searches/" + ws.id + "/results/histogram?" + query({ buckets: 48 })).then(function (h) {
      var box = $("ws-timeline"), max = 1;
      h.buckets.forEach(function (b) { max = Math.max(max, b.passages); });
      box.innerHTML = h.buckets.map(function (b, i) {
        var height = Math.round(40 * b.passages / max);
        return '<button type="button" class="ws-bar" data-i="' + i + '" data-from="' + C.esc(b.start) + '" data-to="' + C.esc(b.end) +
          '" title="' + C.esc(C.fmt(b.start)) + ": " + b.passages + ' passages" style="height:' + Math.max(height, 1) + 'px"></button>';
      }).join("");
      box.dataset.total = String(h.total);
      box.querySelectorAll(".ws-bar").forEach(function (bar) {
        bar.addEventListener("click", function () {
          ws.filters.from = bar.dataset.from; ws.filters.to = bar.dataset.to;
          $("ws-period").textContent = C.fmt(bar.dataset.from) + " – " + C.fmt(bar.dataset.to);
          $("ws-period-clear").hidden = false;
          ws.offset = 0; drawTable(); drawMap();
        });
      });
    });
  }

  function drawTable() {
    var size = Number($("wf-size").value);
    var sort = $("wf-sort").value.split(":");
    latest("table", "/api/v1/searches/" + ws.id + "/results?" + query({ limit: size, offset: ws.offset, sort: sort[0], order: sort[1] })).then(function (r) {
      var tb = document.querySelector("#ws-table tbody");
      tb.innerHTML = r.passages.length ? "" : '<tr><td colspan="7">Geen passages bij deze filters.</td></tr>';
      r.passages.forEach(function (p) {
        var tr = document.createElement("tr");
        tr.dataset.passage = String(p.passage_id); tr.dataset.state = p.state;
        tr.innerHTML = "<td>" + C.esc(C.fmt(p.captured_at)) + "</td><td><b>" + C.esc(p.plate) + "</b></td><td>" + C.esc(p.location_code) +
          "</td><td>" + C.esc(p.camera_id) + "</td><td>" + C.esc(p.direction === "in" ? "inkomend" : p.direction === "out" ? "uitgaand" : "") +
          "</td><td>" + C.esc(STATES[p.state] || p.state) + "</td><td>" +
          (p.has_crop ? '<img class="ws-crop" loading="lazy" alt="uitsnede ' + C.esc(p.plate) + '" src="/api/v1/passages/' + p.passage_id + '/crop">' : "geen uitsnede") + "</td>";
        tb.appendChild(tr);
      });
      var last = Math.min(r.page.offset + r.passages.length, r.total);
      $("ws-pageinfo").textContent = (r.total ? (r.page.offset + 1) + "–" + last : "0") + " van " + r.total;
      $("ws-table").dataset.total = String(r.total); $("ws-table").dataset.offset = String(r.page.offset);
      $("ws-table").dataset.enquiry = String(r.enquiry_id); $("ws-table").dataset.size = String(size);
      $("ws-prev").disabled = r.page.offset === 0;
      $("ws-next").disabled = r.page.next_offset == null;
      ws.next = r.page.next_offset;
    }).catch(function (e) { C.message($("ws-message"), e.message); });
  }

  function applyFilters() {
    ws.filters.plate = $("wf-plate").value.trim();
    if (!ws.filters.plate) { ws.highlight = null; }
    ws.filters.camera = $("wf-camera").value.trim();
    ws.filters.location = $("wf-location").value.trim();
    ws.filters.state = $("wf-state").value;
    ws.offset = 0; drawTable(); drawTimeline(); drawMap();
  }

  function open(id, kind, title, params) {
    ws.id = id; ws.kind = kind; ws.offset = 0; ws.filters = {}; ws.params = params || null; ws.highlight = null;
    delete $("ws-table").dataset.enquiry;  // until this search's rows are drawn
    document.querySelector("#ws-table tbody").innerHTML = "";
    ["wf-plate", "wf-camera", "wf-location", "wf-state"].forEach(function (f) { $(f).value = ""; });
    $("ws-period").textContent = "het hele venster"; $("ws-period-clear").hidden = true;
    $("workspace").hidden = false; $("workspace").dataset.enquiry = String(id);
    $("ws-title").textContent = title || ("#" + id);
    ensureMap(); ws.map.invalidateSize();
    drawMap(); drawTimeline(); drawTable(); drawPlates();
  }

  if ($("workspace")) {
    $("ws-filters").addEventListener("submit", function (ev) { ev.preventDefault(); applyFilters(); });
    $("wf-state").addEventListener("change", applyFilters);
    $("wf-sort").addEventListener("change", function () { ws.offset = 0; drawTable(); });
    $("wf-size").addEventListener("change", function () { ws.offset = 0; drawTable(); });
    $("ws-prev").addEventListener("click", function () { ws.offset = Math.max(0, ws.offset - Number($("wf-size").value)); drawTable(); });
    $("ws-next").addEventListener("click", function () { if (ws.next != null) { ws.offset = ws.next; drawTable(); } });
    $("ws-period-clear").addEventListener("click", function () {
      delete ws.filters.from; delete ws.filters.to; $("ws-period").textContent = "het hele venster";
      $("ws-period-clear").hidden = true; ws.offset = 0; drawTable(); drawMap();
    });
  }
  window.workspace = { open: open };
})();
