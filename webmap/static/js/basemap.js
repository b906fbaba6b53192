/* The basemap of every map in the app (Anpr.basemap): the offline land and water
 * (webmap/static/basemap/land.geojson), or the tile or WMTS layer the police network serves
 * when ANPR_MAP_TILE_URL is set (base.html's <meta name="anpr-map-tiles">); the 677 places
 * labelled by rank as one zooms in, an offline place search over them, and for staff the
 * road network with its A and N numbers. Also the Dutch words for registry values (owner,
 * camera status), so every map says them alike. A shared module: it needs anpr.js, loaded
 * before it by base.html. Nothing here asks anything outside the app. */
(function () {
  "use strict";

  var OWNER = { police: "politie", kmar: "Koninklijke Marechaussee", cjib: "CJIB",
    municipality: "gemeente", commercial: "commercieel" };
  var STATUS = { active: "actief", defect: "defect", roadworks: "wegwerkzaamheden", retired: "buiten gebruik" };
  var WATER = "#c3d9e6";

  var esc = Anpr.esc, count = Anpr.count, getJSON = Anpr.getJSON;
  function owner(v) { return OWNER[v] || v || ""; }
  function status(v) { return STATUS[v] || v || ""; }

  /** The internal tile layer, when the installation names one (ANPR_MAP_TILE_URL). */
  function tileSetting() {
    var meta = document.querySelector("meta[name='anpr-map-tiles']");
    return meta && meta.content ? { url: meta.content, attribution: meta.dataset.attribution || "" } : null;
  }

  // The basemap's files are the same on every page: fetched once per page.
  var files = {};
  function file(name) {
    if (!files[name]) { files[name] = getJSON("/static/basemap/" + name); }
    return files[name];
  }

  /**
   * Put the basemap under `map`. Options: roads (default true: the road network and its
   * numbers, for pages behind a staff login), places (default true). Returns a handle with
   * the layers, the place index and `ready`, a promise for when everything is drawn.
   */
  function add(map, options) {
    var opts = options || {};
    var el = map.getContainer();
    var h = { map: map, placeIndex: [], places: L.layerGroup(), roadNumbers: L.layerGroup(), tiles: null, land: null, roads: null };
    map.createPane("basemap"); map.getPane("basemap").style.zIndex = 200;
    map.createPane("roads"); map.getPane("roads").style.zIndex = 350;
    var waits = [];
    var tiles = tileSetting();
    if (tiles) {
      h.tiles = L.tileLayer(tiles.url, { pane: "basemap", maxZoom: 19, attribution: tiles.attribution }).addTo(map);
      el.dataset.basemap = "tiles";
    } else {
      el.style.background = WATER;
      el.dataset.basemap = "vector";
      map.attributionControl.addAttribution("Basiskaart: GSHHG, Natural Earth, GeoNames");
      h.land = L.geoJSON(null, { pane: "basemap", interactive: false, style: function (f) {
        var nl = f.properties.iso_a3 === "NLD";
        return { color: nl ? "#8a8a8a" : "#a8a8a8", weight: 1, fillColor: nl ? "#f3f1ea" : "#e2e0da", fillOpacity: 1 };
      } }).addTo(map);
      waits.push(file("land.geojson").then(function (d) { h.land.addData(d); }));
    }
    if (opts.places !== false) {
      h.places.addTo(map);
      waits.push(file("places.geojson").then(function (d) {
        d.features.forEach(function (f) {
          var c = f.geometry.coordinates, p = f.properties;
          var m = L.circleMarker([c[1], c[0]], { radius: 2, color: "#444", weight: 1, interactive: false, pane: "basemap" });
          m.bindTooltip(esc(p.name), { permanent: true, direction: "right", className: "place-label", offset: [4, 0] });
          m.rank = p.pop_rank;
          h.places.addLayer(m);
          var label = p.name + (p.municipality && p.municipality !== p.name ? " (" + p.municipality + ")" : "");
          h.placeIndex.push({ label: label, name: p.name.toLowerCase(), at: [c[1], c[0]] });
        });
        el.dataset.places = String(h.placeIndex.length);
        updatePlaces();
      }));
    }
    function updatePlaces() {
      var z = map.getZoom();
      h.places.eachLayer(function (m) {
        var show = z >= 11 || (z >= 10 && m.rank <= 48) || (z >= 9 && m.rank <= 30) || m.rank <= 12;
        if (show === m.shown) { return; }  // only the labels that change: 677 of them
        m.shown = show;
        if (show) { m.openTooltip(); m.setStyle({ opacity: 1 }); } else { m.closeTooltip(); m.setStyle({ opacity: 0 }); }
      });
    }
    map.on("zoomend", updatePlaces);

    if (opts.roads !== false) {
      h.roads = L.geoJSON(null, { pane: "roads",
        style: function (f) {
          var a = String(f.properties.road).charAt(0) === "A";
          return { color: a ? "#c0392b" : "#d4a017", weight: a ? 3 : 2, opacity: opts.roadOpacity || 0.75 };
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(esc(f.properties.road) + " (" + f.properties.speed_kmh + " km/h, " +
            count(f.properties.lanes, "rijstrook", "rijstroken") + ")", { sticky: true });
        }
      }).addTo(map);
      waits.push(getJSON("/api/v1/roads").then(function (fc) {
        h.roads.addData(fc);
        addRoadNumbers(fc);
        h.roadCount = fc.features.length;
      }));
    }
    // Road numbers on the network from zoom 10: a shield on every eighth segment of a road.
    function addRoadNumbers(fc) {
      var seen = {};
      fc.features.forEach(function (f) {
        var road = f.properties.road, coords = f.geometry.coordinates;
        if (!road || !coords || coords.length < 2) { return; }
        seen[road] = (seen[road] || 0) + 1;
        if (seen[road] % 8 !== 1) { return; }
        var mid = coords[Math.floor(coords.length / 2)];
        h.roadNumbers.addLayer(L.marker([mid[1], mid[0]], { interactive: false, keyboard: false, pane: "roads",
          icon: L.divIcon({ className: "", html: '<span class="road-number ' + (road.charAt(0) === "A" ? "a" : "n") + '">' + esc(road) + "</span>",
            iconSize: null }) }));
      });
      el.dataset.roadNumbers = String(h.roadNumbers.getLayers().length);
      updateRoadNumbers();
    }
    function updateRoadNumbers() {
      if (map.getZoom() >= 10) { h.roadNumbers.addTo(map); } else { h.roadNumbers.remove(); }
    }
    map.on("zoomend", updateRoadNumbers);
    h.ready = Promise.all(waits.map(function (p) { return p.catch(function () {}); })).then(function () {
      el.dataset.basemapReady = "1";
      return h;
    });
    return h;
  }

  /** The place: an exact label, an exact name, or the first name that starts so. */
  function findPlace(h, text) {
    var q = String(text || "").trim().toLowerCase();
    if (!q) { return null; }
    return h.placeIndex.filter(function (p) { return p.label.toLowerCase() === q; })[0] ||
      h.placeIndex.filter(function (p) { return p.name === q; })[0] ||
      h.placeIndex.filter(function (p) { return p.name.indexOf(q) === 0; })[0] || null;
  }

  /**
   * The place search on `form` (an input with a datalist and a submit button): the map goes
   * to the place at street level (zoom 14). `say(text)` shows "niet gevonden" (null clears).
   */
  function placeSearch(h, form, say) {
    var input = form.querySelector("input"), list = form.querySelector("datalist");
    h.ready.then(function () {
      if (!list) { return; }
      h.placeIndex.forEach(function (p) { var o = document.createElement("option"); o.value = p.label; list.appendChild(o); });
      list.dataset.count = String(h.placeIndex.length);
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var hit = findPlace(h, input.value);
      if (!hit) { say("Plaats niet gevonden: " + input.value.trim()); return; }
      say(null);
      h.map.setView(hit.at, 14);
      form.dataset.found = hit.label;
    });
  }

  var controls = 0;
  /** A place search inside the map (top right), for pages without a side panel. */
  function placeControl(h) {
    var n = ++controls;
    var Ctl = L.Control.extend({ options: { position: "topright" }, onAdd: function () {
      var div = L.DomUtil.create("div", "leaflet-bar map-place-search");
      div.innerHTML = '<form class="place-search" role="search"><label class="visually-hidden" for="map-place-q' + n + '">Plaats</label>' +
        '<input id="map-place-q' + n + '" list="map-place-list' + n + '" placeholder="Plaats zoeken" autocomplete="off">' +
        '<datalist id="map-place-list' + n + '"></datalist><button type="submit">Zoeken</button></form>' +
        '<div class="map-place-message" role="status" hidden></div>';
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      var msg = div.querySelector(".map-place-message");
      placeSearch(h, div.querySelector("form"), function (text) { msg.hidden = !text; msg.textContent = text || ""; });
      return div;
    } });
    return new Ctl().addTo(h.map);
  }

  /** A legend inside the map (bottom left), folded shut unless `open`; `html` is trusted markup. */
  function legend(map, html, id, open) {
    var Ctl = L.Control.extend({ options: { position: "bottomleft" }, onAdd: function () {
      var div = L.DomUtil.create("div", "map-legend");
      if (id) { div.id = id; }
      div.innerHTML = "<details" + (open ? " open" : "") + "><summary>Legenda</summary>" + html + "</details>";
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    } });
    return new Ctl().addTo(map);
  }

  /** The camera colours of a location (owner, a camera not active), as map.js draws them. */
  function locationClass(p) {
    return "loc-icon" + (p.owner === "kmar" ? " kmar" : p.owner === "cjib" ? " cjib" : "") + (p.cameras_not_active > 0 ? " notactive" : "");
  }
  var LOCATION_LEGEND =
    '<li><span class="loc-icon legend-dot">3</span> locatie van de politie (aantal camera\'s)</li>' +
    '<li><span class="loc-icon kmar legend-dot">2</span> locatie van de Koninklijke Marechaussee</li>' +
    '<li><span class="loc-icon cjib legend-dot">1</span> locatie van het CJIB</li>' +
    '<li><span class="loc-icon notactive legend-dot">1</span> locatie met een camera die niet actief is (defect, werkzaamheden)</li>';
  var ROAD_LEGEND = '<li><span class="legend-line road-a"></span> autosnelweg (A) &middot; ' +
    '<span class="legend-line road-n"></span> provinciale weg (N)</li>';

  /** A lane's direction on ``map``: an arrow head at the end of ``coords`` ([lon, lat]
   *  pairs), turned along its last segment; an element, not markup: the pages'
   *  Content-Security-Policy allows no style attributes, only styles set from script. */
  function arrowHead(map, coords) {
    var a = coords[coords.length - 2], b = coords[coords.length - 1];
    var p1 = map.project([a[1], a[0]]), p2 = map.project([b[1], b[0]]);
    var el = document.createElement("div");
    el.className = "dir-arrow";
    el.style.transform = "rotate(" + (Math.atan2(p2.y - p1.y, p2.x - p1.x) * 180 / Math.PI + 90) + "deg)";
    return L.marker([b[1], b[0]], { interactive: false,
      icon: L.divIcon({ className: "", iconSize: [10, 10], html: el }) });
  }

  Anpr.basemap = { add: add, placeSearch: placeSearch, placeControl: placeControl, findPlace: findPlace,
    legend: legend, locationClass: locationClass, arrowHead: arrowHead, LOCATION_LEGEND: LOCATION_LEGEND, ROAD_LEGEND: ROAD_LEGEND,
    owner: owner, status: status, OWNER: OWNER, STATUS: STATUS, tileSetting: tileSetting };
})();
