/* Read-by-read verification (R7, report 7.4.4): pages of 10/50/100/500 reads beside their
 * plate crops (inline in the page's answer; the next page is fetched ahead), verified
 * reads hidden by default, keyboard first: j/k move, b confirm, a reject, u clear,
 * p approve the page. Each read shows the plate its crop must show (the ordered plate of
 * a probable misread, issue 18) and the plate reader's opinion (#15). Reads the reader
 * disagrees with, is unsure of or has no opinion of, and probable misreads, come first,
 * marked: each needs its own verdict. The others may be confirmed with the page, but
 * only after the officer has answered the page's spot-check read (chosen by the server)
 * with b or a. A read without a crop is "niet te verifiëren": no verdict can be given. */
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var rid = $("verify").dataset.id;
  var base = "/api/v1/requests/" + rid;
  var msg = $("verify-message");
  var reads = [], cursor = 0, pageInfo = null, spotIndex = -1, asking = false;
  var MATCH = { exact: "exact", alternative_read: "alternatieve lezing",
                equivalent_characters: "gelijkende tekens" };
  var MACHINE = { disagrees: "wijkt af", unsure: "onzeker", agrees: "eens" };

  function rowEl(i) { return document.querySelector('#reads tbody tr[data-index="' + i + '"]'); }
  function setCursor(i) {
    if (!reads.length) { return; }
    cursor = Math.max(0, Math.min(reads.length - 1, i));
    document.querySelectorAll("#reads tbody tr.current").forEach(function (tr) { tr.classList.remove("current"); });
    var tr = rowEl(cursor);
    if (tr) { tr.classList.add("current"); tr.scrollIntoView({ block: "nearest" }); }
  }
  function mark(i, verdict) {
    var r = reads[i];
    if (!r || r.verdict || !r.verifiable) { return; }  // a stored verdict stands; no crop, no verdict
    r.pending = verdict;
    var tr = rowEl(i);
    tr.dataset.pending = verdict || "";
    tr.querySelector(".verdict").textContent = verdict === "confirmed" ? "bevestigd" : verdict === "rejected" ? "afgewezen" : "—";
  }

  // The next page, fetched with its crops while the officer works on this one: once this
  // page is approved its reads are verified, so the next page is what now follows them.
  var next = null;
  function url(size, offset, all) {
    return base + "/reads?page_size=" + size + "&offset=" + offset + (all ? "&all=1" : "") + "&crops=1";
  }
  function prefetch(size, all) {
    next = null;
    if (all) { return; }
    var want = { size: size };
    next = want;
    Anpr.api("GET", url(size, size, false)).then(function (page) {
      if (next === want) { want.page = page; $("reads").dataset.prefetched = String(page.reads.length); }
    }).catch(function () { if (next === want) { next = null; } });
  }

  function load(stored, own) {
    var size = $("page-size").value, all = $("show-all").checked;
    if (stored !== undefined && next && next.page && next.size === size && !all) {
      var page = next.page;
      page.verified += stored; page.remaining -= stored;
      page.own_remaining = Math.max(0, page.own_remaining - own);
      show(page, size, all);
      return;
    }
    Anpr.api("GET", url(size, 0, all)).then(function (page) { show(page, size, all); })
      .catch(function (e) { Anpr.message(msg, "Laden mislukt: " + e.message); });
  }

  function machineCell(r) {
    if (!r.machine) { return '<span class="machine none">geen tweede oordeel</span>'; }
    var m = r.machine;
    return '<span class="machine ' + Anpr.esc(m.flag) + '" title="' + Anpr.esc(m.mark || "uitlezing komt overeen met de camera") + '">' +
      Anpr.esc(m.read || "(niets gelezen)") + " \u00b7 " + Math.round(m.confidence * 100) + "% \u00b7 " + Anpr.esc(MACHINE[m.flag] || m.flag) + "</span>";
  }

  function show(page, size, allFlag) {
    var all = allFlag ? "1" : "";
    reads = page.reads;
    pageInfo = page.page;
    asking = false;
    $("spot-check").hidden = true;
    spotIndex = -1;
    $("counts").textContent = page.verified + " van " + page.total + " geverifieerd, nog " + page.remaining +
      (page.own_remaining ? ", waarvan " + page.own_remaining + " met een eigen oordeel" : "") +
      (page.not_verifiable ? " \u00b7 " + page.not_verifiable + " niet te verifi\u00ebren (geen uitsnede)" : "");
    $("counts").dataset.remaining = String(page.remaining);
    $("counts").dataset.ownRemaining = String(page.own_remaining);
    $("counts").dataset.notVerifiable = String(page.not_verifiable);
    var tb = document.querySelector("#reads tbody");
    tb.innerHTML = "";
    if (!reads.length) {
      tb.innerHTML = '<tr><td colspan="9" id="all-done">Alle lezingen zijn geverifieerd.</td></tr>';
    }
    var own = 0;
    reads.forEach(function (r, i) {
      var tr = document.createElement("tr");
      tr.dataset.index = String(i); tr.dataset.passage = String(r.passage_id);
      if (r.verdict) { tr.classList.add("done"); }
      if (!r.verifiable) { tr.classList.add("not-verifiable"); }
      if (r.individual && !r.verdict && r.verifiable) { tr.classList.add("disputed"); own += 1; }
      if (r.spot_check) { tr.classList.add("spot-check"); spotIndex = i; }
      var crop = r.crop ? '<img class="crop" alt="uitsnede ' + Anpr.esc(r.plate) + '" src="' + r.crop + '">'
        : '<span class="no-crop">' + (r.verifiable ? "uitsnede niet leesbaar" : "geen uitsnede") + "</span>";
      var inexact = r.match !== "exact";
      tr.innerHTML = "<td>" + crop + "</td>" +
        '<td class="plate">' + Anpr.esc(r.plate) + "</td>" +
        '<td class="ordered' + (inexact ? " inexact" : "") + '"><span class="plate">' + Anpr.esc(r.ordered_plate) + '</span> <span class="match">' +
        Anpr.esc(MATCH[r.match] || r.match) + "</span></td>" +
        '<td class="machine-cell">' + machineCell(r) + "</td><td>" + Anpr.esc(r.country || "") + "</td><td>" +
        (r.confidence != null ? Math.round(r.confidence * 100) + "%" : "") + "</td><td>" + Anpr.esc(r.location_code) + "</td><td>" + Anpr.esc(Anpr.time.show(r.captured_at)) +
        '</td><td><span class="verdict">' + (r.verdict ? (r.verdict === "confirmed" ? "bevestigd" : "afgewezen") + " (" + Anpr.esc(r.verified_by) + ")" : r.verifiable ? "—" : "niet te verifi\u00ebren") +
        '</span> <button type="button" class="v-ok" title="bevestigen (b)">&#10003;</button><button type="button" class="v-no" title="afwijzen (a)">&#10007;</button></td>';
      tr.querySelector(".v-ok").addEventListener("click", function () { setCursor(i); answer("confirmed"); });
      tr.querySelector(".v-no").addEventListener("click", function () { setCursor(i); answer("rejected"); });
      if (r.verdict || !r.verifiable) { tr.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }
      tb.appendChild(tr);
    });
    $("own-count").textContent = own ? own + " lezing(en) vragen een eigen oordeel (bovenaan, gemarkeerd)." : "";
    $("reads").dataset.own = String(own);
    $("reads").dataset.loaded = String(Date.now());
    $("reads").dataset.pageSize = size;
    $("reads").dataset.all = all ? "1" : "0";
    $("reads").dataset.page = pageInfo ? pageInfo.id : "";
    setCursor(0);
    prefetch(size, allFlag);
  }

  // b/a: a verdict for the read under the cursor, or, while the spot-check is asked, its answer.
  function answer(verdict) {
    if (asking) {
      mark(spotIndex, verdict);
      asking = false;
      $("spot-check").hidden = true;
      approvePage();
      return;
    }
    mark(cursor, verdict);
    setCursor(cursor + 1);
  }

  function askSpotCheck() {
    var r = reads[spotIndex];
    asking = true;
    setCursor(spotIndex);
    $("spot-plate").textContent = r.ordered_plate;
    $("spot-check").hidden = false;
    $("spot-check").dataset.passage = String(r.passage_id);
    Anpr.message(msg, "Steekproef: beantwoord eerst de gemarkeerde lezing (b of a); daarna wordt de pagina vastgelegd.");
  }

  function approvePage() {
    var open = reads.filter(function (r) { return !r.verdict && r.verifiable; });
    if (!open.length || !pageInfo) { load(); return; }
    var spot = spotIndex >= 0 ? reads[spotIndex] : null;
    if (spot && !spot.pending) { askSpotCheck(); return; }
    var item = function (r) {
      return { passage_id: r.passage_id, captured_at: r.captured_at, verdict: r.pending, ordered_plate: r.ordered_plate };
    };
    var body = {
      page: pageInfo.id,
      verdicts: open.filter(function (r) { return r.pending && r !== spot; }).map(item),
      confirm_rest: true
    };
    if (spot) { body.spot_check = item(spot); }
    $("approve-page").disabled = true;
    Anpr.api("POST", base + "/verdicts", body).then(function (res) {
      Anpr.message(msg, res.stored + " oordelen vastgelegd" + (res.already_verified ? ", " + res.already_verified + " waren al beoordeeld" : "") +
        (res.left_for_own_verdict ? "; " + res.left_for_own_verdict + " lezing(en) wachten nog op een eigen oordeel" : "") + ".", "ok");
      $("approve-page").disabled = false;
      // The page fetched ahead follows this one only when nothing of this one is left.
      var ownDone = open.filter(function (r) { return r.individual; }).length;
      load(res.left_for_own_verdict === 0 && res.stored === open.length ? res.stored : undefined, ownDone);
    }).catch(function (e) { $("approve-page").disabled = false; Anpr.message(msg, "Niet vastgelegd: " + e.message); });
  }

  $("approve-page").addEventListener("click", approvePage);
  $("page-size").addEventListener("change", function () { load(); });
  $("show-all").addEventListener("change", function () { load(); });
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || /INPUT|SELECT|TEXTAREA/.test(ev.target.tagName)) { return; }
    var k = ev.key.toLowerCase();
    if (asking && k !== "b" && k !== "a") { ev.preventDefault(); return; }  // the spot-check first
    if (k === "j" || ev.key === "ArrowDown") { setCursor(cursor + 1); }
    else if (k === "k" || ev.key === "ArrowUp") { setCursor(cursor - 1); }
    else if (k === "b") { answer("confirmed"); }
    else if (k === "a") { answer("rejected"); }
    else if (k === "u") { mark(cursor, null); }
    else if (k === "p") { approvePage(); }
    else { return; }
    ev.preventDefault();
  });
  load();
})();
