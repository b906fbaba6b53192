/* One request: confirmation dialog (7.4.2), reject/cancel, correction as a version,
 * written order upload, searches as preview -> run or stop (R5, R6), then the steps to
 * verification, photos, the one-time package and completion. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var data = JSON.parse($("request-data").textContent);
  var base = "/api/v1/requests/" + data.id;
  var msg = $("req-message");
  var KINDS = { plate: "Q1 kenteken(s)", partial: "Q2 deel van kenteken", block: "Q3 blokbevraging", convoy: "Q4 konvooi",
    common: "Q5 gemeenschappelijke kentekens", route: "Q6 route" };
  var current = null;   // the previewed enquiry
  var currentParams = null;  // and its parameters

  function fail(prefix) {
    return function (e) {
      Anpr.message(msg, prefix + ": " + e.message);
      if (e.body && e.body.details && e.body.details.handover) { showHandover(); }
    };
  }
  function reload() { window.location.reload(); }
  function on(id, ev, fn) { var el = $(id); if (el) { el.addEventListener(ev, fn); } }

  // R2: an officer in the investigation may not search; offer the colleagues who may.
  function showHandover() {
    Anpr.api("GET", base + "/handover").then(function (list) {
      var box = $("handover");
      box.hidden = false;
      box.innerHTML = "<b>U bent lid van dit onderzoek en mag hiervoor niet zelf bevragen.</b> Draag het verzoek over aan een collega: " +
        (list.length ? "<ul>" + list.map(function (c) { return '<li data-username="' + Anpr.esc(c.username) + '">' + Anpr.esc(c.full_name) + " (" + Anpr.esc(c.username) + ")</li>"; }).join("") + "</ul>"
          : "geen collega beschikbaar in de eenheid.");
    });
  }

  // --- who is involved: hand-over, members, grants, the requester of record (R2, R10) --------
  function people(listId, url, kind) {
    var ul = $(listId);
    if (!ul) { return; }
    Anpr.api("GET", url).then(function (rows) {
      ul.innerHTML = rows.length ? rows.map(function (r) {
        return '<li data-id="' + r.id + '">' + Anpr.esc(r.full_name) + " (" + Anpr.esc(r.username) + ") " +
          '<button type="button" class="remove" data-id="' + r.id + '" data-name="' + Anpr.esc(r.full_name) + '">weghalen</button></li>';
      }).join("") : "<li>niemand</li>";
      ul.querySelectorAll("button.remove").forEach(function (b) {
        b.addEventListener("click", function () {
          if (!window.confirm(b.dataset.name + " weghalen? " + kind + " vervalt direct en dit wordt vastgelegd.")) { return; }
          Anpr.api("DELETE", url + "/" + b.dataset.id).then(function () { people(listId, url, kind); }).catch(fail("Niet weggehaald"));
        });
      });
    }).catch(fail("Niet geladen"));
  }
  function addPerson(inputId, url, listId, kind) {
    var who = $(inputId).value.trim();
    if (!who) { Anpr.message(msg, "Vul een gebruikersnaam in."); return; }
    Anpr.api("POST", url, { account: who }).then(function () { $(inputId).value = ""; Anpr.message(msg, null); people(listId, url, kind); })
      .catch(fail("Niet vastgelegd"));
  }
  if ($("relations-box") && $("ho-to")) {  // no hand-over once the request is completed
    Anpr.api("GET", base + "/handover").then(function (list) {
      var sel = $("ho-to");
      list.forEach(function (c) {
        var o = document.createElement("option"); o.value = c.username; o.textContent = c.full_name + " (" + c.username + ")"; sel.appendChild(o);
      });
    }).catch(function () {});
  }
  if ($("relations-box")) {
    people("members-list", base + "/members", "Zijn inzage");
    people("grants-list", base + "/grants", "De inzage");
    on("member-add-do", "click", function () { addPerson("member-add", base + "/members", "members-list", "Zijn inzage"); });
    on("grant-add-do", "click", function () { addPerson("grant-add", base + "/grants", "grants-list", "De inzage"); });
    on("requester-set-do", "click", function () {
      var who = $("requester-set").value.trim();
      if (!who) { Anpr.message(msg, "Vul een gebruikersnaam in."); return; }
      Anpr.api("PUT", base + "/requester", { account: who }).then(reload).catch(fail("Niet vastgelegd"));
    });
    on("requester-clear", "click", function () {
      if (!window.confirm("Aanvrager weghalen? Hij ziet het geleverde dan niet meer.")) { return; }
      Anpr.api("PUT", base + "/requester", { account: null }).then(reload).catch(fail("Niet weggehaald"));
    });
    on("ho-do", "click", function () {
      var sel = $("ho-to"), reason = $("ho-reason").value.trim();
      if (!sel.value) { Anpr.message(msg, "Kies de collega aan wie u overdraagt."); return; }
      if (!reason) { Anpr.message(msg, "Geef de reden van de overdracht."); return; }
      var name = sel.options[sel.selectedIndex].textContent;
      if (!window.confirm("Verzoek overdragen aan " + name + "? U kunt er daarna niet meer op handelen en ziet het niet meer.")) { return; }
      Anpr.api("POST", base + "/handover", { to: sel.value, reason: reason }).then(function () {
        window.location.href = "/dashboard";
      }).catch(fail("Niet overgedragen"));
    });
  }

  // --- confirmation, reject, cancel, correction, written order ----------------------------
  on("confirm-open", "click", function () { $("confirm-dialog").showModal(); });
  on("confirm-no", "click", function () { $("confirm-dialog").close(); });
  on("confirm-yes", "click", function () {
    Anpr.api("POST", base + "/confirm").then(reload).catch(function (e) { $("confirm-dialog").close(); fail("Niet bevestigd")(e); });
  });
  on("cancel-request", "click", function () {
    if (!window.confirm("Verzoek annuleren? Dit kan alleen vóór bevestiging.")) { return; }
    Anpr.api("POST", base + "/cancel").then(reload).catch(fail("Niet geannuleerd"));
  });
  on("reject", "click", function () {
    if (!$("reject-reason").value.trim()) { Anpr.message(msg, "Geef de reden van de afwijzing."); return; }
    if (!window.confirm("Verzoek afwijzen? Dit is definitief: er kan daarna niet meer in gezocht worden. De reden wordt vastgelegd.")) { return; }
    Anpr.api("POST", base + "/reject", { reason: $("reject-reason").value }).then(reload).catch(fail("Niet afgewezen"));
  });
  on("correct", "click", function () {
    var field = $("corr-field").value, value = $("corr-value").value, changes = {};
    changes[field] = field === "convoy_minutes" ? (value === "" ? null : Number(value)) : value;
    Anpr.api("POST", base + "/correct", { changes: changes, reason: $("corr-reason").value }).then(reload).catch(fail("Correctie geweigerd"));
  });
  on("order-form", "submit", function (ev) {
    ev.preventDefault();
    var f = $("order-file").files[0];
    if (!f) { Anpr.message(msg, "Kies eerst het document van het bevel."); return; }
    var fd = new FormData(); fd.append("document", f);
    Anpr.api("POST", base + "/written-order", fd).then(reload).catch(fail("Bevel niet toegevoegd"));
  });

  // --- searches --------------------------------------------------------------------------
  function showFields() {
    var kind = $("s-kind").value;
    document.querySelectorAll("#search-form [data-for]").forEach(function (el) {
      el.hidden = el.dataset.for.split(" ").indexOf(kind) < 0;
    });
  }
  function list(text) { return String(text || "").split(/[\s,;]+/).map(function (s) { return s.toUpperCase(); }).filter(Boolean); }
  function window_(startId, endId) { return { start: Anpr.time.localToISO($(startId).value), end: Anpr.time.localToISO($(endId).value) }; }
  /** The order's window the officer picked (an order may name several). */
  function orderWindow() {
    var sel = $("s-window");
    return data.scope.windows[sel ? Number(sel.value) || 0 : 0];
  }
  function addSite(name, locs) {
    var li = document.createElement("li");
    var w = orderWindow();
    li.innerHTML = '<input class="site-name" placeholder="naam" value="' + Anpr.esc(name || "") + '"> <input class="site-locs" placeholder="locaties" value="' + Anpr.esc(locs || "") +
      '"><br><input type="datetime-local" class="site-start" step="60"> &ndash; <input type="datetime-local" class="site-end" step="60">';
    li.querySelector(".site-start").value = Anpr.time.isoToLocal(w.start);
    li.querySelector(".site-end").value = Anpr.time.isoToLocal(w.end);
    $("s-sites").appendChild(li);
  }
  function parameters(kind) {
    var p = {};
    if (kind === "plate") { p.plates = Anpr.plates($("s-plates").value); }
    if (kind === "partial") { p.pattern = $("s-pattern").value.trim().toUpperCase(); }
    if (kind === "convoy" || kind === "route") { p.plate = $("s-plate").value.trim().toUpperCase(); }
    if (kind === "convoy") { p.minutes = Number($("s-minutes").value); }
    if (kind !== "common") { p.window = window_("s-start", "s-end"); }
    if (kind === "plate" || kind === "partial" || kind === "block") {
      var locs = list($("s-locations").value);
      if (locs.length) { p.selection = { kind: "pick", locations: locs }; }
      else if (kind === "block") { p.cameras = data.scope.resolved_cameras || []; }
    }
    // Qm: including probable misreads, an option of Q1, Q4, Q5 and Q6 only (the server
    // refuses it on Q2 and Q3); sent only when ticked
    if (kind !== "partial" && kind !== "block" && $("s-misreads").checked) { p.misreads = true; }
    if (kind === "common") {
      p.k = Number($("s-k").value);
      p.sites = [];
      document.querySelectorAll("#s-sites li").forEach(function (li) {
        p.sites.push({ name: li.querySelector(".site-name").value, selection: { kind: "pick", locations: list(li.querySelector(".site-locs").value) },
          window: { start: Anpr.time.localToISO(li.querySelector(".site-start").value), end: Anpr.time.localToISO(li.querySelector(".site-end").value) } });
      });
    }
    return p;
  }
  function describe(kind, p) {
    var parts = [];
    if (p.plates) { parts.push(p.plates.join(", ")); }
    if (p.pattern) { parts.push(p.pattern); }
    if (p.plate) { parts.push(p.plate); }
    if (p.window) { parts.push(Anpr.time.show(p.window.start) + " – " + Anpr.time.show(p.window.end)); }
    if (p.selection && p.selection.locations) { parts.push(p.selection.locations.join(", ")); }
    else if (p.cameras) { parts.push(p.cameras.length + " camera's van het bevel"); }
    if (p.minutes) { parts.push("±" + p.minutes + " min"); }
    if (p.sites) { parts.push(p.sites.length + " locaties, k=" + p.k); }
    return parts.join("; ");
  }

  function openResults(id, kind, params, answer) {
    if (Anpr.pages.workspace) {
      Anpr.pages.workspace.open(id, kind, "#" + id + " " + (KINDS[kind] || kind) + (params ? " – " + describe(kind, params) : ""), params, answer);
    }
  }

  // No package before a search has run (the server refuses it too, 409): say why.
  function packageState(rows) {
    var btn = $("package"), note = $("package-note");
    if (!btn) { return; }
    var ran = rows.some(function (s) { return s.run_at; });
    btn.disabled = !ran;
    btn.dataset.ready = ran ? "1" : "0";
    if (note) { note.hidden = ran; }
  }

  function loadSearches() {
    Anpr.api("GET", base + "/searches").then(function (rows) {
      var tb = document.querySelector("#searches tbody");
      tb.innerHTML = rows.length ? "" : '<tr><td colspan="5">Nog geen zoekvragen.</td></tr>';
      packageState(rows);
      rows.forEach(function (s) {
        var state = s.run_at ? "uitgevoerd: " + s.result_count + " passages" : s.stopped_after_preview ? "gestopt na voorvertoning" : "voorvertoning";
        var tr = document.createElement("tr");
        tr.dataset.id = s.id; tr.dataset.state = s.run_at ? "run" : s.stopped_after_preview ? "stopped" : "preview";
        tr.innerHTML = "<td>" + s.id + "</td><td>" + Anpr.esc(KINDS[s.kind] || s.kind) + "</td><td>" + Anpr.esc(describe(s.kind, s.parameters)) +
          "</td><td>" + (s.preview ? s.preview.passages + " passages" : "") + "</td><td>" + Anpr.esc(state) + (s.needs_verification ? "" : " (geen verificatie nodig)") + "</td><td>" +
          (s.run_at ? '<button type="button" class="ws-open">Resultaten</button>' : "") + "</td>";
        var btn = tr.querySelector(".ws-open");
        if (btn) { btn.addEventListener("click", function () { openResults(s.id, s.kind, s.parameters); }); }
        tb.appendChild(tr);
      });
    });
  }

  if ($("search-form")) {
    var fillWindow = function () {
      var w = orderWindow();
      $("s-start").value = Anpr.time.isoToLocal(w.start);
      $("s-end").value = Anpr.time.isoToLocal(w.end);
      document.querySelectorAll("#s-sites li").forEach(function (li) {
        li.querySelector(".site-start").value = Anpr.time.isoToLocal(w.start);
        li.querySelector(".site-end").value = Anpr.time.isoToLocal(w.end);
      });
    };
    fillWindow();
    $("s-window").addEventListener("change", fillWindow);
    $("s-kind").addEventListener("change", showFields);
    $("s-add-site").addEventListener("click", function () { addSite(); });
    addSite("locatie 1", (data.scope.locations || [])[0]); addSite("locatie 2", (data.scope.locations || [])[1]);
    showFields();
    $("search-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      Anpr.message(msg, null); $("run-summary").hidden = true;
      var kind = $("s-kind").value;
      var params = parameters(kind);
      Anpr.api("POST", base + "/searches", { kind: kind, parameters: params }).then(function (r) {
        current = r.enquiry_id; currentParams = params;
        if (r.already === "run") {  // the same search again: show what it kept, run nothing
          $("preview-box").hidden = true;
          Anpr.message(msg, "Deze zoekvraag is al uitgevoerd (#" + r.enquiry_id + "): de veiliggestelde resultaten staan hieronder.", "ok");
          openResults(r.enquiry_id, kind, params);
          return;
        }
        var p = r.preview;
        $("pv-passages").textContent = p.passages != null ? p.passages : (p.plates_at_k != null ? p.plates_at_k : "-");
        $("pv-plates").textContent = p.plates != null ? p.plates : "-";
        $("pv-cameras").textContent = p.cameras_hit != null ? p.cameras_hit : "-";
        $("pv-verify").textContent = p.verification_required ? "nodig, ca. " + p.verification_minutes + " min" : "niet nodig (locatie/tijd)";
        $("preview-box").hidden = false;
        $("preview-box").dataset.enquiry = String(current);
        loadSearches();
      }).catch(fail("Voorvertoning geweigerd"));
    });
    $("s-run").addEventListener("click", function () {
      Anpr.api("POST", "/api/v1/searches/" + current + "/run").then(function (r) {
        $("preview-box").hidden = true;
        var s = $("run-summary");
        s.hidden = false; s.dataset.kept = String(r.passages_kept);
        s.textContent = "Uitgevoerd: " + r.passages_kept + " passages veiliggesteld bij dit verzoek." +
          (r.result && r.result.plates ? " " + (Array.isArray(r.result.plates) ? r.result.plates.length : r.result.plates) + " kentekens." : "");
        loadSearches(); loadVerifyState();
        openResults(r.enquiry_id, r.kind, currentParams, r.result);
      }).catch(fail("Niet uitgevoerd"));
    });
    $("s-stop").addEventListener("click", function () {
      Anpr.api("POST", "/api/v1/searches/" + current + "/stop").then(function () {
        $("preview-box").hidden = true; loadSearches();
      }).catch(fail("Niet gestopt"));
    });
  }
  loadSearches();

  // --- verification state, package, completion -------------------------------------------
  function loadVerifyState() {
    if (!$("verify-state")) { return; }
    Anpr.api("GET", base + "/reads?page_size=10").then(function (r) {
      var el = $("verify-state");
      el.dataset.remaining = String(r.remaining);
      el.textContent = r.total ? r.verified + " van " + r.total + " lezingen geverifieerd" : "niets te verifiëren";
      $("verify-link").hidden = r.remaining === 0;
    }).catch(function (e) { $("verify-state").textContent = e.message; });
  }
  loadVerifyState();

  on("package", "click", function () {
    if (!window.confirm("Pakket nu downloaden? Dit kan één keer: het verzoek staat daarna op 'geleverd' en de levering wordt vastgelegd. " +
        "Alleen geverifieerde passages (en goedgekeurde, geblurde foto's) gaan mee.")) { return; }
    var btn = $("package");
    btn.disabled = true;
    Anpr.send("POST", base + "/package").then(function (r) {
      if (!r.ok) { return Anpr.refusal(r).then(function (e) { throw e; }); }
      return r.blob().then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob); a.download = data.reference + ".zip";
        document.body.appendChild(a); a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); reload(); }, 1500);
      });
    }).catch(function (e) { btn.disabled = false; Anpr.message(msg, "Pakket niet gemaakt: " + e.message); });
  });
  on("complete", "click", function () {
    if (!window.confirm("Verzoek afronden? De veiliggestelde resultaten worden daarna vernietigd zodra hun 28 dagen om zijn; dit kan niet worden teruggedraaid.")) { return; }
    Anpr.api("POST", base + "/complete").then(reload).catch(fail("Niet afgerond"));
  });
  if (data.status === "provided" || data.status === "completed") {
    Anpr.api("GET", base + "/provided").then(function (p) {
      var m = p.manifest, c = m.counts;
      $("provided").innerHTML = '<div class="cw-msg ok" id="provided-summary">Geleverd op ' + Anpr.esc(Anpr.time.show(p.downloaded_at)) + ": " + c.passages_provided +
        " passages, " + c.misreads_left_out + " misleesde lezingen weggelaten, " + c.crops + " uitsneden, " + c.photos + " foto's. SHA-256 pakket " + Anpr.esc(p.sha256.slice(0, 16)) + "…</div>";
    }).catch(function () {});
  }
  $("request").dataset.js = "1";  // every handler of the page is in place
})();
