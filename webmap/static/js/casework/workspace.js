/* The request's workspace (issue 13). From the start the page's map shows the order's scope
 * (its drawn areas, its locations and the locations of its cameras) on the shared basemap
 * (basemap.js: land or the internal tiles, places, place search, road numbers). A run
 * search's held results come on the same map and beside it, read from
 * /api/v1/searches/{id}/results* (never by running it again): points per location (sized by
 * count; a click filters), a route's legs coloured by flag, a convoy's partners ranked by the
 * convoy's own score with their time offsets (a click highlights), a common-plate search's
 * sites outlined from their selections, the coverage of the search, a timeline over the
 * search's window that filters the table when brushed, and a table that sorts, filters and
 * pages through every held row, with plate crops where they exist. */
(function () {
  "use strict";
  var B = Anpr.basemap;
  var $ = function (id) { return document.getElementById(id); };
  var STATES = { unverified: "te verifiëren", confirmed: "bevestigd", rejected: "afgewezen (misread)",
    not_verifiable: "niet te verifiëren", not_required: "geen verificatie nodig" };
  var FLAGS = { ok: "#2e7d32", detour_or_stop: "#ef6c00", impossible: "#c62828", no_route: "#757575" };
  var FLAG_WORDS = { ok: "normaal", detour_or_stop: "omweg of stop", impossible: "onmogelijk snel (dubbel kenteken?)", no_route: "geen route" };
  var COVERAGE = { status_defect: "defect", status_roadworks: "wegwerkzaamheden", status_inactive: "niet actief",
    status_retired: "buiten gebruik", period_defect: "defect in het venster", period_roadworks: "wegwerkzaamheden in het venster",
    period_inactive: "niet actief in het venster", not_in_plan: "niet in het cameraplan", not_yet_active: "nog niet actief",
    retired: "buiten gebruik" };
  var SCOPE_COLOUR = "#f39c12", SITE_COLOUR = "#6a1b9a";
  var data = JSON.parse($("request-data").textContent);
  var ws = { id: null, offset: 0, filters: {}, map: null, answers: {} };
  var asked = {};

  // Only the answer to the latest call of each kind is drawn: a slow answer to an earlier
  // call (another page size, filter or search) must not overwrite a later one.
  function latest(kind, promise) {
    var n = (asked[kind] = (asked[kind] || 0) + 1);
    return promise.then(function (r) { return asked[kind] === n ? r : new Promise(function () {}); });
  }
  function get(kind, url) { return latest(kind, Anpr.api("GET", url)); }
  function lit(coords, opts) { return L.circleMarker([coords[1], coords[0]], opts); }

  // --- the map, from the start: the order's scope ------------------------------------------
  function initMap() {
    var el = $("ws-map");
    if (!el) { return; }
    ws.map = L.map(el, { minZoom: 6, maxZoom: 18 }).setView([52.2, 5.3], 7);
    ws.base = B.add(ws.map, { roadOpacity: 0.45 });
    B.placeControl(ws.base);
    ["scope", "sites", "results", "route", "lit"].forEach(function (name, i) {
      ws.map.createPane("ws-" + name); ws.map.getPane("ws-" + name).style.zIndex = 410 + i * 10;
    });
    ws.scope = L.featureGroup().addTo(ws.map);
    ws.sites = L.featureGroup().addTo(ws.map);
    ws.results = L.featureGroup().addTo(ws.map);
    ws.route = L.featureGroup().addTo(ws.map);
    ws.lit = L.featureGroup().addTo(ws.map);
    L.control.layers(null, { "Bevel": ws.scope, "Locaties Q5": ws.sites, "Resultaten": ws.results, "Route": ws.route },
      { collapsed: true, position: "topright" }).addTo(ws.map);
    L.control.scale({ imperial: false }).addTo(ws.map);
    B.legend(ws.map, "<ul>" +
      '<li><span class="legend-swatch ws-scope-swatch"></span> gebied van het bevel</li>' +
      B.LOCATION_LEGEND.replace("locatie van de politie (aantal camera's)", "locatie van het bevel, politie (camera's van het bevel)") +
      '<li><span class="dot ws-dot-passages"></span> passages per locatie (klik: alleen die locatie)</li>' +
      '<li>route: <span class="ws-route-ok">normaal</span>, <span class="ws-route-detour">omweg of stop</span>, <span class="ws-route-impossible">onmogelijk snel</span></li>' +
      '<li><span class="legend-swatch ws-site-swatch"></span> locatie van een zoekvraag Q5</li>' +
      '<li><span class="dot ws-dot-marked"></span> gemarkeerd kenteken</li>' +
      B.ROAD_LEGEND + "</ul>", "ws-legend");
    drawScope();
  }

  /** Where a selection lies: its cameras (with their locations) and its drawn area. */
  function select(body) { return Anpr.api("POST", "/api/v1/selection", body); }

  function drawScope() {
    var scope = data.scope || {}, el = $("ws-map");
    var picks = scope.resolved_cameras && scope.resolved_cameras.length ? [{ kind: "pick", cameras: scope.resolved_cameras }] : [];
    if (!picks.length) {  // not confirmed yet: the order as registered
      if ((scope.locations || []).length) { picks.push({ kind: "pick", locations: scope.locations }); }
      if ((scope.cameras || []).length) { picks.push({ kind: "pick", cameras: scope.cameras }); }
    }
    var areas = scope.areas || [];
    var calls = picks.map(select).concat(areas.map(function (a) { return select(a).then(function (fc) { fc.drawn = true; return fc; }); }));
    Promise.all(calls.map(function (p) { return p.catch(function () { return null; }); })).then(function (answers) {
      var byLoc = {};
      var drawnAreas = 0;
      answers.forEach(function (fc) {
        if (!fc) { return; }
        if (fc.drawn && fc.area) {
          L.geoJSON(fc.area, { pane: "ws-scope", interactive: false, className: "ws-scope-area",
            style: { color: SCOPE_COLOUR, weight: 2, dashArray: "6 4", fillOpacity: 0.06 } }).addTo(ws.scope);
          drawnAreas += 1;
        }
        if (fc.drawn && scope.resolved_cameras) { return; }  // its cameras are among the resolved ones
        fc.features.forEach(function (f) {
          var q = f.properties, loc = byLoc[q.location_code];
          if (!loc) {
            loc = byLoc[q.location_code] = { code: q.location_code, name: q.location_name, owner: q.owner, at: f.geometry.coordinates,
              cameras: 0, cameras_not_active: 0, seen: {} };
          }
          if (loc.seen[f.id]) { return; }
          loc.seen[f.id] = true;
          loc.cameras += 1;
          if (q.status !== "active") { loc.cameras_not_active += 1; }
        });
      });
      var codes = Object.keys(byLoc).sort();
      codes.forEach(function (code) {
        var loc = byLoc[code];
        var m = L.marker([loc.at[1], loc.at[0]], { pane: "ws-scope", title: code, keyboard: false,
          icon: L.divIcon({ className: "", iconSize: [18, 18],
            html: '<div class="' + B.locationClass(loc) + ' ws-scope-loc icon-18" data-code="' + Anpr.esc(code) + '">' + loc.cameras + "</div>" }) });
        m.bindTooltip(Anpr.esc(code + " " + (loc.name || "")) + ": " + Anpr.count(loc.cameras, "camera", "camera's") + " van het bevel, eigenaar " +
          Anpr.esc(B.owner(loc.owner)) + (loc.cameras_not_active ? ", " + Anpr.count(loc.cameras_not_active, "camera", "camera's") + " niet actief" : ""));
        m.addTo(ws.scope);
      });
      ws.scopeLocations = byLoc;
      el.dataset.scopeLocations = String(codes.length);
      el.dataset.scopeAreas = String(drawnAreas);
      el.dataset.scopeReady = "1";
      $("scope-summary").textContent = "Bevel: " + Anpr.count(codes.length, "locatie", "locaties") +
        (drawnAreas ? ", " + Anpr.count(drawnAreas, "getekend gebied", "getekende gebieden") : "") +
        (scope.resolved_cameras ? ", " + Anpr.count(scope.resolved_cameras.length, "camera", "camera's") : "") +
        " (oranje); " + Anpr.count((scope.windows || []).length, "tijdvak", "tijdvakken") + ".";
      var b = ws.scope.getBounds();
      // At once, not animated: Leaflet drops a view asked for while a zoom animates (a
      // place searched for as the page settles would be lost).
      if (b.isValid() && !ws.id) { ws.map.fitBounds(b, { maxZoom: 13, padding: [24, 24], animate: false }); }
    });
  }

  // --- results --------------------------------------------------------------------------------
  function query(extra, without) {
    var q = new URLSearchParams();
    Object.keys(ws.filters).forEach(function (k) {
      if (ws.filters[k] && (!without || without.indexOf(k) < 0)) { q.set(k, ws.filters[k]); }
    });
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    return q.toString();
  }
  function base() { return "/api/v1/searches/" + ws.id + "/results"; }

  /** The search's window: its own, or for a common-plate search from the first site's start
   * to the last site's end. */
  function windowOf(params) {
    if (params && params.window) { return params.window; }
    var sites = (params && params.sites) || [];
    if (!sites.length) { return null; }
    var start = sites[0].window.start, end = sites[0].window.end;
    sites.forEach(function (s) {
      if (new Date(s.window.start) < new Date(start)) { start = s.window.start; }
      if (new Date(s.window.end) > new Date(end)) { end = s.window.end; }
    });
    return { start: start, end: end };
  }

  function drawPoints() {
    ws.results.clearLayers();
    get("locations", base() + "/locations?" + query()).then(function (fc) {
      var bounds = [];
      fc.features.forEach(function (f) {
        var c = f.geometry.coordinates, n = f.properties.passages;
        var m = lit(c, { pane: "ws-results", radius: 4 + Math.sqrt(n) * 2, color: "#15426a", weight: 1, fillOpacity: 0.6, className: "ws-point" });
        m.bindTooltip(Anpr.esc(f.properties.code + " " + (f.properties.name || "")) + ": " + Anpr.count(n, "passage", "passages"));
        m.on("click", function () { $("wf-location").value = f.properties.code; applyFilters(); });
        m.feature = f; ws.results.addLayer(m); bounds.push([c[1], c[0]]);
        ws.pointAt[f.properties.code] = c;
      });
      $("ws-map").dataset.points = String(fc.features.length);
      var all = L.latLngBounds(bounds);
      ws.sites.eachLayer(function (l) { if (l.getBounds) { all.extend(l.getBounds()); } });
      if (all.isValid()) { ws.map.fitBounds(all, { maxZoom: 13, padding: [24, 24], animate: false }); }
    });
  }

  function drawRoute() {
    ws.route.clearLayers();
    if (ws.kind !== "route") { asked.route = (asked.route || 0) + 1; delete $("ws-map").dataset.legs; return; }
    get("route", base() + "/route").then(function (fc) {
      var legs = 0;
      fc.features.forEach(function (f) {
        if (f.properties.layer !== "legs") { return; }
        legs += 1;
        var line = L.polyline(f.geometry.coordinates.map(function (c) { return [c[1], c[0]]; }),
          { pane: "ws-route", color: FLAGS[f.properties.flag] || "#333", weight: 4, className: "ws-leg ws-leg-" + f.properties.flag });
        line.bindTooltip("deel " + (f.properties.index + 1) + ": " + (FLAG_WORDS[f.properties.flag] || f.properties.flag));
        ws.route.addLayer(line);
      });
      $("ws-map").dataset.legs = String(legs);
    });
  }

  /** Mark a plate's locations on the map (a convoy partner or a common plate). */
  function highlight(plate, codes) {
    ws.lit.clearLayers();
    ws.highlight = plate ? { plate: plate, codes: codes } : null;
    document.querySelectorAll("#ws-plates li").forEach(function (li) { li.classList.toggle("lit", li.dataset.plate === plate); });
    if (!plate) { delete $("ws-map").dataset.lit; return; }
    var pts = [];
    codes.forEach(function (code) {
      var at = (ws.scopeLocations && ws.scopeLocations[code] && ws.scopeLocations[code].at) || ws.pointAt[code];
      if (!at) { return; }
      ws.lit.addLayer(lit(at, { pane: "ws-lit", radius: 12, color: "#c62828", weight: 3, fill: false, className: "ws-lit" })
        .bindTooltip(Anpr.esc(plate + " bij " + code)));
      pts.push([at[1], at[0]]);
    });
    $("ws-map").dataset.lit = plate;
    if (pts.length) { ws.map.fitBounds(pts, { maxZoom: 13, padding: [30, 30], animate: false }); }
  }

  function pickPlate(plate, codes) {
    var again = ws.highlight && ws.highlight.plate === plate;
    $("wf-plate").value = again ? "" : plate;
    highlight(again ? null : plate, codes);
    applyFilters(true);
  }

  function offsetText(s) {
    var a = Math.abs(Math.round(s)), txt = a >= 60 ? Math.floor(a / 60) + " min " + (a % 60 ? a % 60 + " s" : "") : a + " s";
    return (s < 0 ? "−" : s > 0 ? "+" : "") + txt.trim();
  }
  function num(x) { return String(x).replace(".", ","); }

  // Q4: the convoy's own ranking (gis.search.convoy: by score, how unlikely chance is), with
  // each partner's shared target passages, locations and time offsets to the target.
  function drawPartners(answer) {
    var ol = $("ws-plates");
    $("ws-plates-title").textContent = "Konvooipartners (gerangschikt op score: hoe onwaarschijnlijk toeval is)";
    var partners = answer.partners || [];
    ol.innerHTML = partners.map(function (p, i) {
      var offs = (p.offsets_s || []).map(offsetText).join(", ");
      return '<li data-plate="' + Anpr.esc(p.plate) + '" data-rank="' + (i + 1 + ((answer.page && answer.page.offset) || 0)) + '" data-score="' + p.score +
        '" data-locations="' + Anpr.esc((p.location_codes || []).join(",")) + '"><button type="button" class="ws-plate" data-plate="' + Anpr.esc(p.plate) + '">' +
        Anpr.esc(p.plate) + '</button> <span class="score">score ' + num(p.score) + "</span> &middot; " +
        p.shared_passages + " van " + (answer.target_passages || []).length + " passages gedeeld &middot; " +
        Anpr.count(p.locations, "locatie", "locaties") + " &middot; " + p.before + " ervoor / " + p.after + " erna (mediaan " +
        offsetText(p.median_offset_s) + ')<br><span class="offsets">tijdsverschil per gedeelde passage: ' + Anpr.esc(offs) + "</span></li>";
    }).join("") || "<li>Geen voertuigen die vaker dan toevallig meereden.</li>";
    ol.dataset.total = String(answer.partners_total != null ? answer.partners_total : partners.length);
    ol.dataset.kind = "convoy";
    bindPlates();
  }

  // Other searches: the held plates ranked (the search's own plate first, then by locations
  // and passages); for Q5 the common plates.
  function drawPlates() {
    if (ws.kind === "convoy") { return; }
    $("ws-plates-title").textContent = ws.kind === "common" ? "Gemeenschappelijke kentekens (op de meeste locaties eerst)" : "Kentekens (meest gezien eerst)";
    get("plates", base() + "/plates?" + query({ limit: 50 }, ["plate"])).then(function (r) {
      var ol = $("ws-plates");
      ol.innerHTML = r.plates.map(function (p) {
        return '<li data-plate="' + Anpr.esc(p.plate) + '" data-locations="' + Anpr.esc(p.location_codes.join(",")) + '"><button type="button" class="ws-plate" data-plate="' +
          Anpr.esc(p.plate) + '">' + Anpr.esc(p.plate) + "</button> " + Anpr.count(p.passages, "passage", "passages") + " op " + Anpr.count(p.locations, "locatie", "locaties") +
          (p.target ? " (gezocht kenteken)" : "") + "</li>";
      }).join("");
      ol.dataset.total = String(r.total);
      ol.dataset.kind = ws.kind;
      bindPlates();
    });
  }
  function bindPlates() {
    document.querySelectorAll("#ws-plates li[data-plate]").forEach(function (li) {
      if (ws.highlight && ws.highlight.plate === li.dataset.plate) { li.classList.add("lit"); }
      li.querySelector(".ws-plate").addEventListener("click", function () {
        pickPlate(li.dataset.plate, li.dataset.locations ? li.dataset.locations.split(",") : []);
      });
    });
  }

  // Q5: each site outlined from its own selection (drawn area, locations, cameras), hits or not.
  function drawSites() {
    ws.sites.clearLayers();
    var el = $("ws-map");
    delete el.dataset.sites;
    if (!ws.params || !ws.params.sites) { return Promise.resolve(); }
    var n = asked.sites = (asked.sites || 0) + 1;
    return Promise.all(ws.params.sites.map(function (site) {
      var sel = site.selection || (site.cameras ? { kind: "pick", cameras: site.cameras } : null);
      return sel ? select(sel).catch(function () { return null; }) : Promise.resolve(null);
    })).then(function (answers) {
      if (asked.sites !== n) { return; }
      var outlined = [];
      answers.forEach(function (fc, i) {
        var site = ws.params.sites[i], name = site.name || "locatie " + (i + 1);
        if (!fc) { return; }
        var group = L.featureGroup();
        var style = { pane: "ws-sites", color: SITE_COLOUR, weight: 2, dashArray: "6 4", fillOpacity: 0.05, className: "ws-site" };
        if (fc.area) {
          L.geoJSON(fc.area, { pane: "ws-sites", style: style }).addTo(group);
        } else {
          var seen = {};
          fc.features.forEach(function (f) {
            if (seen[f.properties.location_code]) { return; }
            seen[f.properties.location_code] = true;
            var c = f.geometry.coordinates;
            L.circle([c[1], c[0]], Object.assign({ radius: 400 }, style)).addTo(group);
          });
        }
        group.bindTooltip(Anpr.esc(name), { permanent: true, direction: "top", className: "ws-site-label" });
        group.addTo(ws.sites);
        outlined.push(name + ":" + fc.locations.join("|"));
      });
      el.dataset.sites = String(outlined.length);
      el.dataset.siteLocations = outlined.join(";");
    });
  }

  // --- coverage of the search (gis/search/coverage.py) --------------------------------------
  function coverageHTML(cov, title) {
    var head = title ? "<b>" + Anpr.esc(title) + ":</b> " : "";
    if (cov.complete) {
      return '<div class="complete" data-complete="1">' + head + "dekking volledig: alle " + Anpr.count(cov.cameras_selected, "camera", "camera's") +
        " actief en in het cameraplan in het venster</div>";
    }
    var items = cov.gaps.slice(0, 200).map(function (g) {
      var when = g.gap_start ? " (" + Anpr.esc(Anpr.time.show(g.gap_start)) + " – " + Anpr.esc(Anpr.time.show(g.gap_end)) + ")" : "";
      return "<li>" + Anpr.esc(g.camera_id) + " bij " + Anpr.esc(g.location_code) + ": " + Anpr.esc(COVERAGE[g.reason] || g.reason) + when + "</li>";
    });
    if (cov.gaps.length > 200) { items.push("<li>… en nog " + (cov.gaps.length - 200) + "</li>"); }
    return '<div data-complete="0" data-gaps="' + cov.cameras_with_gaps + '">' + head + "let op: " + cov.cameras_with_gaps + " van " +
      Anpr.count(cov.cameras_selected, "camera", "camera's") + " niet (volledig) actief of niet in het cameraplan in het venster; " +
      "&lsquo;niets gevonden&rsquo; betekent daar niet &lsquo;niet gepasseerd&rsquo;.<details><summary>welke camera's</summary><ul>" +
      items.join("") + "</ul></details></div>";
  }
  function showCoverage(list) {
    var box = $("ws-coverage");
    box.innerHTML = list.map(function (c) { return coverageHTML(c, c.site); }).join("");
    box.dataset.searches = String(list.length);
    box.dataset.complete = list.every(function (c) { return c.complete; }) ? "1" : "0";
    box.dataset.enquiry = String(ws.id);
  }
  function loadCoverage(answer) {
    var box = $("ws-coverage");
    box.innerHTML = '<div data-loading="1">dekking van de camera\'s wordt bepaald…</div>';
    delete box.dataset.enquiry;
    var n = asked.coverage = (asked.coverage || 0) + 1;
    var cov = answer && answer.coverage;
    var got;
    if (cov) {
      got = Promise.resolve(Array.isArray(cov) ? cov : [cov]);
    } else {  // a convoy or a route reads the order's cameras in its window
      var w = windowOf(ws.params);
      got = Anpr.api("POST", "/api/v1/search/coverage", { window: w, cameras: data.scope.resolved_cameras || undefined })
        .then(function (c) { return [c]; });
    }
    got.then(function (list) { if (asked.coverage === n) { showCoverage(list); } })
      .catch(function (e) { if (asked.coverage === n) { box.innerHTML = '<div data-complete="0">Dekking niet bepaald: ' + Anpr.esc(e.message) + "</div>"; } });
  }

  // --- the timeline over the search's window: bars, click or brush -------------------------
  function drawTimeline() {
    var w = ws.window;
    var extra = { buckets: 48 };
    if (w) { extra.from = w.start; extra.to = w.end; }
    get("histogram", base() + "/histogram?" + query(extra, ["from", "to"])).then(function (h) {
      var box = $("ws-timeline"), max = 1;
      h.buckets.forEach(function (b) { max = Math.max(max, b.passages); });
      box.innerHTML = h.buckets.map(function (b, i) {
        var height = Math.round(40 * b.passages / max);
        return '<button type="button" class="ws-bar" data-i="' + i + '" data-from="' + Anpr.esc(b.start) + '" data-to="' + Anpr.esc(b.end) +
          '" data-passages="' + b.passages + '" title="' + Anpr.esc(Anpr.time.show(b.start)) + ": " + Anpr.count(b.passages, "passage", "passages") +
          '" data-height="' + Math.max(height, 1) + '"></button>';
      }).join("");
      // heights set from script: the policy allows no style attributes in markup
      box.querySelectorAll(".ws-bar").forEach(function (bar) { bar.style.height = bar.dataset.height + "px"; });
      box.dataset.total = String(h.total);
      if (h.buckets.length) {
        box.dataset.start = h.buckets[0].start; box.dataset.end = h.buckets[h.buckets.length - 1].end;
        $("ws-axis-start").textContent = Anpr.time.show(h.buckets[0].start);
        $("ws-axis-end").textContent = Anpr.time.show(h.buckets[h.buckets.length - 1].end);
      }
      markBrush();
    });
  }
  function span() {
    var box = $("ws-timeline");
    return box.dataset.start ? { a: new Date(box.dataset.start).getTime(), b: new Date(box.dataset.end).getTime() } : null;
  }
  /** Show the brushed period on the timeline (and which bars lie in it). */
  function markBrush() {
    var box = $("ws-timeline"), s = span(), old = box.querySelector(".ws-brush");
    if (old) { old.remove(); }
    box.querySelectorAll(".ws-bar").forEach(function (bar) {
      var on = ws.filters.from && new Date(bar.dataset.from) < new Date(ws.filters.to) && new Date(bar.dataset.to) > new Date(ws.filters.from);
      bar.classList.toggle("in-brush", !!on);
    });
    if (!s || !ws.filters.from) { return; }
    var left = (new Date(ws.filters.from).getTime() - s.a) / (s.b - s.a), right = (new Date(ws.filters.to).getTime() - s.a) / (s.b - s.a);
    var div = document.createElement("div");
    div.className = "ws-brush";
    div.style.left = (Math.max(0, left) * 100) + "%"; div.style.width = (Math.max(0, Math.min(1, right) - Math.max(0, left)) * 100) + "%";
    box.appendChild(div);
  }
  function setPeriod(from, to) {
    ws.filters.from = from; ws.filters.to = to;
    $("ws-period").textContent = Anpr.time.show(from) + " – " + Anpr.time.show(to);
    $("ws-period").dataset.from = from; $("ws-period").dataset.to = to;
    $("ws-period-clear").hidden = false;
    markBrush();
    ws.offset = 0; drawTable(); drawPoints(); drawPlates();
  }
  function bindBrush() {
    var box = $("ws-timeline"), start = null, overlay = null;
    function frac(ev) { var r = box.getBoundingClientRect(); return Math.max(0, Math.min(1, (ev.clientX - r.left) / r.width)); }
    box.addEventListener("pointerdown", function (ev) {
      if (!span()) { return; }
      start = frac(ev);
      box.setPointerCapture(ev.pointerId);
      overlay = document.createElement("div"); overlay.className = "ws-brush"; box.appendChild(overlay);
      ev.preventDefault();
    });
    box.addEventListener("pointermove", function (ev) {
      if (start === null) { return; }
      var f = frac(ev);
      overlay.style.left = (Math.min(start, f) * 100) + "%"; overlay.style.width = (Math.abs(f - start) * 100) + "%";
    });
    box.addEventListener("pointerup", function (ev) {
      if (start === null) { return; }
      var f = frac(ev), a = Math.min(start, f), b = Math.max(start, f), s = span();
      start = null;
      if (overlay) { overlay.remove(); overlay = null; }
      var r = box.getBoundingClientRect();
      if ((b - a) * r.width < 4) {  // a click: the bar under the pointer
        var i = Math.min(box.querySelectorAll(".ws-bar").length - 1, Math.floor(a * box.querySelectorAll(".ws-bar").length));
        var bar = box.querySelectorAll(".ws-bar")[i];
        if (bar) { setPeriod(bar.dataset.from, bar.dataset.to); }
        return;
      }
      var minute = 60000;
      var from = Math.floor((s.a + a * (s.b - s.a)) / minute) * minute, to = Math.ceil((s.a + b * (s.b - s.a)) / minute) * minute;
      setPeriod(new Date(from).toISOString(), new Date(to).toISOString());
    });
  }

  // --- the table ---------------------------------------------------------------------------
  function drawTable() {
    var size = Number($("wf-size").value);
    var sort = $("wf-sort").value.split(":");
    get("table", base() + "?" + query({ limit: size, offset: ws.offset, sort: sort[0], order: sort[1] })).then(function (r) {
      var tb = document.querySelector("#ws-table tbody");
      tb.innerHTML = r.passages.length ? "" : '<tr><td colspan="7">Geen passages bij deze filters.</td></tr>';
      r.passages.forEach(function (p) {
        var tr = document.createElement("tr");
        tr.dataset.passage = String(p.passage_id); tr.dataset.state = p.state; tr.dataset.at = p.captured_at;
        tr.innerHTML = "<td>" + Anpr.esc(Anpr.time.show(p.captured_at)) + "</td><td><b>" + Anpr.esc(p.plate) + "</b></td><td>" + Anpr.esc(p.location_code) +
          "</td><td>" + Anpr.esc(p.camera_id) + "</td><td>" + Anpr.esc(p.direction === "in" ? "inkomend" : p.direction === "out" ? "uitgaand" : "") +
          "</td><td>" + Anpr.esc(STATES[p.state] || p.state) + "</td><td>" +
          (p.has_crop ? '<img class="ws-crop" loading="lazy" alt="uitsnede ' + Anpr.esc(p.plate) + '" src="/api/v1/passages/' + p.passage_id + '/crop">' : "geen uitsnede") + "</td>";
        tb.appendChild(tr);
      });
      var last = Math.min(r.page.offset + r.passages.length, r.total);
      $("ws-pageinfo").textContent = (r.total ? (r.page.offset + 1) + "–" + last : "0") + " van " + r.total;
      var t = $("ws-table");
      t.dataset.total = String(r.total); t.dataset.offset = String(r.page.offset);
      t.dataset.enquiry = String(r.enquiry_id); t.dataset.size = String(size);
      t.dataset.filters = query();
      $("ws-prev").disabled = r.page.offset === 0;
      $("ws-next").disabled = r.page.next_offset == null;
      ws.next = r.page.next_offset;
    }).catch(function (e) { Anpr.message($("ws-message"), e.message); });
  }

  function applyFilters(keepHighlight) {
    ws.filters.plate = $("wf-plate").value.trim();
    if (!ws.filters.plate && keepHighlight !== true) { highlight(null, []); }
    ws.filters.camera = $("wf-camera").value.trim();
    ws.filters.location = $("wf-location").value.trim();
    ws.filters.state = $("wf-state").value;
    ws.offset = 0; drawTable(); drawTimeline(); drawPoints();
  }

  /** The search's own answer (convoy ranking, coverage): the run's, or the search endpoint's
   * later call, which reads what the run held. */
  function answerFor(id, kind, params) {
    if (ws.answers[id]) { return Promise.resolve(ws.answers[id]); }
    if (kind !== "convoy" && kind !== "common" && kind !== "plate" && kind !== "partial" && kind !== "block") { return Promise.resolve(null); }
    var keep = function (r) { ws.answers[id] = r; return r; };
    // The held answer (/results/answer); where the server has no such address yet, the
    // search endpoint's later call, which names the search and its parameters.
    return Anpr.api("GET", "/api/v1/searches/" + id + "/results/answer?limit=50").then(keep).catch(function (e) {
      if (e.status !== 404 && e.status !== 405) { return null; }
      var body = Object.assign({}, params, { request_id: data.id, enquiry_id: id, limit: 50 });
      return Anpr.api("POST", "/api/v1/search/" + kind, body).then(keep).catch(function () { return null; });
    });
  }

  /** Open a run search in the workspace; `answer` is its run's answer when just run. */
  function open(id, kind, title, params, answer) {
    ws.id = id; ws.kind = kind; ws.offset = 0; ws.filters = {}; ws.params = params || null; ws.highlight = null; ws.pointAt = {};
    ws.window = windowOf(params);
    if (answer) { ws.answers[id] = answer; }
    delete $("ws-table").dataset.enquiry;  // until this search's rows are drawn
    document.querySelector("#ws-table tbody").innerHTML = "";
    $("ws-plates").innerHTML = ""; delete $("ws-plates").dataset.total;
    ["wf-plate", "wf-camera", "wf-location", "wf-state"].forEach(function (f) { $(f).value = ""; });
    $("ws-period").textContent = "het hele venster"; $("ws-period-clear").hidden = true;
    $("workspace").hidden = false; $("workspace").dataset.enquiry = String(id);
    $("ws-title").textContent = title || ("#" + id);
    ws.lit.clearLayers(); delete $("ws-map").dataset.lit;
    ws.map.invalidateSize();
    drawSites().then(drawPoints);
    drawRoute(); drawTimeline(); drawTable(); drawPlates();
    var n = asked.answer = (asked.answer || 0) + 1;
    answerFor(id, kind, params).then(function (a) {
      if (asked.answer !== n) { return; }
      loadCoverage(a);
      if (kind === "convoy" && a) { drawPartners(a); }
    });
  }

  initMap();
  if ($("workspace")) {
    $("ws-filters").addEventListener("submit", function (ev) { ev.preventDefault(); applyFilters(); });
    $("wf-state").addEventListener("change", applyFilters);
    $("wf-sort").addEventListener("change", function () { ws.offset = 0; drawTable(); });
    $("wf-size").addEventListener("change", function () { ws.offset = 0; drawTable(); });
    $("ws-prev").addEventListener("click", function () { ws.offset = Math.max(0, ws.offset - Number($("wf-size").value)); drawTable(); });
    $("ws-next").addEventListener("click", function () { if (ws.next != null) { ws.offset = ws.next; drawTable(); } });
    $("ws-period-clear").addEventListener("click", function () {
      delete ws.filters.from; delete ws.filters.to; $("ws-period").textContent = "het hele venster";
      delete $("ws-period").dataset.from; delete $("ws-period").dataset.to;
      $("ws-period-clear").hidden = true; markBrush(); ws.offset = 0; drawTable(); drawPoints(); drawPlates();
    });
    bindBrush();
  }
  Anpr.pages.workspace = { open: open, state: ws };
})();
