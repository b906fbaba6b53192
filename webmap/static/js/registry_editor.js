/* The camera-plan editors' registry editor (R9): locations on the map (click to edit, drag
 * the handle to move), cameras with their lane drawn in the direction of travel (the
 * bearing follows from the drawing), status periods, privacy masks drawn on a reference
 * frame, and the change history. Every write goes through /api/v1/registry, which records
 * who and when; this page only collects input and shows what the server answered. */
(function () {
  "use strict";

  var API = "/api/v1";
  var REG = API + "/registry";
  var statusEl = document.getElementById("status");
  var messageEl = document.getElementById("message");
  var noticeEl = document.getElementById("notice");
  var $ = function (id) { return document.getElementById(id); };

  // Calls go through anpr.js (Anpr.api: the CSRF token on writes, the server's refusal in
  // Dutch, words for an answer without one).
  function showMessage(text) {
    noticeEl.hidden = true;
    Anpr.message(messageEl, text);
  }
  function showNotice(text) {
    messageEl.hidden = true;
    Anpr.message(noticeEl, text, "ok");
  }
  function fail(err) { showMessage(err.message); }

  var esc = Anpr.esc;

  // --- times in Europe/Amsterdam (anpr.js), shown without seconds -------------------------
  var localToISO = Anpr.time.localToISO;
  function showTime(iso) { return Anpr.time.show(iso, false); }

  /** Initial great-circle bearing from the first to the last point: the direction of travel. */
  function bearingOf(coords) {
    var a = coords[0], b = coords[coords.length - 1];
    var rad = Math.PI / 180, p1 = a[1] * rad, p2 = b[1] * rad, dl = (b[0] - a[0]) * rad;
    var y = Math.sin(dl) * Math.cos(p2);
    var x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
    return Math.round(((Math.atan2(y, x) / rad + 360) % 360) * 10) / 10 % 360;
  }

  var statusNL = Anpr.basemap.status;  // a camera's status in words, as every map says it
  var FIELD_NL = { name: "naam", road: "weg", hectometre: "hectometer", owner: "eigenaar", lon: "lengte", lat: "breedte",
                   bearing: "koers", inout: "richting", facing: "kijkt naar", lane_geom: "rijstrook", status: "status",
                   active_from: "actief vanaf", active_to: "actief tot", surroundings: "omgeving vervagen" };
  var ACTION_NL = { create: "aangemaakt", update: "gewijzigd", status: "status", "delete": "verwijderd", blur: "vervaging" };

  // --- Leaflet.draw in Dutch (its labels live in L.drawLocal; set before any tool exists) ---
  (function dutchDraw(d) {
    var t = d.draw.toolbar, h = d.draw.handlers;
    t.actions = { title: "Tekenen afbreken", text: "Afbreken" };
    t.finish = { title: "Tekenen afronden", text: "Klaar" };
    t.undo = { title: "Laatst getekende punt wissen", text: "Laatste punt wissen" };
    t.buttons = { polyline: "Lijn tekenen", polygon: "Vlak tekenen", rectangle: "Rechthoek tekenen",
                  circle: "Cirkel tekenen", marker: "Punt plaatsen", circlemarker: "Cirkelpunt plaatsen" };
    h.circle = { tooltip: { start: "Klik en sleep om een cirkel te tekenen." }, radius: "Straal" };
    h.circlemarker = { tooltip: { start: "Klik op de kaart om een cirkelpunt te plaatsen." } };
    h.marker = { tooltip: { start: "Klik op de kaart om een punt te plaatsen." } };
    h.polygon = { tooltip: { start: "Klik om het vlak te beginnen.", cont: "Klik om verder te tekenen.", end: "Klik op het eerste punt om het vlak te sluiten." } };
    h.polyline = { error: "<strong>Fout:</strong> de randen mogen elkaar niet kruisen!", tooltip: { start: "Klik om de lijn te beginnen.", cont: "Klik om verder te tekenen.", end: "Klik op het laatste punt om de lijn af te ronden." } };
    h.rectangle = { tooltip: { start: "Klik en sleep om een rechthoek te tekenen." } };
    h.simpleshape = { tooltip: { end: "Laat de muisknop los om af te ronden." } };
    var e = d.edit.toolbar;
    e.actions = { save: { title: "Wijzigingen opslaan", text: "Opslaan" }, cancel: { title: "Bewerken afbreken, wijzigingen vervallen", text: "Afbreken" }, clearAll: { title: "Alles wissen", text: "Alles wissen" } };
    e.buttons = { edit: "Bewerken", editDisabled: "Niets om te bewerken", remove: "Verwijderen", removeDisabled: "Niets om te verwijderen" };
    d.edit.handlers = { edit: { tooltip: { text: "Sleep de punten om te bewerken.", subtext: "Klik op Afbreken om terug te gaan." } }, remove: { tooltip: { text: "Klik op een vorm om die te verwijderen." } } };
  })(L.drawLocal);

  // --- the map -----------------------------------------------------------------------------
  var ZOOM_NL = { position: "topleft", zoomInTitle: "Inzoomen", zoomOutTitle: "Uitzoomen" };
  var map = L.map("map", { minZoom: 6, maxZoom: 19, zoomControl: false }).setView([52.2, 5.3], 8);
  L.control.zoom(ZOOM_NL).addTo(map);
  map.setMaxBounds([[49.5, 1.0], [54.5, 9.5]]);
  map.attributionControl.addAttribution("wegennet: demo-regio");
  // The shared basemap (basemap.js): land or the internal tiles, places; the editor draws
  // its own road network below.
  Anpr.basemap.add(map, { roads: false });
  var roads = L.geoJSON(null, {
    interactive: false,
    style: function (f) { var a = f.properties.road.charAt(0) === "A"; return { color: a ? "#c0392b" : "#d4a017", weight: a ? 3 : 2, opacity: 0.6 }; }
  }).addTo(map);

  var locLayer = L.layerGroup().addTo(map);
  var laneLayer = L.layerGroup().addTo(map);
  var markers = {};
  var names = {};   // code -> name, for the search box
  var moves = [];   // undo stack of this session's moves: {code, lon, lat, lanes}
  var handle = null;
  var state = { location: null, camera: null, placing: false, drawingLane: false, newPos: null };
  var newMarker = null;

  function addLocationMarker(code, lat, lon, name) {
    names[code] = name || names[code] || "";
    var m = L.marker([lat, lon], { title: code, icon: L.divIcon({ className: "", html: '<div class="re-loc"></div>', iconSize: [14, 14] }) });
    m.on("click", function () { selectLocation(code); });
    markers[code] = m;
    locLayer.addLayer(m);
  }

  // --- one location: form, cameras, lanes, history, the drag handle -------------------------
  function selectLocation(code, zoom) {
    return Anpr.getJSON(REG + "/locations/" + encodeURIComponent(code)).then(function (loc) {
      state.location = loc;
      $("location-section").hidden = false;
      $("history-section").hidden = false;
      $("loc-code").textContent = loc.code;
      $("loc-name").value = loc.name || "";
      $("loc-road").value = loc.road || "";
      $("loc-hm").value = loc.hectometre == null ? "" : loc.hectometre;
      $("loc-owner").value = loc.owner;
      $("loc-pos").textContent = loc.lat.toFixed(6) + ", " + loc.lon.toFixed(6);
      renderCameras(loc.cameras);
      if (handle) { map.removeLayer(handle); }
      handle = L.marker([loc.lat, loc.lon], {
        draggable: true, autoPan: true, title: "sleep om " + loc.code + " te verplaatsen", zIndexOffset: 1000,
        icon: L.divIcon({ className: "", html: '<div class="re-handle" id="location-handle"></div>', iconSize: [24, 24] })
      }).addTo(map);
      handle.on("dragend", function () { moveLocation(handle.getLatLng()); });
      if (zoom) { map.setView([loc.lat, loc.lon], zoom); }
      if (!state.camera || state.camera.location_code !== loc.code) { $("camera-section").hidden = true; state.camera = null; }
      return loadHistory();
    }).catch(fail);
  }

  /** A move, saved at once; undone with "Verplaatsing ongedaan maken" (a move back, which the
   *  history records like any other). The lanes go along when the box is ticked. */
  function moveLocation(ll) {
    var code = state.location.code, from = { code: code, lon: state.location.lon, lat: state.location.lat };
    var lanes = $("move-lanes").checked;
    Anpr.api("PATCH", REG + "/locations/" + encodeURIComponent(code), { lon: +ll.lng.toFixed(7), lat: +ll.lat.toFixed(7), move_lanes: lanes })
      .then(function (loc) {
        from.lanes = lanes && (loc.lanes_moved || []).length > 0;
        moves.push(from);
        updateUndo();
        var text = "Locatie " + code + " verplaatst naar " + loc.lat.toFixed(5) + ", " + loc.lon.toFixed(5) +
          (from.lanes ? "; rijstroken meeverplaatst (" + loc.lanes_moved.length + ")." : ".");
        if ((loc.outside_published_plans || []).length) {
          // R9: the published plan names the location where it was; its cameras store
          // nothing here until next year's plan or an amendment names them here
          text += " Let op: het gepubliceerde cameraplan " + loc.outside_published_plans.join(", ") +
            " noemt deze locatie meer dan 100 m hiervandaan; de camera's slaan hier niets op" +
            " tot een volgend plan of een wijziging ze hier noemt. Maak de verplaatsing" +
            " ongedaan als dit een correctie van enkele meters had moeten zijn.";
        }
        if (markers[code]) { markers[code].setLatLng([loc.lat, loc.lon]); }
        return selectLocation(code).then(function () { showNotice(text); });
      }).catch(function (err) {
        fail(err);
        handle.setLatLng([state.location.lat, state.location.lon]);  // refused: back to where it is stored
      });
  }

  function updateUndo() {
    var last = moves[moves.length - 1];
    $("undo-move").disabled = !last;
    $("undo-move").dataset.count = String(moves.length);
    $("undo-move").textContent = last ? "Verplaatsing van " + last.code + " ongedaan maken" : "Verplaatsing ongedaan maken";
  }
  $("undo-move").addEventListener("click", function () {
    var last = moves[moves.length - 1];
    if (!last) { return; }
    Anpr.api("PATCH", REG + "/locations/" + encodeURIComponent(last.code), { lon: last.lon, lat: last.lat, move_lanes: !!last.lanes })
      .then(function (loc) {
        moves.pop();
        updateUndo();
        if (markers[last.code]) { markers[last.code].setLatLng([loc.lat, loc.lon]); }
        return selectLocation(last.code).then(function () {
          showNotice("Verplaatsing van " + last.code + " ongedaan gemaakt" + (last.lanes ? " (rijstroken mee terug)." : "."));
        });
      }).catch(fail);
  });

  // --- find a location by code or name ------------------------------------------------------
  function findLocations(q) {
    q = q.trim().toUpperCase();
    if (!q) { return []; }
    return Object.keys(names).filter(function (code) {
      return code.toUpperCase().indexOf(q) >= 0 || String(names[code] || "").toUpperCase().indexOf(q) >= 0;
    }).sort(function (a, b) {  // exact code first, then codes starting with it, then the rest
      var ra = a.toUpperCase() === q ? 0 : a.toUpperCase().indexOf(q) === 0 ? 1 : 2;
      var rb = b.toUpperCase() === q ? 0 : b.toUpperCase().indexOf(q) === 0 ? 1 : 2;
      return ra - rb || (a < b ? -1 : a > b ? 1 : 0);
    });
  }
  function renderFound(found) {
    var ol = $("search-results");
    ol.innerHTML = "";
    found.slice(0, 10).forEach(function (code) {
      var li = document.createElement("li");
      li.className = "clickable"; li.dataset.code = code;
      li.textContent = code + " · " + (names[code] || "");
      li.addEventListener("click", function () { selectLocation(code, 16); });
      ol.appendChild(li);
    });
    ol.dataset.count = String(found.length);
  }
  $("search-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var found = findLocations($("loc-search").value);
    renderFound(found);
    if (!found.length) { showMessage("Geen locatie gevonden met code of naam ‘" + $("loc-search").value.trim() + "’."); return; }
    showMessage(null);
    selectLocation(found[0], 16);
  });
  $("loc-search").addEventListener("input", function () { renderFound(findLocations($("loc-search").value)); });

  function renderCameras(cameras) {
    var ol = $("camera-list");
    ol.innerHTML = "";
    laneLayer.clearLayers();
    cameras.forEach(function (c) {
      var li = document.createElement("li");
      li.className = "clickable" + (state.camera && state.camera.id === c.id ? " current" : "");
      li.dataset.cameraId = c.id;
      li.textContent = c.id + " · " + (c.inout === "in" ? "in" : "uit") + " · strook " + c.lane + " · " + Math.round(c.bearing) + "° · " + statusNL(c.status);
      li.addEventListener("click", function () { selectCamera(c.id); });
      ol.appendChild(li);
      if (c.lane_geom) {
        var current = state.camera && state.camera.id === c.id;
        laneLayer.addLayer(L.geoJSON(c.lane_geom, { style: { color: current ? "#f39c12" : (c.status === "active" ? "#15426a" : "#c62828"), weight: current ? 5 : 3 } }));
        laneLayer.addLayer(Anpr.basemap.arrowHead(map, c.lane_geom.coordinates));
      }
    });
    if (!cameras.length) { ol.innerHTML = "<li>geen camera's</li>"; }
  }

  $("loc-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = state.location.code;
    var hm = $("loc-hm").value;
    Anpr.api("PATCH", REG + "/locations/" + encodeURIComponent(code), {
      name: $("loc-name").value, road: $("loc-road").value || null,
      hectometre: hm === "" ? null : Number(hm), owner: $("loc-owner").value
    }).then(function () { return selectLocation(code); })
      .then(function () { showNotice("Locatie " + code + " opgeslagen."); }).catch(fail);
  });

  // --- one camera: direction, lane, status periods, masks ---------------------------------
  function selectCamera(id) {
    return Anpr.getJSON(REG + "/cameras/" + encodeURIComponent(id)).then(function (cam) {
      state.camera = cam;
      $("camera-section").hidden = false;
      $("cam-id").textContent = cam.id;
      $("cam-bearing").value = cam.bearing;
      $("cam-inout").value = cam.inout;
      $("cam-facing").value = cam.facing;
      $("cam-lane").textContent = cam.lane + (cam.lane_geom ? " (getekend)" : " (nog niet getekend)");
      $("cam-status").textContent = statusNL(cam.status);
      var ol = $("status-list");
      ol.innerHTML = "";
      cam.status_periods.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = statusNL(p.status) + ": " + showTime(p.start) + " – " + (p.end ? showTime(p.end) : "open") + (p.note ? " (" + p.note + ")" : "");
        ol.appendChild(li);
      });
      $("mask-count").dataset.count = String(cam.masks.length);
      $("mask-count").textContent = Anpr.count(cam.masks.length, "masker", "maskers");
      if (state.location) { renderCameras(state.location.cameras); }
      return cam;
    }).catch(fail);
  }

  function refreshCamera() {
    var id = state.camera.id;
    return selectLocation(state.location.code).then(function () { return selectCamera(id); });
  }

  $("cam-form").addEventListener("submit", function (e) {
    e.preventDefault();
    Anpr.api("PATCH", REG + "/cameras/" + encodeURIComponent(state.camera.id), {
      bearing: Number($("cam-bearing").value), inout: $("cam-inout").value, facing: $("cam-facing").value
    }).then(refreshCamera).then(function () { showNotice("Camera " + state.camera.id + " opgeslagen."); }).catch(fail);
  });

  var laneDrawer = new L.Draw.Polyline(map, { shapeOptions: { color: "#f39c12", weight: 5 }, showLength: true });
  $("draw-lane").addEventListener("click", function () {
    state.drawingLane = true;
    showNotice("Teken de rijstrook in de rijrichting; dubbelklik of klik op het laatste punt om te eindigen.");
    laneDrawer.enable();
  });
  var newLane = null, newLaneLayer = null;
  $("nc-draw-lane").addEventListener("click", function () {
    state.drawingLane = "new";
    showNotice("Teken de rijstrook van de nieuwe camera in de rijrichting; klik op het laatste punt om te eindigen.");
    laneDrawer.enable();
  });
  map.on(L.Draw.Event.CREATED, function (e) {
    if (!state.drawingLane) { return; }
    if (state.drawingLane === "new") {
      state.drawingLane = false;
      newLane = e.layer.toGeoJSON().geometry;
      if (newLaneLayer) { map.removeLayer(newLaneLayer); }
      newLaneLayer = L.geoJSON(newLane, { style: { color: "#f39c12", weight: 4, dashArray: "6 4" } }).addTo(map);
      $("nc-lane-state").textContent = "getekend, koers " + bearingOf(newLane.coordinates) + "\u00b0";
      $("nc-lane-state").dataset.drawn = "1";
      showNotice(null);
      return;
    }
    state.drawingLane = false;
    var geom = e.layer.toGeoJSON().geometry;
    var bearing = bearingOf(geom.coordinates);
    Anpr.api("PATCH", REG + "/cameras/" + encodeURIComponent(state.camera.id), { lane_geom: geom, bearing: bearing })
      .then(refreshCamera)
      .then(function () { showNotice("Rijstrook vastgelegd; koers " + bearing + "°."); }).catch(fail);
  });

  $("status-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var start = localToISO($("st-from").value), end = localToISO($("st-to").value);
    if (!start) { showMessage("Geef het begin van de periode."); return; }
    Anpr.api("POST", REG + "/cameras/" + encodeURIComponent(state.camera.id) + "/status", {
      status: $("st-status").value, start: start, end: end, note: $("st-note").value || null
    }).then(refreshCamera).then(function () { showNotice("Status vastgelegd."); }).catch(fail);
  });

  $("new-camera-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = state.location.code, lane = Number($("nc-lane").value);
    var id = code + "-" + $("nc-side").value + lane;
    var bearing = $("nc-bearing").value;
    // the server refuses a camera with neither (it would be active at an invented bearing)
    if (!newLane && bearing === "") {
      showMessage("Een camera wordt pas actief met een rijstrook of een koers: teken eerst de rijstrook of vul de koers in.");
      return;
    }
    var body = { id: id, location_code: code, lane: lane, inout: $("nc-inout").value,
                 active_from: $("nc-from").value || new Date().toISOString().slice(0, 10) };
    if (newLane) { body.lane_geom = newLane; }
    if (bearing !== "") { body.bearing = Number(bearing); }
    Anpr.api("POST", REG + "/cameras", body).then(function () {
      newLane = null; $("nc-bearing").value = ""; $("nc-lane-state").textContent = "nog niet getekend"; delete $("nc-lane-state").dataset.drawn;
      if (newLaneLayer) { map.removeLayer(newLaneLayer); newLaneLayer = null; }
      return selectLocation(code);
    }).then(function () { return selectCamera(id); })
      .then(function () { showNotice("Camera " + id + " toegevoegd."); }).catch(fail);
  });

  // --- history -------------------------------------------------------------------------------
  function describe(c) {
    if (c.action === "status" && c.after && c.after.period) {
      var p = c.after.period;
      return statusNL(p.status) + " vanaf " + showTime(p.start) + (p.end ? " tot " + showTime(p.end) : "");
    }
    if (!c.before || !c.after) { return c.entity === "privacy_mask" ? "masker" : ""; }
    return Object.keys(c.after).filter(function (k) {
      return k !== "id" && JSON.stringify(c.before[k]) !== JSON.stringify(c.after[k]);
    }).map(function (k) {
      var show = function (v) { return v && typeof v === "object" ? "(lijn)" : String(v); };
      return (FIELD_NL[k] || k) + ": " + show(c.before[k]) + " → " + show(c.after[k]);
    }).join("; ");
  }
  function loadHistory() {
    return Anpr.getJSON(REG + "/locations/" + encodeURIComponent(state.location.code) + "/history").then(function (h) {
      $("history-rows").innerHTML = h.changes.map(function (c) {
        return '<tr data-action="' + esc(c.action) + '" data-actor="' + esc(c.actor) + '"><td>' + esc(showTime(c.at)) + "</td><td>" + esc(c.actor) +
          "</td><td>" + esc(c.entity_key) + " " + esc(ACTION_NL[c.action] || c.action) + "</td><td>" + esc(describe(c)) + "</td></tr>";
      }).join("");
    });
  }

  // --- a new location ------------------------------------------------------------------------
  $("nl-place").addEventListener("click", function () {
    state.placing = true;
    map.getContainer().style.cursor = "crosshair";
    showNotice("Klik op de kaart waar de locatie moet komen.");
  });
  map.on("click", function (e) {
    if (!state.placing) { return; }
    state.placing = false;
    map.getContainer().style.cursor = "";
    state.newPos = e.latlng;
    if (newMarker) { map.removeLayer(newMarker); }
    newMarker = L.marker(e.latlng, { draggable: true, title: "nieuwe locatie" }).addTo(map);
    newMarker.on("dragend", function () { state.newPos = newMarker.getLatLng(); $("nl-pos").textContent = state.newPos.lat.toFixed(6) + ", " + state.newPos.lng.toFixed(6); });
    $("nl-pos").textContent = e.latlng.lat.toFixed(6) + ", " + e.latlng.lng.toFixed(6);
    showNotice(null);
  });
  $("new-location-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!state.newPos) { showMessage("Plaats de locatie eerst op de kaart."); return; }
    Anpr.api("POST", REG + "/locations", {
      code: $("nl-code").value.trim(), name: $("nl-name").value, unit_code: $("nl-unit").value.trim(),
      road: $("nl-road").value || null, lon: +state.newPos.lng.toFixed(7), lat: +state.newPos.lat.toFixed(7)
    }).then(function (loc) {
      if (newMarker) { map.removeLayer(newMarker); newMarker = null; }
      state.newPos = null;
      addLocationMarker(loc.code, loc.lat, loc.lon, loc.name);
      return selectLocation(loc.code).then(function () { showNotice("Locatie " + loc.code + " aangemaakt."); });
    }).catch(fail);
  });

  // --- privacy masks on the reference frame --------------------------------------------------
  // Leaflet's CRS.Simple with the frame as an image: a point (lat, lng) is pixel (x = lng,
  // y = height - lat), so masks are sent in image pixels, x to the right and y down.
  // The frame is the camera's newest processed frame, blurred all over by the server; without
  // one the neutral grid; or the editor's own frame of the camera's view, sent to the server,
  // blurred there by the detector's blur. Either image lives only in this page's memory (an
  // object URL, revoked when the dialog closes).
  var maskMap = null, maskLayer = null, frame = null, ownFrame = null;
  function toPixel(ll) { return [Math.round(ll.lng), Math.round(frame.height - ll.lat)]; }
  function toLatLng(p) { return [frame.height - p[1], p[0]]; }

  function openMasks() {
    var id = state.camera.id;
    return Anpr.getJSON(REG + "/cameras/" + encodeURIComponent(id) + "/masks").then(function (m) {
      $("mask-dialog").hidden = false;
      $("mask-camera").textContent = id;
      // the camera's own newest frame (blurred all over by the server), else the grid
      return Anpr.send("GET", REG + "/cameras/" + encodeURIComponent(id) + "/camera-frame.png").then(function (r) {
        if (!r.ok) { return showFrame(m.frame, REG + "/cameras/" + encodeURIComponent(id) + "/frame.png?width=" + m.frame.width + "&height=" + m.frame.height, "raster", m); }
        return r.blob().then(function (blob) {
          dropOwnFrame();
          ownFrame = URL.createObjectURL(blob);
          return showFrame(sizeOf(r), ownFrame, "camera", m);
        });
      });
    }).catch(fail);
  }

  function showFrame(size, url, kind, data) {
    var id = state.camera.id;
    frame = size;
    $("mask-size").textContent = frame.width + " × " + frame.height;
    $("mask-source").textContent = { own: "eigen beeld (vervaagd, niet bewaard)", camera: "laatste beeld van de camera (vervaagd)" }[kind] || "raster";
    $("mask-frame").dataset.ready = "";
    $("mask-frame").dataset.source = kind;
    if (maskMap) { maskMap.remove(); }
    maskMap = L.map("mask-frame", { crs: L.CRS.Simple, minZoom: -5, maxZoom: 3, zoomSnap: 0.1, attributionControl: false, zoomControl: false });
    L.control.zoom(ZOOM_NL).addTo(maskMap);
    var bounds = [[0, 0], [frame.height, frame.width]];
    var overlay = L.imageOverlay(url, bounds).addTo(maskMap);
    overlay.on("load", function () { $("mask-frame").dataset.ready = "1"; });
    maskMap.fitBounds(bounds);
    maskLayer = L.featureGroup().addTo(maskMap);
    maskMap.addControl(new L.Control.Draw({
      position: "topleft", edit: false,
      draw: { polygon: { allowIntersection: false, shapeOptions: { color: "#f39c12" } }, rectangle: { shapeOptions: { color: "#f39c12" } },
              polyline: false, circle: false, marker: false, circlemarker: false }
    }));
    maskMap.on(L.Draw.Event.CREATED, function (e) {
      var ring = e.layer.getLatLngs()[0].map(toPixel);
      ring.push(ring[0]);
      var outside = ring.some(function (p) { return p[0] < 0 || p[1] < 0 || p[0] > frame.width || p[1] > frame.height; });
      if (outside) { showMaskMessage("Het masker ligt (deels) buiten het beeld; teken het binnen het referentiebeeld."); return; }
      Anpr.api("POST", REG + "/cameras/" + encodeURIComponent(id) + "/masks", {
        polygon: ring, frame_width: frame.width, frame_height: frame.height, label: $("mask-label").value || null
      }).then(function () { $("mask-label").value = ""; showMaskMessage(null); return renderMasks(); })
        .catch(function (err) { showMaskMessage(err.message); });
    });
    Anpr.pages.registryEditor.maskMap = maskMap;
    Anpr.pages.registryEditor.frame = frame;
    return renderMasks(data);
  }

  function sizeOf(r) { return { width: Number(r.headers.get("X-Frame-Width")), height: Number(r.headers.get("X-Frame-Height")) }; }
  function dropOwnFrame() {
    if (ownFrame) { URL.revokeObjectURL(ownFrame); ownFrame = null; }
  }
  $("mask-upload").addEventListener("change", function () {
    var file = $("mask-upload").files[0];
    if (!file) { return; }
    var id = state.camera.id;
    showMaskMessage(null);
    $("mask-upload-state").textContent = "beeld wordt vervaagd\u2026";
    Anpr.send("POST", REG + "/cameras/" + encodeURIComponent(id) + "/frame", file).then(function (r) {
      if (!r.ok) { return Anpr.refusal(r).then(function (e) { throw e; }); }
      var size = sizeOf(r);
      return r.blob().then(function (blob) {
        dropOwnFrame();
        ownFrame = URL.createObjectURL(blob);
        $("mask-upload-state").textContent = "vervaagd; alleen in deze pagina, niet op de server bewaard";
        return showFrame(size, ownFrame, "own");
      });
    }).catch(function (err) {
      $("mask-upload-state").textContent = "";
      showMaskMessage("Het beeld kon niet worden gebruikt: " + err.message);
    }).then(function () { $("mask-upload").value = ""; });
  });
  function showMaskMessage(text) { Anpr.message($("mask-message"), text); }

  function renderMasks(data) {
    var id = state.camera.id;
    var get = data ? Promise.resolve(data) : Anpr.getJSON(REG + "/cameras/" + encodeURIComponent(id) + "/masks");
    return get.then(function (m) {
      maskLayer.clearLayers();
      var ol = $("mask-list");
      ol.innerHTML = "";
      m.masks.forEach(function (mask) {
        var scaleX = frame.width / mask.frame_width, scaleY = frame.height / mask.frame_height;
        var ring = mask.polygon.map(function (p) { return toLatLng([p[0] * scaleX, p[1] * scaleY]); });
        maskLayer.addLayer(L.polygon(ring, { color: "#e53935", weight: 2, fillOpacity: 0.45 }).bindTooltip(esc(mask.label || ("masker " + mask.id))));
        var li = document.createElement("li");
        li.dataset.maskId = String(mask.id);
        li.textContent = (mask.label || "masker " + mask.id) + " (" + (mask.polygon.length - 1) + " punten) ";
        var del = document.createElement("button");
        del.type = "button"; del.textContent = "verwijderen";
        del.addEventListener("click", function () {
          Anpr.api("DELETE", REG + "/cameras/" + encodeURIComponent(id) + "/masks/" + mask.id).then(function () { return renderMasks(); })
            .catch(function (err) { showMaskMessage(err.message); });
        });
        li.appendChild(del);
        ol.appendChild(li);
      });
      $("mask-list").dataset.count = String(m.masks.length);
      $("mask-count").dataset.count = String(m.masks.length);
      $("mask-count").textContent = Anpr.count(m.masks.length, "masker", "maskers");
    });
  }
  $("open-masks").addEventListener("click", openMasks);
  $("close-masks").addEventListener("click", function () {
    $("mask-dialog").hidden = true;
    if (maskMap) { maskMap.remove(); maskMap = null; }
    dropOwnFrame();
    $("mask-upload-state").textContent = "";
    if (state.location) { loadHistory(); }
  });

  // --- load ------------------------------------------------------------------------------------
  Promise.all([Anpr.getJSON(API + "/roads"), Anpr.getJSON(API + "/locations")]).then(function (res) {
    roads.addData(res[0]);
    res[1].features.forEach(function (f) {
      var c = f.geometry.coordinates;
      addLocationMarker(f.id, c[1], c[0], f.properties && f.properties.name);
    });
    statusEl.textContent = res[1].features.length + " locaties geladen";
    var wanted = new URLSearchParams(window.location.search).get("location");
    return wanted ? selectLocation(wanted, 16) : null;
  }).then(function () { statusEl.dataset.ready = "1"; })
    .catch(function (err) { statusEl.textContent = "laden mislukt: " + err.message; });

  L.control.scale({ imperial: false }).addTo(map);
  Anpr.pages.registryEditor = { map: map, state: state, handle: function () { return handle; }, select: selectLocation, selectCamera: selectCamera, bearingOf: bearingOf };
})();
