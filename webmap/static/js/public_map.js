/* The public map of the published camera plan (no login) and the map of a diff between
 * two years. Reads only the public OGC API (/ogc) or the diff JSON; offline basemap. */
(function () {
  "use strict";

  var esc = Anpr.esc, getJSON = Anpr.getJSON;
  /** The shared basemap (basemap.js): land or the internal tiles, places and the place
   * search; no road network (that is for staff behind a login). */
  function baseMap(el) {
    var map = L.map(el, { minZoom: 6, maxZoom: 18 }).setView([52.2, 5.3], 7);
    var base = Anpr.basemap.add(map, { roads: false });
    Anpr.basemap.placeControl(base);
    return map;
  }
  function message(text) { Anpr.message(document.getElementById("message"), text); }

  // --- public plan map ------------------------------------------------------------------
  var pub = document.getElementById("public-map");
  /** The criteria letters of a location ("a,b") in words, as the plan motivates them. */
  function criteriaHtml(letters, words) {
    var items = String(letters || "").split(",").filter(Boolean).map(function (c) {
      return "<li><b>" + esc(c) + "</b>: " + esc(words[c] || "onbekend criterium") + "</li>";
    });
    return items.length ? "<ul class=\"popup-criteria\">" + items.join("") + "</ul>" : "";
  }
  if (pub) {
    var words = JSON.parse(pub.dataset.criteria || "{}");
    var map = baseMap(pub);
    var layer = L.markerClusterGroup({ maxClusterRadius: 40 }).addTo(map);
    Anpr.pages.publicMap = { map: map, layer: layer };
    var select = document.getElementById("plan-year");
    var countEl = document.getElementById("plan-count");
    var wanted = pub.dataset.year;
    var loadYear = function (cid) {
      layer.clearLayers();
      var feats = [];
      var page = function (url) {
        return getJSON(url).then(function (fc) {
          feats = feats.concat(fc.features);
          var next = (fc.links || []).filter(function (l) { return l.rel === "next"; })[0];
          return next ? page(next.href) : feats;
        });
      };
      page("/ogc/collections/" + cid + "/items?limit=1000").then(function (all) {
        all.forEach(function (f) {
          var p = f.properties, c = f.geometry.coordinates;
          var m = L.circleMarker([c[1], c[0]], { radius: 6, weight: 2, color: "#fff",
            fillColor: p.mounting === "mobile" ? "#ef6c00" : (p.owner === "kmar" ? "#b8860b" : "#15426a"), fillOpacity: 1 });
          m.bindPopup("<b>" + esc(p.code) + "</b><br>" + esc(p.name) + "<br>eenheid " + esc(p.unit_name) +
            "<br>Criteria (art. 3 lid 2):" + criteriaHtml(p.criteria, words) + "Motivering: <i>" + esc(p.motivation) +
            "</i><br>" + esc(p.cameras) + " camera's" +
            (p.mounting === "mobile" ? " (mobiel, " + esc(p.valid_from) + " &ndash; " + esc(p.valid_to) + ")" : ""));
          layer.addLayer(m);
        });
        countEl.dataset.count = String(all.length);
        countEl.textContent = all.length + " objecten in " + cid.replace("cameraplan-", "cameraplan ");
      }).catch(function (e) { message(e.message); });
    };
    getJSON("/ogc/collections").then(function (body) {
      var cols = body.collections;
      if (!cols.length) { message("Er is nog geen cameraplan gepubliceerd."); return; }
      cols.forEach(function (c) {
        var o = document.createElement("option"); o.value = c.id; o.textContent = c.id.replace("cameraplan-", "");
        select.appendChild(o);
      });
      select.value = wanted ? "cameraplan-" + wanted : cols[cols.length - 1].id;
      if (!select.value) { select.value = cols[cols.length - 1].id; }
      select.addEventListener("change", function () { loadYear(select.value); });
      loadYear(select.value);
    }).catch(function (e) { message(e.message); });
  }

  // --- diff map -------------------------------------------------------------------------
  var diffEl = document.getElementById("diff-map");
  if (diffEl) {
    var dmap = baseMap(diffEl);
    var colours = { locations_added: "#2e7d32", locations_removed: "#c62828", locations_moved: "#ef6c00", criteria_changed: "#6a1b9a" };
    var labels = { locations_added: "toegevoegd", locations_removed: "vervallen", locations_moved: "verplaatst",
      criteria_changed: "criteria of motivering gewijzigd" };
    getJSON(diffEl.dataset.diffUrl).then(function (d) {
      var bounds = [];
      Object.keys(colours).forEach(function (key) {
        d[key].forEach(function (r) {
          if (key === "locations_moved") {
            L.polyline([[r.lat_from, r.lon_from], [r.lat, r.lon]], { color: colours[key] }).addTo(dmap);
          }
          L.circleMarker([r.lat, r.lon], { radius: 6, color: "#fff", weight: 2, fillColor: colours[key], fillOpacity: 1 })
            .bindPopup("<b>" + esc(r.code) + "</b> " + esc(labels[key]) +
              (key === "locations_moved" ? " (" + esc(r.moved_m) + " m)" : "")).addTo(dmap);
          bounds.push([r.lat, r.lon]);
        });
      });
      diffEl.dataset.markers = String(bounds.length);
      if (bounds.length) { dmap.fitBounds(bounds, { padding: [20, 20], maxZoom: 10 }); }
    });
  }
})();
