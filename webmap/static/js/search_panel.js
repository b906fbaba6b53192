/* The search panel on the officers' map (Q1-Q6), on top of Anpr.pages.map from map.js.
 *
 * Every search runs as a count preview first (passages, plates, verification work, camera
 * coverage) and only then fetches results. The endpoints are views of the request's one
 * search pipeline: the preview is the request's (the same search asked again is the one
 * already previewed or run, and says so), the first result call runs the search once and
 * holds what it finds, and every later page reads those held rows, never the live store.
 * Results are drawn per location (one circle per camera location, sized by count) and
 * listed one page at a time, so 100,000 hits stay usable. Times are entered and shown in
 * Europe/Amsterdam and sent as ISO 8601 with the offset that applied at that moment (so a
 * window across a DST change is what the officer typed); the server stores and answers in
 * UTC. */
(function () {
  "use strict";

  var API = "/api/v1/search";
  var PAGE = 100;
  var FLAG_COLOURS = { ok: "#1565c0", detour_or_stop: "#ef6c00", impossible: "#c62828", no_route: "#757575" };
  var FLAG_LABELS = { ok: "normaal", detour_or_stop: "omweg / stop", impossible: "onmogelijk (dubbel kenteken?)", no_route: "geen route" };
  var COVERAGE_LABELS = {
    status_defect: "defect", status_roadworks: "wegwerkzaamheden", status_inactive: "niet actief",
    status_retired: "buiten gebruik", period_defect: "defect in venster", period_roadworks: "wegwerkzaamheden in venster",
    period_inactive: "niet actief in venster", not_in_plan: "niet in cameraplan", not_yet_active: "nog niet actief", retired: "buiten gebruik"
  };
  // How a row matched a search including probable misreads (gis.search.misreads).
  var MATCH_LABELS = { equivalent_characters: "waarschijnlijk misgelezen (gelijkende tekens)", alternative_read: "alternatieve lezing van de camera" };
  var MATCH_SHORT = { equivalent_characters: "~", alternative_read: "alt." };
  var SEARCH_NAMES = { plate: "Q1 kenteken", partial: "Q2 deel van kenteken", block: "Q3 blokbevraging", convoy: "Q4 konvooi", common: "Q5 gemeenschappelijke kentekens", route: "Q6 route" };

  var M = Anpr.pages.map;
  if (!M || !document.getElementById("search-panel")) { return; }
  var map = M.map;

  var panel = document.getElementById("search-panel");
  var kindEl = document.getElementById("search-kind");
  var errorEl = document.getElementById("search-error");
  var previewEl = document.getElementById("search-preview");
  var summaryEl = document.getElementById("search-summary");
  var resultsEl = document.getElementById("search-results");
  var runBtn = document.getElementById("search-run-btn");
  var previewBtn = document.getElementById("search-preview-btn");

  map.createPane("searchPane"); map.getPane("searchPane").style.zIndex = 640;
  var layers = {
    sites: L.featureGroup().addTo(map),
    results: L.featureGroup().addTo(map),
    highlight: L.featureGroup().addTo(map)
  };
  var state = { kind: kindEl.value, previewed: null, query: null, result: null, preview: null, sites: [], siteSeq: 0 };

  // --- small helpers ---------------------------------------------------------------------
  var esc = Anpr.esc;
  function num(n) { return n == null ? "-" : Number(n).toLocaleString("nl-NL"); }
  function el(id) { return document.getElementById(id); }

  // Times in Europe/Amsterdam (anpr.js); the search lists show seconds.
  var localToISO = Anpr.time.localToISO, isoToLocal = Anpr.time.isoToLocal;
  function showTime(iso) { return Anpr.time.show(iso, true); }
  function showClock(iso) { return showTime(iso).split(" ").pop(); }
  function minutes(s) { return s == null ? "-" : (s / 60).toFixed(1).replace(".", ","); }
  function offsetText(s) { return (s > 0 ? "+" : s < 0 ? "-" : "") + Math.round(Math.abs(s)) + " s"; }

  // Every search runs inside a confirmed request (R5); a result call names the preview
  // (enquiry) it follows, per kind.
  var requestEl = document.getElementById("search-request");
  var enquiryOf = {};
  Anpr.getJSON("/api/v1/requests").catch(function () { return { requests: [] }; }).then(function (d) {
    var open = (d.requests || []).filter(function (q) { return q.status === "confirmed" || q.status === "provided"; });
    requestEl.innerHTML = open.length ? "" : "<option value=\"\">geen bevestigd verzoek</option>";
    open.forEach(function (q) {
      var o = document.createElement("option");
      o.value = q.id; o.textContent = q.reference + " \u2013 " + q.investigation_name;
      requestEl.appendChild(o);
    });
    requestEl.dataset.ready = "1";
  }).catch(function () { requestEl.dataset.ready = "1"; });
  requestEl.addEventListener("change", function () { enquiryOf = {}; });

  function post(path, body) {
    var m = path.match(/^\/(\w+)(\/preview|\/export)?$/);
    if (m && m[1] !== "coverage") {
      body = Object.assign({}, body, { request_id: Number(requestEl.value) || null });
      if (m[2] !== "/preview") { body.enquiry_id = enquiryOf[m[1]] || null; }
    }
    // JSON, or a route's export as a file (Anpr.send: the CSRF token; Anpr.refusal: the
    // server's refusal in Dutch, here after what kind of refusal it is).
    return Anpr.send("POST", API + path, body).then(function (r) {
      if (!r.ok) {
        return Anpr.refusal(r).then(function (e) {
          var label = r.status === 403 ? "Geweigerd" : r.status === 401 ? "Niet ingelogd" : r.status >= 500 ? "Serverfout" : "Fout";
          e.message = label + " (" + r.status + "): " + e.message;
          throw e;
        });
      }
      if ((r.headers.get("Content-Type") || "").indexOf("json") < 0) { return r.blob(); }
      return r.json().then(function (b) {
        if (m && m[2] === "/preview") { enquiryOf[m[1]] = b.enquiry_id; }
        return b;
      });
    });
  }

  function setBusy(what) { panel.dataset.state = what; previewBtn.disabled = what === "busy"; }
  function showError(err) {
    if (!err) { errorEl.hidden = true; errorEl.textContent = ""; return; }
    errorEl.hidden = false;
    errorEl.textContent = err.message || String(err);
    setBusy("error");
  }

  // --- form: which fields a search needs ----------------------------------------------------
  function showFields() {
    var kind = kindEl.value;
    panel.querySelectorAll("[data-for]").forEach(function (node) {
      node.hidden = node.dataset.for.split(" ").indexOf(kind) < 0;
      if (node.tagName === "DIV") { node.style.display = node.hidden ? "none" : ""; }
    });
    layers.sites.eachLayer(function (l) { if (l.setStyle) { l.setStyle({ opacity: kind === "common" ? 0.9 : 0.25 }); } });
  }

  function selectionCameras() {
    return Array.prototype.map.call(document.querySelectorAll("#selection-list li"), function (li) { return li.dataset.cameraId; });
  }
  function selectionLocations() {
    var t = el("selection-locations").textContent.trim();
    return t ? t.split(/,\s*/) : [];
  }
  function windowOf(startId, endId) { return { start: localToISO(el(startId).value), end: localToISO(el(endId).value) }; }
  function platesOf(text) { return Anpr.plates(text); }

  function needSelection() {
    var cams = selectionCameras();
    if (!cams.length) { throw new Error("Teken eerst een selectie op de kaart (vlak, rechthoek, cirkel of corridor)."); }
    return cams;
  }

  /** The request body for the chosen search, from the form (validation is the server's). */
  function buildBody(kind) {
    var b = {};
    if (kind !== "common") { b.window = windowOf("search-start", "search-end"); }
    if (kind === "plate") { b.plates = platesOf(el("search-plates").value); }
    if (kind === "partial") { b.pattern = el("search-pattern").value.trim(); }
    if ((kind === "plate" || kind === "partial") && el("search-only-selection").checked) { b.cameras = needSelection(); }
    if (kind === "block") { b.cameras = needSelection(); }
    if (kind === "convoy" || kind === "route") { b.plate = el("search-plate").value.trim(); }
    if (kind === "convoy") { b.minutes = Number(el("search-minutes").value); b.min_shared = Number(el("search-min-shared").value); }
    if (kind === "route") { b.detour_minutes = Number(el("search-detour").value); }
    // Qm: including probable misreads, an option of Q1, Q4, Q5 and Q6 only (the server
    // refuses it on Q2 and Q3); sent only when chosen, so a search without it is the same
    // search as before.
    if (kind !== "partial" && kind !== "block" && el("search-misreads").checked) { b.misreads = true; }
    if (kind === "common") {
      if (state.sites.length < 2) { throw new Error("Voeg minstens twee sites toe (teken een selectie en kies 'Selectie als site toevoegen')."); }
      b.k = Number(el("search-k").value);
      b.sites = state.sites.map(function (s) {
        return { name: s.name, cameras: s.cameras, window: { start: localToISO(s.startEl.value), end: localToISO(s.endEl.value) } };
      });
    }
    return b;
  }

  // --- Q5 sites -------------------------------------------------------------------------------
  function addSite() {
    showError(null);
    var cams;
    try { cams = needSelection(); } catch (e) { showError(e); return; }
    state.siteSeq += 1;
    var name = "site " + state.siteSeq;
    var outline = L.featureGroup();
    M.drawn.eachLayer(function (l) {
      var style = { color: "#00897b", weight: 2, dashArray: "6 4", fillOpacity: 0.06, interactive: false };
      if (l instanceof L.Circle) { outline.addLayer(L.circle(l.getLatLng(), L.extend({ radius: l.getRadius() }, style))); }
      else { outline.addLayer(L.geoJSON(l.toGeoJSON(), { style: function () { return style; }, interactive: false })); }
    });
    selectionLocations().forEach(function (code) {
      var ll = M.locationIndex[code];
      if (ll) { outline.addLayer(L.circleMarker(ll, { radius: 9, color: "#00897b", weight: 2, fill: false, interactive: false })); }
    });
    outline.bindTooltip(name, { permanent: true, direction: "top", className: "search-count-label" });
    layers.sites.addLayer(outline);
    if (outline.getLayers().length) { outline.openTooltip(outline.getBounds().getCenter()); }
    var li = document.createElement("li");
    li.dataset.site = name;
    li.innerHTML = "<b>" + esc(name) + "</b> &middot; " + cams.length + " camera's <button type=\"button\" class=\"remove\">verwijderen</button><br>" +
      "<input type=\"datetime-local\" step=\"60\" class=\"start\"> &ndash; <input type=\"datetime-local\" step=\"60\" class=\"end\">";
    var site = { name: name, cameras: cams, outline: outline, li: li, startEl: li.querySelector(".start"), endEl: li.querySelector(".end") };
    site.startEl.value = el("search-site-start").value;
    site.endEl.value = el("search-site-end").value;
    li.querySelector(".remove").addEventListener("click", function () {
      layers.sites.removeLayer(outline); li.remove();
      state.sites = state.sites.filter(function (s) { return s !== site; });
      invalidate();
    });
    [site.startEl, site.endEl].forEach(function (i) { i.addEventListener("change", invalidate); });
    state.sites.push(site);
    el("search-sites").appendChild(li);
    invalidate();
  }

  // --- preview ----------------------------------------------------------------------------------
  function invalidate() { runBtn.disabled = true; state.previewed = null; }

  function coverageHTML(cov, title) {
    if (!cov) { return ""; }
    var head = title ? "<b>" + esc(title) + ":</b> " : "";
    if (cov.complete) {
      return "<div class=\"search-coverage complete\" data-complete=\"1\">" + head + "dekking volledig: alle " + num(cov.cameras_selected) + " camera's actief en in het plan</div>";
    }
    var items = cov.gaps.slice(0, 200).map(function (g) {
      var when = g.gap_start ? " (" + showTime(g.gap_start) + " &ndash; " + showTime(g.gap_end) + ")" : "";
      return "<li>" + esc(g.camera_id) + " @ " + esc(g.location_code) + ": " + esc(COVERAGE_LABELS[g.reason] || g.reason) + when + "</li>";
    });
    if (cov.gaps.length > 200) { items.push("<li>&hellip; en nog " + (cov.gaps.length - 200) + "</li>"); }
    (cov.unknown_cameras || []).forEach(function (c) { items.push("<li>" + esc(c) + ": onbekende camera</li>"); });
    return "<div class=\"search-coverage\" data-complete=\"0\" data-gaps=\"" + cov.cameras_with_gaps + "\">" + head +
      "let op: " + num(cov.cameras_with_gaps) + " van " + num(cov.cameras_selected) +
      " camera's niet (volledig) actief of niet in het plan; &lsquo;niets gevonden&rsquo; betekent daar niet &lsquo;niet gepasseerd&rsquo;." +
      "<details><summary>camera's</summary><ul>" + items.join("") + "</ul></details></div>";
  }

  function coverageFor(kind, body) {
    if (kind === "common") {
      return Promise.all(body.sites.map(function (s) {
        return post("/coverage", { cameras: s.cameras, window: s.window }).then(function (c) { c.site = s.name; return c; });
      }));
    }
    var q = { window: body.window };
    if (body.cameras) { q.cameras = body.cameras; }
    return post("/coverage", q).then(function (c) { return [c]; });
  }

  function runPreview() {
    var kind = kindEl.value, body;
    showError(null);
    try { body = buildBody(kind); } catch (e) { showError(e); return; }
    clearResults();
    previewEl.hidden = true;
    setBusy("busy");
    Promise.all([post("/" + kind + "/preview", body), coverageFor(kind, body)]).then(function (res) {
      var p = res[0], covs = res[1];
      state.preview = p; state.previewed = JSON.stringify(body); state.kind = kind;
      var ver = p.verification_required ? "ja, ca. " + String(p.verification_minutes).replace(".", ",") + " min (per lezing, R7)" : "niet nodig (locatie/tijd)";
      var already = p.already === "run" ? "Deze zoekvraag is al uitgevoerd in dit verzoek: de resultaten zijn de " + num(p.passages_kept) + " veiliggestelde passages; er wordt niet opnieuw gezocht."
        : p.already === "previewed" ? "Deze zoekvraag is in dit verzoek al geteld." : "";
      previewEl.dataset.already = p.already || "";
      previewEl.innerHTML = (already ? "<p id=\"search-already\" class=\"note\">" + esc(already) + "</p>" : "") + "<dl>" +
        "<dt>Zoekvraag</dt><dd>" + esc(SEARCH_NAMES[kind]) + "</dd>" +
        "<dt>Passages</dt><dd id=\"search-preview-passages\" data-value=\"" + p.passages + "\">" + num(p.passages) + "</dd>" +
        "<dt>Kentekens</dt><dd id=\"search-preview-plates\" data-value=\"" + p.plates + "\">" + num(p.plates) + "</dd>" +
        (p.cameras_hit != null ? "<dt>Camera's geraakt</dt><dd>" + num(p.cameras_hit) + "</dd>" : "") +
        "<dt>Verificatie</dt><dd>" + ver + "</dd></dl>" +
        covs.map(function (c) { return coverageHTML(c, c.site); }).join("");
      previewEl.hidden = false;
      runBtn.disabled = false;
      setBusy("preview");
    }).catch(showError);
  }

  // --- results ------------------------------------------------------------------------------------
  function clearResults() {
    layers.results.clearLayers(); layers.highlight.clearLayers();
    summaryEl.innerHTML = ""; resultsEl.innerHTML = ""; state.result = null;
  }

  function runSearch(offset) {
    var kind = kindEl.value, body;
    showError(null);
    try { body = buildBody(kind); } catch (e) { showError(e); return; }
    if (JSON.stringify(body) !== state.previewed) { invalidate(); showError(new Error("De zoekvraag is gewijzigd: vraag eerst opnieuw de telling op.")); return; }
    body.limit = kind === "convoy" ? 50 : kind === "common" ? 200 : PAGE;
    body.offset = offset || 0;
    setBusy("busy");
    post("/" + kind, body).then(function (r) {
      state.query = { kind: kind, body: body }; state.result = r;
      var first = !offset;
      if (kind === "plate" || kind === "partial" || kind === "block") { renderPassages(r, first); }
      else if (kind === "convoy") { renderConvoy(r, first); }
      else if (kind === "common") { renderCommon(r, first); }
      else if (kind === "route") { renderRoute(r); }
      setBusy("results");
      if (summaryEl.scrollIntoView) { summaryEl.scrollIntoView({ block: "nearest" }); }
    }).catch(showError);
  }

  function pager(page, total, what) {
    var div = document.createElement("div");
    div.className = "pager";
    var from = total ? page.offset + 1 : 0;
    var to = Math.min(page.offset + page.limit, total);
    div.innerHTML = "<button type=\"button\" class=\"prev\"" + (page.offset > 0 ? "" : " disabled") + ">&lsaquo; vorige</button>" +
      "<span>" + num(from) + "&ndash;" + num(to) + " van " + num(total) + " " + what + "</span>" +
      "<button type=\"button\" class=\"next\"" + (page.next_offset != null ? "" : " disabled") + ">volgende &rsaquo;</button>";
    div.querySelector(".prev").addEventListener("click", function () { runSearch(Math.max(page.offset - page.limit, 0)); });
    div.querySelector(".next").addEventListener("click", function () { runSearch(page.next_offset); });
    return div;
  }

  function highlightLocations(codes, colour, label) {
    layers.highlight.clearLayers();
    var pts = [];
    codes.forEach(function (code, i) {
      var ll = M.locationIndex[code];
      if (!ll) { return; }
      pts.push(ll);
      var m = L.circleMarker(ll, { radius: 10, color: colour, weight: 4, fill: false, pane: "searchPane", className: "search-highlight" });
      if (label) { m.bindTooltip(label(code, i)); }
      layers.highlight.addLayer(m);
    });
    if (pts.length) { map.fitBounds(L.latLngBounds(pts).pad(0.3), { maxZoom: 12, animate: false }); }
  }

  /** Q1-Q3: one circle per location (sized by count), a per-location list, a page of rows. */
  function renderPassages(r, first) {
    if (first) {
      layers.results.clearLayers();
      var max = r.by_location.reduce(function (m, l) { return Math.max(m, l.passages); }, 1);
      var labelled = r.by_location.length <= 60;
      r.by_location.forEach(function (loc) {
        var radius = 6 + 22 * Math.sqrt(loc.passages / max);
        var c = L.circleMarker([loc.lat, loc.lon], { radius: radius, color: "#0b2e4f", weight: 1, fillColor: "#1e88e5",
          fillOpacity: 0.55, pane: "searchPane", className: "search-loc" });
        c.locationCode = loc.location_code; c.count = loc.passages;
        c.bindTooltip("<b>" + num(loc.passages) + "</b>", { permanent: labelled, direction: "center", className: "search-count-label" });
        c.bindPopup("<b>" + esc(loc.location_code) + "</b> " + esc(loc.location_name) + "<br>" + num(loc.passages) + " passages, " +
          num(loc.plates) + " kentekens<br>" + showTime(loc.first_at) + " &ndash; " + showTime(loc.last_at));
        layers.results.addLayer(c);
      });
      if (r.by_location.length) { map.fitBounds(layers.results.getBounds().pad(0.2), { maxZoom: 13, animate: false }); }
      summaryEl.innerHTML = "<b>" + num(r.passages_total) + "</b> passages, <b>" + num(r.plates_total) + "</b> kentekens op <b>" +
        r.by_location.length + "</b> " + (r.by_location.length === 1 ? "locatie" : "locaties") + (r.verification_required ? " &middot; te verifi&euml;ren per lezing" : " &middot; geen verificatie nodig") +
        coverageHTML(r.coverage);
      resultsEl.innerHTML = "";
      var det = document.createElement("details");
      det.innerHTML = "<summary>Per locatie (" + r.by_location.length + ")</summary><ol id=\"search-locations\" class=\"scroll\"></ol>";
      r.by_location.forEach(function (loc) {
        var li = document.createElement("li");
        li.className = "clickable"; li.dataset.location = loc.location_code; li.dataset.count = String(loc.passages);
        li.innerHTML = esc(loc.location_code) + " " + esc(loc.location_name) + ": <b>" + num(loc.passages) + "</b>";
        li.addEventListener("click", function () { highlightLocations([loc.location_code], "#f39c12"); });
        det.querySelector("ol").appendChild(li);
      });
      resultsEl.appendChild(det);
      var rowsDiv = document.createElement("div"); rowsDiv.id = "search-rows";
      resultsEl.appendChild(rowsDiv);
    }
    var target = el("search-rows");
    target.innerHTML = "";
    target.appendChild(pager(r.page, r.passages_total, "passages"));
    var wrap = document.createElement("div"); wrap.className = "scroll";
    var html = "<table><thead><tr><th>tijd</th><th>kenteken</th><th>locatie</th><th>camera</th><th>r.</th><th>str.</th></tr></thead><tbody>";
    r.passages.forEach(function (p) {
      var match = p.match || "exact";
      html += "<tr class=\"clickable" + (match !== "exact" ? " misread" : "") + "\" data-id=\"" + p.id + "\" data-location=\"" + esc(p.location_code) +
        "\" data-match=\"" + esc(match) + "\"><td>" + showTime(p.captured_at) +
        "</td><td>" + esc(p.plate) + (match !== "exact" ? " <span class=\"match\" title=\"" + esc(MATCH_LABELS[match] || match) +
        (p.matched_plate ? ": " + esc(p.matched_plate) : "") + "; te verifi&euml;ren tegen de uitsnede\">" + esc(MATCH_SHORT[match] || "?") + "</span>" : "") + "</td><td title=\"" + esc(p.location_name) + "\">" + esc(p.location_code) + "</td><td>" + esc(p.camera_id) +
        "</td><td>" + (p.inout === "in" ? "in" : "uit") + "</td><td>" + esc(p.lane) + "</td></tr>";
    });
    wrap.innerHTML = html + "</tbody></table>";
    wrap.querySelectorAll("tr.clickable").forEach(function (tr) {
      tr.addEventListener("click", function () {
        wrap.querySelectorAll("tr.active").forEach(function (x) { x.classList.remove("active"); });
        tr.classList.add("active");
        highlightLocations([tr.dataset.location], "#f39c12");
      });
    });
    target.appendChild(wrap);
  }

  /** Q4: the target's passages on the map; partners ranked, a click highlights the shared ones. */
  function renderConvoy(r, first) {
    layers.results.clearLayers(); layers.highlight.clearLayers();
    var codes = {};
    r.target_passages.forEach(function (t) { codes[t.location_code] = (codes[t.location_code] || 0) + 1; });
    Object.keys(codes).forEach(function (code) {
      var ll = M.locationIndex[code];
      if (!ll) { return; }
      layers.results.addLayer(L.circleMarker(ll, { radius: 6, color: "#000", weight: 1, fillColor: "#263238", fillOpacity: 0.9,
        pane: "searchPane", className: "search-target" }).bindTooltip(esc(r.params.plate) + " @ " + esc(code) + ": " + codes[code] + "x"));
    });
    if (first && layers.results.getLayers().length) { map.fitBounds(layers.results.getBounds().pad(0.2), { maxZoom: 12, animate: false }); }
    summaryEl.innerHTML = "Doelkenteken <b>" + esc(r.params.plate) + "</b>: " + r.target_passages.length + " passages; <b>" +
      num(r.partners_total) + "</b> meerijders (&ge; " + r.params.min_shared + " gedeelde passages, &plusmn;" + r.params.minutes +
      " min). Score: &minus;log10 van het verwachte aantal toevallige meerijders (achtergrond ca. " + num(r.vehicles_per_day_estimate) + " voertuigen/dag).";
    resultsEl.innerHTML = "";
    resultsEl.appendChild(pager(r.page, r.partners_total, "meerijders"));
    var ol = document.createElement("ol");
    ol.id = "search-partners"; ol.start = r.page.offset + 1; ol.className = "scroll";
    r.partners.forEach(function (p, i) {
      var li = document.createElement("li");
      li.className = "clickable"; li.dataset.plate = p.plate; li.dataset.rank = String(r.page.offset + i + 1); li.dataset.score = String(p.score);
      li.innerHTML = "<b>" + esc(p.plate) + "</b> score " + String(p.score).replace(".", ",") + " &middot; " + p.shared_passages + " gedeeld op " +
        Anpr.count(p.locations, "locatie", "locaties") + " &middot; " + p.before + " ervoor / " + p.after + " erna (mediaan " + offsetText(p.median_offset_s) + ")" +
        "<div class=\"detail\" hidden></div>";
      li.addEventListener("click", function () { selectPartner(li, p, r); });
      ol.appendChild(li);
    });
    resultsEl.appendChild(ol);
  }

  function selectPartner(li, p, r) {
    document.querySelectorAll("#search-partners li").forEach(function (x) {
      x.classList.toggle("active", x === li);
      x.style.background = x === li ? "#fff3cd" : "";
      x.querySelector(".detail").hidden = x !== li;
    });
    var byLoc = {};
    p.passages.forEach(function (x) { (byLoc[x.location_code] = byLoc[x.location_code] || []).push(x); });
    highlightLocations(Object.keys(byLoc), "#d81b60", function (code) {
      return "<b>" + esc(p.plate) + "</b> @ " + esc(code) + "<br>" + byLoc[code].map(function (x) {
        return showTime(x.captured_at) + " (" + offsetText(x.offset_s) + ")";
      }).join("<br>");
    });
    layers.highlight.eachLayer(function (m) { m.getElement && m.getElement() && m.getElement().setAttribute("data-plate", p.plate); });
    li.querySelector(".detail").innerHTML = "<table><tr><th>tijd</th><th>locatie</th><th>camera</th><th>t.o.v. doel</th></tr>" +
      p.passages.map(function (x) {
        return "<tr><td>" + showTime(x.captured_at) + "</td><td>" + esc(x.location_code) + "</td><td>" + esc(x.camera_id) + "</td><td>" + offsetText(x.offset_s) + "</td></tr>";
      }).join("") + "</table>";
  }

  /** Q5: sites outlined, plates seen at k or more of them; a click shows where and when. */
  function renderCommon(r) {
    layers.results.clearLayers(); layers.highlight.clearLayers();
    layers.sites.eachLayer(function (l) { if (l.setStyle) { l.setStyle({ opacity: 0.9, color: "#00897b" }); } });
    if (layers.sites.getLayers().length) { map.fitBounds(layers.sites.getBounds().pad(0.2), { maxZoom: 12, animate: false }); }
    summaryEl.innerHTML = "<b>" + num(r.plates_total) + "</b> kentekens op minstens " + r.params.k + " van " + r.params.sites.length + " sites" +
      r.coverage.map(function (c) { return coverageHTML(c, c.site); }).join("");
    resultsEl.innerHTML = "";
    resultsEl.appendChild(pager(r.page, r.plates_total, "kentekens"));
    var ol = document.createElement("ol");
    ol.id = "search-common"; ol.start = r.page.offset + 1; ol.className = "scroll";
    r.plates.forEach(function (p) {
      var li = document.createElement("li");
      li.className = "clickable"; li.dataset.plate = p.plate; li.dataset.sites = String(p.sites_count);
      li.innerHTML = "<b>" + esc(p.plate) + "</b> op " + p.sites_count + " sites: " + esc(p.sites.join(", "));
      li.addEventListener("click", function () {
        ol.querySelectorAll("li").forEach(function (x) { x.style.background = x === li ? "#fff3cd" : ""; });
        var byLoc = {};
        p.passages.forEach(function (x) { (byLoc[x.location_code] = byLoc[x.location_code] || []).push(x); });
        highlightLocations(Object.keys(byLoc), "#d81b60", function (code) {
          return "<b>" + esc(p.plate) + "</b> @ " + esc(code) + "<br>" + byLoc[code].map(function (x) {
            return esc(x.site) + ": " + showTime(x.captured_at);
          }).join("<br>");
        });
      });
      ol.appendChild(li);
    });
    resultsEl.appendChild(ol);
  }

  /** Q6: legs as lines coloured by flag, with a legend, the legs listed, exports. */
  function renderRoute(r) {
    layers.results.clearLayers(); layers.highlight.clearLayers();
    var legLayers = [];
    r.legs.forEach(function (leg) {
      var colour = FLAG_COLOURS[leg.flag] || FLAG_COLOURS.ok;
      var line = L.polyline(leg.coordinates.map(function (c) { return [c[1], c[0]]; }), {
        color: colour, weight: leg.flag === "ok" ? 4 : 6, opacity: 0.9, pane: "searchPane",
        dashArray: leg.flag === "no_route" ? "6 6" : null, className: "search-leg leg-" + leg.flag
      });
      line.bindTooltip("etappe " + (leg.index + 1) + ": " + esc(leg.from_location) + " &rarr; " + esc(leg.to_location) + "<br>" +
        FLAG_LABELS[leg.flag] + ", " + minutes(leg.observed_s) + " min (verwacht " + minutes(leg.expected_s) + ")", { sticky: true });
      layers.results.addLayer(line);
      legLayers.push(line);
    });
    r.passages.forEach(function (p, i) {
      layers.results.addLayer(L.circleMarker([p.lat, p.lon], { radius: 5, color: "#000", weight: 1, fillColor: "#fff", fillOpacity: 1,
        pane: "searchPane", className: "search-route-passage" }).bindTooltip((i + 1) + ". " + esc(p.location_code) + " " + showTime(p.captured_at) +
        (p.match && p.match !== "exact" ? " (" + esc(MATCH_LABELS[p.match] || p.match) + ": " + esc(p.plate) + ")" : "")));
    });
    if (layers.results.getLayers().length) { map.fitBounds(layers.results.getBounds().pad(0.1), { animate: false }); }
    var f = r.flags;
    summaryEl.innerHTML = "Route van <b>" + esc(r.params.plate) + "</b>: " + r.passages_total + " passages, " + r.legs.length + " etappes" +
      (r.truncated ? " (afgekapt)" : "") + "; " + f.detour_or_stop + " omweg/stop, " + f.impossible + " onmogelijk" +
      "<div class=\"search-legend\" id=\"search-legend\">" + Object.keys(FLAG_COLOURS).map(function (k) {
        return "<span class=\"swatch flag-bg-" + k + "\"></span>" + FLAG_LABELS[k];
      }).join(" ") + "</div>";
    resultsEl.innerHTML = "";
    var exp = document.createElement("div"); exp.className = "buttons";
    // GeoJSON is one file per layer (passages, legs, the route line); the others hold all.
    exp.innerHTML = "Exporteren: " + [["geojson", "passages", "GeoJSON passages"],
      ["geojson", "legs", "GeoJSON trajecten"], ["geojson", "route", "GeoJSON routelijn"],
      ["gpkg", "", "GeoPackage"], ["kml", "", "KML"], ["gpx", "", "GPX"]].map(function (f) {
      return "<button type=\"button\" data-format=\"" + f[0] + "\" data-layer=\"" + f[1] + "\">" + f[2] + "</button>";
    }).join("");
    exp.querySelectorAll("button").forEach(function (b) {
      b.addEventListener("click", function () { exportRoute(b.dataset.format, b.dataset.layer); });
    });
    resultsEl.appendChild(exp);
    var wrap = document.createElement("div"); wrap.className = "scroll";
    var html = "<table id=\"search-legs\"><thead><tr><th>#</th><th>van &rarr; naar</th><th>vertrek</th><th>min</th><th>verw.</th><th>oordeel</th></tr></thead><tbody>";
    r.legs.forEach(function (leg) {
      html += "<tr class=\"clickable\" data-index=\"" + leg.index + "\" data-flag=\"" + leg.flag + "\"><td>" + (leg.index + 1) + "</td><td>" +
        esc(leg.from_location) + " &rarr; " + esc(leg.to_location) + "</td><td title=\"" + showTime(leg.from_at) + "\">" + showClock(leg.from_at) + "</td><td>" + minutes(leg.observed_s) +
        "</td><td>" + minutes(leg.expected_s) + "</td><td class=\"flag-fg-" + (FLAG_COLOURS[leg.flag] ? leg.flag : "ok") + "\">" + FLAG_LABELS[leg.flag] + "</td></tr>";
    });
    wrap.innerHTML = html + "</tbody></table>";
    wrap.querySelectorAll("tr.clickable").forEach(function (tr) {
      tr.addEventListener("click", function () {
        var line = legLayers[Number(tr.dataset.index)];
        wrap.querySelectorAll("tr.active").forEach(function (x) { x.classList.remove("active"); });
        tr.classList.add("active");
        layers.highlight.clearLayers();
        layers.highlight.addLayer(L.polyline(line.getLatLngs(), { color: "#ffeb3b", weight: 12, opacity: 0.6, pane: "searchPane", interactive: false }));
        line.bringToFront();
        map.fitBounds(line.getBounds().pad(0.3), { animate: false });
      });
    });
    resultsEl.appendChild(wrap);
  }

  function exportRoute(fmt, layer) {
    var q = state.query;
    if (!q || q.kind !== "route") { return; }
    var body = { plate: q.body.plate, window: q.body.window, detour_minutes: q.body.detour_minutes, format: fmt };
    if (layer) { body.layer = layer; }
    post("/route/export", body).then(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob instanceof Blob ? blob : new Blob([JSON.stringify(blob)], { type: "application/geo+json" }));
      a.download = "route-" + q.body.plate + "." + (layer ? layer + "." : "") + fmt;
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 5000);
    }).catch(showError);
  }

  // --- wiring -----------------------------------------------------------------------------------
  function defaults() {
    var end = new Date(); end.setMinutes(0, 0, 0);
    var start = new Date(end.getTime() - 6 * 3600 * 1000);
    el("search-start").value = el("search-site-start").value = isoToLocal(start.toISOString());
    el("search-end").value = el("search-site-end").value = isoToLocal(end.toISOString());
  }

  kindEl.addEventListener("change", function () { showFields(); invalidate(); clearResults(); previewEl.hidden = true; showError(null); });
  panel.querySelectorAll("input, select").forEach(function (i) {
    if (i !== kindEl) { i.addEventListener("input", invalidate); i.addEventListener("change", invalidate); }
  });
  // A new drawing changes the camera selection: a previewed block search no longer holds.
  map.on(L.Draw.Event.CREATED, invalidate);
  el("search-site-add").addEventListener("click", addSite);
  previewBtn.addEventListener("click", runPreview);
  runBtn.addEventListener("click", function () { runSearch(0); });
  el("search-clear-btn").addEventListener("click", function () {
    clearResults(); invalidate(); previewEl.hidden = true; showError(null);
    layers.sites.clearLayers(); state.sites = []; el("search-sites").innerHTML = "";
  });

  defaults();
  showFields();
  setBusy("idle");
  Anpr.pages.searchPanel = { state: state, layers: layers, localToISO: localToISO, isoToLocal: isoToLocal, flagColours: FLAG_COLOURS };
})();
