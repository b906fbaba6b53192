/* The analyst's page of one request: the provided passages and routes on the map, filters
 * on plate, location, time (Europe/Amsterdam) and verification, and the list. Reads only
 * the files of what was provided (/analyse/<id>/download), the same files as the downloads. */
(function () {
  "use strict";

  var el = document.getElementById("map");
  if (!el) { return; }
  var FLAG_COLOURS = { ok: "#1565c0", detour_or_stop: "#ef6c00", impossible: "#c62828", no_route: "#757575" };
  var FLAG_LABELS = { ok: "rijtijd past bij de route", detour_or_stop: "omweg of stop",
    impossible: "onmogelijk snel (dubbele kentekenplaat?)", no_route: "geen route over de weg gevonden" };
  var DIRECTION = { "in": "naar het centrum", out: "van het centrum af" };
  var $ = function (id) { return document.getElementById(id); };

  var esc = Anpr.esc;
  function message(text) { Anpr.message($("message"), text); }
  // What a refusal of a provision's file means on this page (anpr.js gives the rest in words).
  var REFUSED = { 404: "Niet gevonden: dit verzoek bestaat niet of u heeft er geen toegang toe.",
    409: "Voor dit verzoek is nog niets geleverd." };
  /** A file of the provision as JSON. */
  function provided(url) {
    return Anpr.getJSON(url).catch(function (e) {
      if (REFUSED[e.status]) { e.message = REFUSED[e.status]; }
      throw e;
    });
  }
  function showTime(iso) { return Anpr.time.show(iso, true); }

  var map = L.map(el, { minZoom: 6, maxZoom: 18 }).setView([52.2, 5.3], 7);
  // The shared basemap (basemap.js): the offline land or the internal tile layer, places
  // and the place search, the road network with its numbers, lighter under the results.
  var base = Anpr.basemap.add(map, { roadOpacity: 0.45 });
  Anpr.basemap.placeControl(base);

  var routeLayer = L.layerGroup().addTo(map);
  var passageLayer = L.featureGroup().addTo(map);
  var passages = [];

  /** The package's verification status (English, as the CSV carries it for integrators):
   * its kind for the filter and its words on the page, in Dutch. */
  function verificationKind(v) {
    v = String(v || "");
    if (/^verified\b/.test(v)) { return "verified"; }
    if (/^not verified \(location\/time/.test(v)) { return "location_time"; }
    if (/^niet te verifi/.test(v)) { return "not_verifiable"; }
    return "unverified";
  }
  function verificationText(v) {
    v = String(v || "");
    var m = /^verified: confirmed, the crop shows the ordered plate (\S+): the camera misread it/.exec(v);
    if (m) {
      return "geverifieerd: bevestigd; de uitsnede toont het gevraagde kenteken " + m[1] +
        " (de camera las het verkeerd; de lezing is geleverd zoals gelezen)";
    }
    if (/^verified: confirmed/.test(v)) { return "geverifieerd: bevestigd"; }
    if (/^verified/.test(v)) { return "geverifieerd"; }
    if (/^not verified \(location\/time/.test(v)) {
      return "niet geverifieerd (zoekvraag op locatie/tijd: geen verificatie nodig)";
    }
    if (v === "unverified") { return "niet geverifieerd"; }
    return v;  // already Dutch ("niet te verifiëren (geen uitsnede)") or unknown: as it is
  }
  function moment(id) {
    var v = $(id).value;
    return v ? new Date(Anpr.time.localToISO(v)).getTime() : null;
  }

  function render() {
    var plate = $("f-plate").value.trim().toUpperCase().replace(/[\s-]/g, "");
    var loc = $("f-location").value.trim().toLowerCase();
    var from = moment("f-from"), to = moment("f-to"), ver = $("f-verification").value;
    passageLayer.clearLayers();
    var rows = [];
    passages.forEach(function (f) {
      var p = f.properties, t = new Date(p.captured_at_utc).getTime();
      if (plate && String(p.plate).indexOf(plate) < 0) { return; }
      if (loc && (p.location_code + " " + p.location_name).toLowerCase().indexOf(loc) < 0) { return; }
      if (from !== null && t < from) { return; }
      if (to !== null && t > to) { return; }
      if (ver && verificationKind(p.verification) !== ver) { return; }
      var c = f.geometry.coordinates;
      L.circleMarker([c[1], c[0]], { radius: 6, color: "#0b2e4f", weight: 1, fillColor: "#1e88e5",
        fillOpacity: 0.85, className: "an-passage" })
        .bindPopup("<b>" + esc(p.plate) + "</b><br>" + esc(showTime(p.captured_at_utc)) + "<br>" +
          esc(p.location_code) + " " + esc(p.location_name) + "<br>camera " + esc(p.camera) + ", rijstrook " +
          esc(p.lane) + ", " + esc(DIRECTION[p.direction] || p.direction) + "<br><i>" + esc(verificationText(p.verification)) + "</i>")
        .addTo(passageLayer);
      rows.push("<tr data-passage=\"" + esc(p.passage_id) + "\"><td>" + esc(showTime(p.captured_at_utc)) +
        "</td><td class=\"plate\">" + esc(p.plate) + "</td><td>" + esc(p.location_code) + " " + esc(p.location_name) +
        "</td><td>" + esc(DIRECTION[p.direction] || p.direction) + "</td><td data-verification=\"" +
        esc(verificationKind(p.verification)) + "\">" + esc(verificationText(p.verification)) + "</td></tr>");
    });
    $("passages").tBodies[0].innerHTML = rows.join("") ||
      "<tr><td colspan=\"5\">Geen passages binnen de filters.</td></tr>";
    var shown = $("shown");
    shown.dataset.count = String(rows.length);
    shown.textContent = rows.length + " van " + passages.length + " passages getoond";
  }

  /** A route's legs (its file route-<id>-legs.geojson: LineStrings, one per leg). */
  function drawRoute(fc) {
    fc.features.forEach(function (f) {
      var p = f.properties;
      var ll = f.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
      L.polyline(ll, { color: FLAG_COLOURS[p.flag] || FLAG_COLOURS.ok, weight: p.flag === "ok" ? 4 : 6, opacity: 0.9,
        dashArray: p.flag === "no_route" ? "6 6" : null, className: "an-leg leg-" + p.flag })
        .bindTooltip("Route " + esc(p.plate) + ", traject " + (p.index + 1) + ": " +
          esc(FLAG_LABELS[p.flag] || p.flag), { sticky: true })
        .addTo(routeLayer);
    });
    $("legend").hidden = false;
  }

  var download = el.dataset.downloadUrl;
  var routes = (el.dataset.routes || "").split(",").filter(Boolean);
  var loads = [provided(el.dataset.passagesUrl).then(function (fc) { passages = fc.features; render(); })];
  routes.forEach(function (id) {
    loads.push(provided(download + "?file=route-" + encodeURIComponent(id) + "-legs.geojson").then(drawRoute));
  });
  Promise.all(loads).then(function () {
    var b = passageLayer.getBounds();
    if (b.isValid()) { map.fitBounds(b, { padding: [30, 30], maxZoom: 13 }); }
  }).catch(function (e) { message(e.message); })
    .then(function () { el.dataset.ready = "1"; });
  ["f-plate", "f-location", "f-from", "f-to", "f-verification"].forEach(function (id) {
    $(id).addEventListener("input", render);
    $(id).addEventListener("change", render);
  });
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); render(); });
})();
