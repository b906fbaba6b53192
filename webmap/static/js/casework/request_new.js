/* The request form (report 7.4.2): every registered field, the crime list with whether
 * art. 67 lid 1 Sv applies, and the order's scope drawn or picked on the map (map.js,
 * Anpr.pages.map). */
(function () {
  "use strict";
  var M = Anpr.pages.map;
  var $ = function (id) { return document.getElementById(id); };
  var msg = $("form-message");
  var crimes = {};
  var areas = [];             // selection requests, as /api/v1/selection takes them
  var areaLayer = L.featureGroup().addTo(M.map);

  $("f-received").value = Anpr.time.nowLocal();
  $("f-order-at").value = Anpr.time.nowLocal();

  // --- crimes ----------------------------------------------------------------------------
  Anpr.api("GET", "/api/v1/crimes").then(function (list) {
    var sel = $("f-crime");
    sel.innerHTML = '<option value="">— kies het misdrijf —</option>';
    list.forEach(function (c) {
      crimes[c.code] = c;
      var o = document.createElement("option");
      o.value = c.code;
      o.textContent = c.label + " (" + c.article + ")" + (c.pretrial_detention ? " — art. 67 lid 1 Sv" : " — géén voorlopige hechtenis");
      o.dataset.art67 = c.pretrial_detention ? "1" : "0";
      sel.appendChild(o);
    });
    sel.dataset.loaded = "1";
  }).catch(function (e) { Anpr.message(msg, "Misdrijven laden mislukt: " + e.message); });

  function crimeNote() {
    var c = crimes[$("f-crime").value], note = $("crime-note");
    if ($("f-fugitive").checked) { note.textContent = "Voortvluchtige (art. 564 Sv): bevraging toegestaan."; note.className = "hint ok"; return; }
    if (!c) { note.textContent = ""; return; }
    note.textContent = c.pretrial_detention ? "Art. 67 lid 1 Sv is van toepassing: bevraging toegestaan."
      : "Voor dit misdrijf is geen voorlopige hechtenis toegelaten (art. 67 lid 1 Sv): het verzoek wordt geweigerd.";
    note.className = "hint " + (c.pretrial_detention ? "ok" : "refuse");
  }
  $("f-crime").addEventListener("change", crimeNote);
  $("f-fugitive").addEventListener("change", crimeNote);

  // --- time windows ----------------------------------------------------------------------
  function addWindow(start, end) {
    var li = document.createElement("li");
    li.className = "window";
    li.innerHTML = '<input type="datetime-local" step="60" class="w-start" aria-label="van"> tot ' +
      '<input type="datetime-local" step="60" class="w-end" aria-label="tot"> <button type="button" class="w-remove" title="verwijderen">&times;</button>';
    li.querySelector(".w-start").value = start || "";
    li.querySelector(".w-end").value = end || "";
    li.querySelector(".w-remove").addEventListener("click", function () { li.remove(); });
    $("windows").appendChild(li);
  }
  $("add-window").addEventListener("click", function () { addWindow(); });
  addWindow();

  // --- locations: picked codes and drawn areas -------------------------------------------
  $("take-selection").addEventListener("click", function () {
    var picked = $("selection-locations").textContent.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
    var have = splitList($("f-locations").value, false);
    picked.forEach(function (c) { if (have.indexOf(c) < 0) { have.push(c); } });
    $("f-locations").value = have.join(", ");
  });

  function selectionRequest(layerType, layer) {
    var inout = $("filter-inout").value || undefined;
    if (layerType === "circle") {
      var c = layer.getLatLng();
      return { kind: "circle", geometry: { type: "Point", coordinates: [c.lng, c.lat] }, radius_m: layer.getRadius(), inout: inout };
    }
    if (layerType === "polyline") {
      return { kind: "corridor", geometry: layer.toGeoJSON().geometry, buffer_m: Number($("corridor-buffer").value), inout: inout };
    }
    return { kind: layerType === "rectangle" ? "rectangle" : "polygon", geometry: layer.toGeoJSON().geometry, inout: inout };
  }
  var NAMES = { circle: "cirkel", polyline: "corridor", rectangle: "rechthoek", polygon: "vlak" };
  function renderAreas() {
    var ol = $("areas");
    ol.innerHTML = "";
    areas.forEach(function (a, i) {
      var li = document.createElement("li");
      li.className = "area";
      li.innerHTML = Anpr.esc(NAMES[a.layerType] || a.layerType) + (a.selection.inout ? " (" + a.selection.inout + ")" : "") +
        ' <span class="meta" data-cameras>…</span> <button type="button" title="verwijderen">&times;</button>';
      li.querySelector("button").addEventListener("click", function () {
        areaLayer.removeLayer(a.layer); areas.splice(i, 1); renderAreas();
      });
      Anpr.api("POST", "/api/v1/selection", a.selection).then(function (fc) {
        li.querySelector("[data-cameras]").textContent = Anpr.count(fc.features.length, "camera", "camera's") + " op " +
          Anpr.count(fc.locations.length, "locatie", "locaties");
        li.dataset.cameras = String(fc.features.length);
      }).catch(function (e) { li.querySelector("[data-cameras]").textContent = e.message; });
      ol.appendChild(li);
    });
  }
  M.map.on(L.Draw.Event.CREATED, function (e) {
    var copy = e.layerType === "circle" ? L.circle(e.layer.getLatLng(), { radius: e.layer.getRadius() })
      : e.layerType === "polyline" ? L.polyline(e.layer.getLatLngs()) : L.polygon(e.layer.getLatLngs());
    copy.setStyle({ color: "#0b7a3e", weight: 2, fillOpacity: 0.08, dashArray: "6 3" });
    areaLayer.addLayer(copy);
    areas.push({ layerType: e.layerType, layer: copy, selection: selectionRequest(e.layerType, e.layer) });
    renderAreas();
  });

  // --- submit ----------------------------------------------------------------------------
  function splitList(text, upper) {
    return String(text || "").split(/[\s,;]+/).map(function (s) { return upper ? s.toUpperCase() : s; }).filter(Boolean);
  }
  function val(id) { return $(id).value.trim(); }

  function collect() {
    var windows = [];
    document.querySelectorAll("#windows li").forEach(function (li) {
      var s = li.querySelector(".w-start").value, e = li.querySelector(".w-end").value;
      if (s || e) { windows.push({ start: Anpr.time.localToISO(s), end: Anpr.time.localToISO(e) }); }
    });
    var convoy = $("f-convoy").value;
    return {
      received_at: Anpr.time.localToISO($("f-received").value),
      requester_name: val("f-requester"), requester_function: val("f-function"),
      foreign_request: $("f-foreign").checked,
      investigation: { system: $("f-system").value, number: val("f-invnumber"), name: val("f-invname") },
      order_reference: val("f-order-ref"), prosecutor: val("f-prosecutor"), prosecutor_office: val("f-office"),
      order_at: Anpr.time.localToISO($("f-order-at").value), order_kind: $("f-order-kind").value,
      crime_code: $("f-crime").value || null, fugitive: $("f-fugitive").checked,
      purpose: val("f-purpose"), facts: val("f-facts"), suspect: val("f-suspect"),
      photos: $("f-photos").checked,
      convoy_minutes: convoy === "" ? null : Number(convoy),
      scope: {
        windows: windows,
        locations: splitList($("f-locations").value, true),
        areas: areas.map(function (a) { return a.selection; }),
        plates: Anpr.plates($("f-plates").value),
        patterns: splitList($("f-patterns").value, true)
      }
    };
  }

  $("request-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    Anpr.message(msg, null);
    var btn = $("register");
    btn.disabled = true;
    Anpr.api("POST", "/api/v1/requests", collect()).then(function (r) {
      window.location.href = "/requests/" + r.id;
    }).catch(function (e) {
      btn.disabled = false;
      var r = e.status === 422 ? e.body : null;  // registered, and refused on its merits (422)
      if (!r || r.id == null) { Anpr.message(msg, "Niet geregistreerd: " + e.message); return; }
      Anpr.message(msg, "Verzoek " + r.reference + " is geregistreerd en geweigerd: " + (r.qualification ? (r.qualification.reden || r.qualification.reason) : r.rejected_reason), "error");
      msg.dataset.refused = String(r.id);
      var a = document.createElement("a");
      a.href = "/requests/" + r.id; a.textContent = " Bekijk het geweigerde verzoek"; msg.appendChild(a);
    });
  });
})();
