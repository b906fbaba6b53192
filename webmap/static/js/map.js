/* The officers' map shell: offline basemap, road network, camera locations (clustered),
 * lanes with their direction when zoomed in, and camera selection by drawing (the search
 * panel and the request form take the map from Anpr.pages.map). Everything is served by the
 * project itself; no request leaves the police network. */
(function () {
  "use strict";

  var API = "/api/v1";
  var LANE_ZOOM = 13;
  var statusEl = document.getElementById("status");
  var messageEl = document.getElementById("message");

  var map = L.map("map", { zoomControl: true, preferCanvas: false, minZoom: 6, maxZoom: 18 })
    .setView([52.2, 5.3], 8);
  map.setMaxBounds([[49.5, 1.0], [54.5, 9.5]]);
  map.attributionControl.addAttribution("wegennet: demo-regio");

  var esc = Anpr.esc;
  function showMessage(text) { Anpr.message(messageEl, text); }

  // --- basemap (offline vector land or the police network's tiles; places, roads) ---------
  var B = Anpr.basemap;
  var base = B.add(map);
  var roads = base.roads;
  var placeForm = document.getElementById("place-search");
  if (placeForm) { B.placeSearch(base, placeForm, showMessage); }

  // --- camera locations (clustered) ------------------------------------------------------
  var clusters = L.markerClusterGroup({ maxClusterRadius: 45, disableClusteringAtZoom: 12 }).addTo(map);
  var locationIndex = {};
  function locationIcon(p) {
    var cls = B.locationClass(p);
    return L.divIcon({ className: "", html: '<div class="' + cls + ' icon-18">' + p.cameras + "</div>", iconSize: [18, 18] });
  }
  function locationPopup(code) {
    return Anpr.getJSON(API + "/locations/" + encodeURIComponent(code)).then(function (f) {
      var p = f.properties;
      var rows = p.camera_list.map(function (c) {
        var q = c.properties;
        return "<tr><td>" + esc(c.id) + "</td><td>" + (q.inout === "in" ? "in" : "uit") + "</td><td>strook " + q.lane +
          "</td><td>" + Math.round(q.bearing) + "&deg;</td><td>" + esc(B.status(q.status)) + "</td></tr>";
      }).join("");
      return "<b>" + esc(p.code) + "</b><br>" + esc(p.name) + "<br>eenheid " + esc(p.unit_code) + ", eigenaar " + esc(B.owner(p.owner)) +
        "<table><tr><th>camera</th><th>richting</th><th>strook</th><th>koers</th><th>status</th></tr>" + rows + "</table>";
    });
  }

  // --- lanes with direction, when zoomed in ----------------------------------------------
  var lanes = L.layerGroup().addTo(map);
  function refreshLanes() {
    lanes.clearLayers();
    if (map.getZoom() < LANE_ZOOM) { return; }
    var b = map.getBounds();
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
    Anpr.getJSON(API + "/cameras?bbox=" + bbox).then(function (fc) {
      fc.features.forEach(function (f) {
        if (f.geometry.type !== "LineString") { return; }
        var q = f.properties;
        var line = L.geoJSON(f, { style: { color: q.status === "active" ? "#15426a" : "#c62828", weight: 3 } });
        line.bindPopup("<b>" + esc(f.id) + "</b><br>" + esc(q.location_code) + "<br>" + (q.inout === "in" ? "inkomend" : "uitgaand") +
          ", strook " + q.lane + ", koers " + Math.round(q.bearing) + "&deg;<br>status " + esc(B.status(q.status)));
        lanes.addLayer(line);
        lanes.addLayer(B.arrowHead(map, f.geometry.coordinates));
      });
    });
  }
  map.on("moveend", refreshLanes);

  // --- selection by drawing -------------------------------------------------------------
  var drawn = new L.FeatureGroup().addTo(map);
  var selected = L.layerGroup().addTo(map);
  var drawControl = new L.Control.Draw({
    position: "topleft",
    edit: { featureGroup: drawn, edit: false, remove: true },
    draw: {
      polygon: { allowIntersection: false, showArea: true },
      rectangle: { showArea: false },
      circle: { showRadius: true, metric: true },
      polyline: { shapeOptions: { color: "#6a1b9a" } },
      marker: false, circlemarker: false
    }
  });
  map.addControl(drawControl);

  function selectionRequest(layerType, layer) {
    var inout = document.getElementById("filter-inout").value || undefined;
    if (layerType === "circle") {
      var c = layer.getLatLng();
      return { kind: "circle", geometry: { type: "Point", coordinates: [c.lng, c.lat] }, radius_m: layer.getRadius(), inout: inout };
    }
    if (layerType === "polyline") {
      return { kind: "corridor", geometry: layer.toGeoJSON().geometry, buffer_m: Number(document.getElementById("corridor-buffer").value), inout: inout };
    }
    return { kind: layerType === "rectangle" ? "rectangle" : "polygon", geometry: layer.toGeoJSON().geometry, inout: inout };
  }

  function renderSelection(fc) {
    var list = document.getElementById("selection-list");
    list.innerHTML = "";
    selected.clearLayers();
    fc.features.forEach(function (f) {
      var q = f.properties;
      var li = document.createElement("li");
      li.dataset.cameraId = f.id;
      li.innerHTML = "<b>" + esc(f.id) + "</b> <span class=\"meta\">" + esc(q.location_code) + " &middot; " +
        (q.inout === "in" ? "in" : "uit") + " &middot; strook " + q.lane + (q.status !== "active" ? " &middot; " + esc(B.status(q.status)) : "") + "</span>";
      list.appendChild(li);
    });
    fc.locations.forEach(function (code) {
      var loc = locationIndex[code];
      if (loc) { selected.addLayer(L.circleMarker(loc, { radius: 11, color: "#f39c12", weight: 3, fill: false, interactive: false })); }
    });
    if (fc.area) {
      selected.addLayer(L.geoJSON(fc.area, { style: { color: "#f39c12", weight: 1, dashArray: "4 4", fillOpacity: 0.05 }, interactive: false }));
    }
    var count = document.getElementById("selection-count");
    count.dataset.count = String(fc.features.length);
    count.textContent = Anpr.count(fc.features.length, "camera", "camera's") + " op " + Anpr.count(fc.locations.length, "locatie", "locaties");
    document.getElementById("selection-locations").textContent = fc.locations.join(", ");
    document.getElementById("selection-clear").hidden = fc.features.length === 0;
  }

  map.on(L.Draw.Event.CREATED, function (e) {
    drawn.clearLayers();
    drawn.addLayer(e.layer);
    showMessage(null);
    Anpr.api("POST", API + "/selection", selectionRequest(e.layerType, e.layer)).then(renderSelection).catch(function (err) {
      renderSelection({ features: [], locations: [] });
      showMessage(err.message);
    });
  });
  document.getElementById("selection-clear").addEventListener("click", function () {
    drawn.clearLayers(); renderSelection({ features: [], locations: [] }); showMessage(null);
  });

  // --- load data ---------------------------------------------------------------------------
  Promise.all([base.ready, Anpr.getJSON(API + "/locations")]).then(function (res) {
    res[1].features.forEach(function (f) {
      var c = f.geometry.coordinates;
      locationIndex[f.id] = [c[1], c[0]];
      var m = L.marker([c[1], c[0]], { icon: locationIcon(f.properties), title: f.id });
      m.bindPopup("laden&hellip;");
      m.on("popupopen", function () { locationPopup(f.id).then(function (html) { m.setPopupContent(html); }); });
      clusters.addLayer(m);
    });
    statusEl.textContent = Anpr.count(res[1].features.length, "locatie", "locaties") + ", " +
      Anpr.count(base.roadCount || 0, "wegvak", "wegvakken") + " geladen";
    statusEl.dataset.ready = "1";
    refreshLanes();
  }).catch(function (err) { statusEl.textContent = "laden mislukt: " + err.message; });

  L.control.layers(null, { "Wegen": roads, "Locaties": clusters, "Rijstroken": lanes, "Selectie": selected },
    { collapsed: true, position: "topright" }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  Anpr.pages.map = { map: map, drawn: drawn, selected: selected, locationIndex: locationIndex };
})();
