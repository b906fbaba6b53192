"""Dutch for every refusal an officer (or a requester, analyst or editor) can meet (issue 13).

The server's refusals (``anpr.errors.AnprError``) carry an English ``message`` for
integrators and the operators' logs; the JSON error answer adds ``bericht``, the same
refusal in Dutch, which the pages show. ``TABLE`` maps each English message template (its
literal text with ``{}`` for each variable part, as ``tests/refusal_sources.py`` reads it
from the source) to its Dutch sentence, whose ``{0}``, ``{1}`` ... carry the variable parts
over. A variable part is itself put in Dutch on the way: a nested refusal (``scope area 2:
...``) is translated, a request status or role is given its Dutch word, and a time
(ISO 8601) is shown in Europe/Amsterdam local time ("dd-mm-jjjj uu:mm"), never UTC.

A message that matches no entry gets a general Dutch sentence for its status (``fallback``),
never the English; tests/test_messages_nl.py fails for any raised message without an entry.
"""
from __future__ import annotations

import re
import string
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from webmap.messages_nl_registry import REGISTRY

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# The words the pages use (the dashboard's statuses; webmap/static/js/casework/request.js KINDS).
STATUS = {"registered": "geregistreerd", "confirmed": "bevestigd", "rejected": "afgewezen",
          "cancelled": "geannuleerd", "provided": "geleverd", "completed": "afgerond"}
SEARCHES = {"block query": "blokbevraging", "block search": "blokbevraging",
            "common-plate search": "zoekvraag gemeenschappelijke kentekens",
            "common plates search": "zoekvraag gemeenschappelijke kentekens",
            "convoy search": "konvooizoekvraag", "route search": "routezoekvraag"}
WORDS = {**STATUS, **SEARCHES, "cameras": "camera's", "locations": "locaties", "groups": "groepen",
         "camera": "camera", "location": "locatie", "group": "groep", "plates": "kentekens",
         "patterns": "patronen", "kind": "soort zoekvraag",
         # webmap/schemas.py _problem's words for a JSON type
         "a whole number": "een geheel getal", "a number": "een getal", "text": "tekst",
         "true or false": "waar of onwaar", "a JSON object": "een object", "a list": "een lijst",
         "the body": "de gegevens", "(body)": "de gegevens",
         # the registry editor's fields (webmap/registry_api.py, camera_registry/registry.py)
         "owner": "eigenaar", "mounting": "opstelling", "inout": "richting",
         "facing": "kijkrichting", "bearing": "koers", "hectometre": "hectometer",
         "unit_code": "eenheid", "lane_geom": "getekende rijstrook", "lon": "lengte (lon)",
         "lat": "breedte (lat)", "active_from": "actief vanaf", "active_to": "actief tot",
         "frame_width": "beeldbreedte", "frame_height": "beeldhoogte",
         "segment_direction": "wegrichting", "move_lanes": "rijstroken meeverplaatsen"}
#: A list of allowed values as the server words it ("police, kmar or cjib"): "of" in Dutch.
_CHOICES = re.compile(r"[\w'.:/-]+(?:, [\w'.:/-]+)* or [\w'.:/-]+")

# Field names the server puts in its messages, as the request form labels them.
FIELDS = {"requester name": "de naam van de aanvrager",
          "requester function": "de functie van de aanvrager",
          "order reference": "het kenmerk van het bevel", "prosecutor": "de officier van justitie",
          "prosecutor office": "het parket", "purpose": "het doel",
          "facts": "de feiten en omstandigheden", "suspect": "de verdachte / het signalement",
          "received at": "het tijdstip van ontvangst",
          "order date and time": "de datum en tijd van het bevel",
          "order at": "de datum en tijd van het bevel", "from": "het begin", "to": "het einde",
          "limit": "het aantal (limit)", "offset": "de positie (offset)",
          "window": "het tijdvak", "scope window": "het tijdvak van het bevel",
          "fugitive": "Opsporing van een voortvluchtige", "foreign request": "Buitenlands verzoek",
          "photos": "Foto's"}
_WINDOW_PART = re.compile(r"(scope )?window(?: (\d+))? (start|end)")


def _field(value: str) -> str | None:
    if value in FIELDS:
        return FIELDS[value]
    m = _WINDOW_PART.fullmatch(value)
    if m:
        which = "het begin" if m.group(3) == "start" else "het einde"
        window = f"tijdvak {m.group(2)}" if m.group(2) else "het tijdvak"
        return f"{which} van {window}" + (" van het bevel" if m.group(1) else "")
    return None


TABLE: dict[str, str] = {
    # anpr/accounts.py, webmap/auth.py: accounts and sessions
    "no such account": "Dit account bestaat niet.",
    "no account {}": "Er is geen account {0}.",
    "unknown user or wrong password": "Onbekende gebruiker of verkeerd wachtwoord.",
    "too many failed logins from this address; try again later":
        "Te veel mislukte aanmeldpogingen vanaf dit adres; probeer het over een kwartier opnieuw.",
    "your role ({}) may not do this": "Uw rol ({0}) mag dit niet doen.",
    "a password needs at least {} characters": "Een wachtwoord heeft ten minste {0} tekens nodig.",
    "password too long": "Het wachtwoord is te lang.",
    # anpr/accounts.py: the account page (own password, own sessions)
    "give the current password and the new one twice":
        "Geef het huidige wachtwoord en tweemaal het nieuwe.",
    "the current password is wrong":
        "Het huidige wachtwoord klopt niet. Het wachtwoord is niet gewijzigd; na vijf mislukte "
        "pogingen wordt het account een kwartier geblokkeerd.",
    "the new password and its repetition differ":
        "Het nieuwe wachtwoord en de herhaling ervan zijn niet gelijk.",
    "the new password must differ from the current one":
        "Het nieuwe wachtwoord moet anders zijn dan het huidige.",
    "this is the session you are using: log out to end it":
        "Dit is de sessie die u nu gebruikt: meld u af om haar te beëindigen.",
    "no such session": "Deze sessie bestaat niet (meer).",
    "unknown role {}; one of {}": "Onbekende rol {0}; kies een van: {1}.",
    "username: letters a-z, digits, dots and dashes (ASCII), at most 64":
        "Gebruikersnaam: letters a-z, cijfers, punten en streepjes (ASCII), ten hoogste 64 "
        "tekens.",
    "an account {} already exists": "Er bestaat al een account {0}.",
    "unknown unit {}": "Onbekende eenheid {0}.",
    "log in first": "Log eerst in.",
    "missing or wrong CSRF token; reload the page":
        "De beveiligingscode van de pagina ontbreekt of is verlopen; laad de pagina opnieuw.",
    "this page is not available": "Deze pagina is niet beschikbaar.",
    "log in as a camera-plan editor to change plans or the registry":
        "Log in als cameraplan-redacteur om plannen of het register te wijzigen.",
    "log in as a camera-plan editor": "Log in als cameraplan-redacteur.",
    # casework/access.py: who may act on a request
    "you are a member of this investigation and may not search for it; hand it over to a "
    "colleague{}":
        "U bent lid van dit onderzoek en mag er niet voor zoeken; draag het verzoek over aan "
        "een collega{0}.",
    "you may see what was provided for this request, not its casework; the handling officer "
    "acts on it":
        "U mag zien wat voor dit verzoek is geleverd, niet de behandeling ervan; de "
        "behandelend ambtenaar handelt het af.",
    "no search {}": "Er is geen zoekvraag {0}.",
    "no request {}": "Er is geen verzoek {0}.",
    "name the account by id or username": "Noem het account bij id of gebruikersnaam.",
    "unknown account": "Onbekend account.",
    "unknown or inactive account": "Onbekend of niet actief account.",
    "a hand-over needs a reason": "Een overdracht heeft een reden nodig.",
    "request {} is {}": "Verzoek {0} is {1}.",
    "request {} is {}: its scope can no longer be corrected":
        "Verzoek {0} is {1}: de reikwijdte kan niet meer worden gecorrigeerd.",
    "after confirmation the order's scope can only be narrowed (a written order covering "
    "less than the verbal one); this correction widens it: {}":
        "Na bevestiging kan de reikwijdte van het bevel alleen worden ingeperkt (een "
        "schriftelijk bevel dat minder dekt dan het mondelinge); deze correctie verruimt "
        "haar: {0}.",
    "the window {} .. {} lies outside the order's windows":
        "het venster {0} .. {1} ligt buiten de tijd van het bevel",
    "location(s) not in the order: {}": "locatie(s) die het bevel niet noemde: {0}",
    "camera(s) not in the order: {}": "camera('s) die het bevel niet noemde: {0}",
    "every plate, where the order named plates":
        "alle kentekens, waar het bevel kentekens noemde",
    "the narrowed order covers none of the cameras the order covered; reject the request "
    "if the written order covers nothing of the verbal one":
        "Het ingeperkte bevel dekt geen van de camera's die het bevel dekte; wijs het verzoek "
        "af als het schriftelijke bevel niets van het mondelinge dekt.",
    "request {} is rejected: the results of its searches are no longer shown":
        "Verzoek {0} is afgewezen: de resultaten van de zoekvragen worden niet meer getoond.",
    "the request was handed over meanwhile": "Het verzoek is intussen overgedragen.",
    "hand over only to another authorised officer of the unit who is not in the investigation":
        "Draag alleen over aan een andere geautoriseerde opsporingsambtenaar van de eenheid "
        "die niet bij het onderzoek hoort.",
    "{} is not a recorded member": "{0} is geen vastgelegd lid.",
    "{} holds no grant on this request": "{0} heeft geen toegang tot dit verzoek.",
    "the requester of record is a requester's or an officer's account":
        "De vastgelegde aanvrager is het account van een aanvrager of een opsporingsambtenaar.",
    "an account without a unit cannot be given access":
        "Een account zonder eenheid kan geen toegang krijgen.",
    # casework/documents.py: the written order
    "the order document is empty": "Het document van het bevel is leeg.",
    "the order document is larger than {} MB": "Het document van het bevel is groter dan {0} MB.",
    "the PDF contains active content (JavaScript or launch actions) and is refused":
        "De PDF bevat actieve inhoud (JavaScript of startacties) en wordt geweigerd.",
    "the order document must be a PDF or a scan (PNG, JPEG, TIFF); this file is none of those":
        "Het document van het bevel moet een PDF of een scan (PNG, JPEG, TIFF) zijn; dit "
        "bestand is geen van beide.",
    "attach the order document as the multipart part 'document'":
        "Voeg het document van het bevel toe (als multipart-deel 'document').",
    # casework/enquiries.py, casework/search_gate.py: searches in a request
    "common-plate search needs a list of sites":
        "Een zoekvraag gemeenschappelijke kentekens heeft een lijst van plaatsen nodig.",
    "at most {} sites": "Ten hoogste {0} plaatsen.",
    "site {} must be an object": "Plaats {0} moet een object zijn.",
    "a pattern with only wildcards needs a camera selection":
        "Een patroon met alleen jokertekens heeft een camera-selectie nodig.",
    "unknown search kind {}; one of {}": "Onbekende soort zoekvraag {0}; kies een van: {1}.",
    "this search has already been run": "Deze zoekvraag is al uitgevoerd.",
    "the officer stopped this search after its preview":
        "De opsporingsambtenaar heeft deze zoekvraag na de telling gestopt.",
    "this search has already been run; its results are kept":
        "Deze zoekvraag is al uitgevoerd; de resultaten zijn veiliggesteld.",
    "the order's locations resolve to no camera": "De locaties van het bevel bevatten geen camera.",
    "request {} is {}: searches run only inside a confirmed request":
        "Verzoek {0} is {1}: zoekvragen lopen alleen binnen een bevestigd verzoek.",
    "window must be an object with start and end (ISO 8601 with offset)":
        "Het tijdvak moet een begin en een einde hebben.",
    "the selection resolves to no camera": "De selectie bevat geen camera.",
    "select cameras: give a drawn or picked selection or camera ids":
        "Kies camera's: teken of kies een selectie, of noem camera's.",
    "select cameras: give `selection` (drawn or picked) or `cameras`":
        "Kies camera's: teken of kies een selectie, of noem camera's.",
    "searches run inside a request: give the request_id of a confirmed request (R5: no "
    "search without a concrete request)":
        "Zoekvragen lopen binnen een verzoek: kies een bevestigd verzoek (R5: geen zoekvraag "
        "zonder concreet verzoek).",
    "results follow a count preview: give the enquiry_id the preview returned":
        "Resultaten volgen op een telling: voer eerst de telling uit.",
    "these results do not follow a preview of the same search in this request; preview it "
    "first":
        "Deze resultaten horen niet bij een telling van dezelfde zoekvraag in dit verzoek; "
        "voer eerst de telling uit.",
    "parameters must be an object": "De parameters moeten een object zijn.",
    # casework/photos.py: photos
    "blurred by the detector": "Vervaagd door de detector.",
    "blurring pending: the detector has not processed this photo yet":
        "Vervagen loopt: de detector heeft deze foto nog niet verwerkt.",
    "set aside by the detector: {}; the photo is not shown or provided":
        "Door de detector terzijde gelegd: {0}; de foto wordt niet getoond of geleverd.",
    "not queued for blurring; the unblurred photo is not shown or provided":
        "Niet aangeboden om te vervagen; de onvervaagde foto wordt niet getoond of geleverd.",
    "the order does not ask for photos; none are shown or provided (R8)":
        "Het bevel vraagt niet om foto's; er worden geen foto's getoond of geleverd (R8).",
    "page size must be 1 to {}": "De paginagrootte moet 1 tot {0} zijn.",
    "offset must be a non-negative whole number": "De positie (offset) moet een geheel getal van 0 of meer zijn.",
    "no photo of this passage among the request's results":
        "Er is geen foto van deze passage onder de resultaten van het verzoek.",
    "boxes must be a list of at most {} [x1, y1, x2, y2]":
        "De vakken moeten een lijst van ten hoogste {0} [x1, y1, x2, y2] zijn.",
    "box {}: give four numbers x1, y1, x2, y2": "Vak {0}: geef vier getallen x1, y1, x2, y2.",
    "box {} lies outside the photo ({} x {} pixels)":
        "Vak {0} ligt buiten de foto ({1} x {2} pixels).",
    "box {} is too small to blur anything": "Vak {0} is te klein om iets te vervagen.",
    "request {} is {}: photos are approved before provision":
        "Verzoek {0} is {1}: foto's worden goedgekeurd vóór het leveren.",
    "the photo of passage {} has already been approved; its blurred copy is final":
        "De foto van passage {0} is al goedgekeurd; de vervaagde kopie is definitief.",
    "the stored photo cannot be read": "De opgeslagen foto kan niet worden gelezen.",
    "the approved photo could not be encoded": "De goedgekeurde foto kon niet worden opgeslagen.",
    "this photo has just been approved by someone else":
        "Deze foto is zojuist door iemand anders goedgekeurd.",
    "send 1 to {} photos, each {{passage_id, boxes}}":
        "Stuur 1 tot {0} foto's, elk met passage en vakken.",
    "photo {}: give its passage_id": "Foto {0}: noem de passage.",
    "photo {}: passage {} is listed twice": "Foto {0}: passage {1} staat er twee keer in.",
    "no photo of passage {} among the request's results":
        "Er is geen foto van passage {0} onder de resultaten van het verzoek.",
    "no plate crop for this read in your requests":
        "Er is geen uitsnede van het kenteken van deze lezing in uw verzoeken.",
    # casework/provision.py: the one-time package
    "request {} is {}; a package is made once for a confirmed request":
        "Verzoek {0} is {1}; een pakket wordt eenmaal gemaakt voor een bevestigd verzoek.",
    "this unit holds provision until the written order is attached (due {})":
        "Deze eenheid houdt het leveren aan tot het schriftelijke bevel is toegevoegd "
        "(uiterlijk {0}).",
    "no search of this request has run: there is nothing to provide":
        "Er is nog geen zoekvraag van dit verzoek uitgevoerd: er is niets te leveren.",
    "{} plate read(s) are not verified yet; verify them before provision":
        "{0} kentekenlezing(en) nog niet geverifieerd; verifieer ze vóór het leveren.",
    "{} photo(s) are still waiting for the detector (blurring pending); provide when they are "
    "blurred and approved":
        "{0} foto('s) wachten nog op de detector (vervagen loopt); lever wanneer ze vervaagd "
        "en goedgekeurd zijn.",
    "{} photo(s) are not approved yet; the order asks for photos, so approve them (blurred) "
    "before provision":
        "{0} foto('s) nog niet goedgekeurd; het bevel vraagt om foto's, dus keur ze (vervaagd) "
        "goed vóór het leveren.",
    "the package of this request has already been provided":
        "Het pakket van dit verzoek is al geleverd.",
    "a request is completed after its package has been provided":
        "Een verzoek wordt afgerond nadat het pakket is geleverd.",
    "nothing has been provided for this request yet": "Voor dit verzoek is nog niets geleverd.",
    "{} is not a file of this provision; the files are {}":
        "{0} is geen bestand van deze levering; de bestanden zijn: {1}.",
    # casework/requests.py: registering, confirming, correcting, rejecting a request
    "unknown {}(s) in the order's scope: {}": "Onbekende {0} in de reikwijdte van het bevel: {1}.",
    "search for a fugitive (art. 564 Sv)": "Opsporing van een voortvluchtige (art. 564 Sv).",
    "name the crime, or mark the request as a fugitive search":
        "Noem het misdrijf, of markeer het verzoek als opsporing van een voortvluchtige.",
    "unknown crime code {}": "Onbekende misdrijfcode {0}.",
    "{} ({}) does not allow pre-trial detention (art. 67 lid 1 Sv): a 126jj search may not be "
    "ordered for it":
        "{0} ({1}) is geen misdrijf waarvoor voorlopige hechtenis is toegelaten (art. 67 lid 1 "
        "Sv): een 126jj-bevel is daarvoor niet mogelijk.",
    "{} ({}): art. 67 lid 1 Sv applies": "{0} ({1}): art. 67 lid 1 Sv is van toepassing.",
    "{} is required": "{0} is verplicht.",
    "{} is too long": "{0} is te lang.",
    "the order's date lies in the future": "De datum van het bevel ligt in de toekomst.",
    "the time the request came in lies in the future":
        "Het tijdstip van ontvangst van het verzoek ligt in de toekomst.",
    "order kind must be written or verbal": "Het bevel is schriftelijk of mondeling.",
    "{} must be true or false": "{0}: kies ja of nee.",
    "crime code must be a code from the list of crimes":
        "De misdrijfcode moet een code uit de lijst van misdrijven zijn.",
    "convoy band must be 0 to 60 minutes": "De konvooiband moet 0 tot 60 minuten zijn.",
    "registration system must be BVH or Summ-IT": "Het registratiesysteem is BVH of Summ-IT.",
    "investigation number and name are required": "Nummer en naam van het onderzoek zijn verplicht.",
    "investigation number or name is too long": "Nummer of naam van het onderzoek is te lang.",
    "investigation must be an object with system, number and name":
        "Het onderzoek heeft een systeem, een nummer en een naam nodig.",
    "request {} is {}, not awaiting confirmation":
        "Verzoek {0} is {1} en wacht niet op bevestiging.",
    "changes must be an object of field names and new values":
        "De wijzigingen moeten velden met hun nieuwe waarde zijn.",
    "a correction needs a reason": "Een correctie heeft een reden nodig.",
    "the reason of a correction is too long": "De reden van de correctie is te lang.",
    "these fields cannot be changed: {}": "Deze velden kunnen niet worden gewijzigd: {0}.",
    "another change to the same data came in at the same moment; nothing was changed: "
    "try again":
        "Tegelijk kwam een andere wijziging van dezelfde gegevens binnen; er is niets "
        "gewijzigd: probeer het opnieuw.",
    "a rejection needs a reason": "Een afwijzing heeft een reden nodig.",
    "the reason of a rejection is too long": "De reden van de afwijzing is te lang.",
    "only a request not yet confirmed can be cancelled; reject it instead":
        "Alleen een nog niet bevestigd verzoek kan worden geannuleerd; wijs het anders af.",
    "scope must be an object": "De reikwijdte moet een object zijn.",
    "scope window {}: needs start and end": "Tijdvak {0} van het bevel: begin en einde zijn nodig.",
    "window {}: the end lies before the start": "Tijdvak {0}: het einde ligt vóór het begin.",
    "window {}: longer than 28 days, more than the store holds":
        "Tijdvak {0}: langer dan 28 dagen, meer dan de opslag bewaart.",
    "the order's scope needs at least one time window":
        "Het bevel heeft ten minste één tijdvak nodig.",
    "plate {}: only letters and digits": "Kenteken {0}: alleen letters en cijfers.",
    "pattern {}: letters, digits, ? and *, and not only wildcards":
        "Patroon {0}: letters, cijfers, ? en *, en niet alleen jokertekens.",
    "scope areas must be a list of selections": "De gebieden van het bevel moeten een lijst van selecties zijn.",
    "the order's scope holds at most 50 drawn areas": "Het bevel bevat ten hoogste 50 getekende gebieden.",
    "scope area {}: {}": "Gebied {0} van het bevel: {1}",
    "the order's scope needs locations: cameras, locations or drawn areas":
        "Het bevel heeft locaties nodig: camera's, locaties of getekende gebieden.",
    "scope {} must be a list of ids": "{0} van het bevel moeten een lijst van id's zijn.",
    "too many {} in the scope": "Te veel {0} in het bevel.",
    # casework/results.py: held results
    "this search has not run yet: it holds no results":
        "Deze zoekvraag is nog niet uitgevoerd: er zijn geen resultaten.",
    "limit must be between 0 and {}": "Het aantal per pagina moet tussen 0 en {0} liggen.",
    "sort must be one of {}": "Sorteer op een van: {0}.",
    "buckets must be a whole number": "Het aantal staven moet een geheel getal zijn.",
    "buckets must be between 1 and 500": "Het aantal staven moet tussen 1 en 500 liggen.",
    "only a route search (Q6) has a route": "Alleen een routezoekvraag (Q6) heeft een route.",
    "{} must be text of at most {} characters": "{0} moet tekst van ten hoogste {1} tekens zijn.",
    "state must be one of {}": "De verificatiestatus is een van: {0}.",
    "to must be after from": "Het einde moet na het begin liggen.",
    # casework/enquiries.py: one search pipeline, every partner or plate held (issue 13)
    "the convoy search found {} partners, more than the {} one search may hold: nothing "
    "was held; narrow the window or the band, or ask for more shared passages":
        "De konvooizoekvraag vond {0} meerijders, meer dan de {1} die één zoekvraag mag "
        "vasthouden: er is niets veiliggesteld; verklein het tijdvak of de band, of vraag "
        "om meer gedeelde passages.",
    "the common-plate search found {} plates, more than the {} one search may hold: "
    "nothing was held; narrow the sites' windows or ask for more sites (k)":
        "De zoekvraag gemeenschappelijke kentekens vond {0} kentekens, meer dan de {1} die "
        "één zoekvraag mag vasthouden: er is niets veiliggesteld; verklein de tijdvakken van "
        "de plaatsen of vraag om meer plaatsen (k).",
    # casework/verification.py: verifying reads
    "send 1 to 500 verdicts": "Stuur 1 tot 500 oordelen.",
    # casework/verification.py: the question of a read and the page with its spot-check
    # (issues 18 and 15)
    "ordered_plate must be the plate the crop was compared with":
        "Het gevraagde kenteken moet het kenteken zijn waarmee de uitsnede is vergeleken.",
    "passage {} is compared with another plate in this request: name its ordered_plate as "
    "the reads list gives it":
        "Passage {0} wordt in deze aanvraag met een ander kenteken vergeleken: noem het "
        "gevraagde kenteken zoals de lijst met lezingen het geeft.",
    "passage {} has two different verdicts": "Passage {0} heeft twee verschillende oordelen.",
    "confirm_rest must be true or false":
        "Het bevestigen van de overige lezingen is waar of onwaar.",
    "page must be the id of a page of reads (from the reads list)":
        "De pagina moet het kenmerk zijn van een pagina met lezingen (uit de lijst met lezingen).",
    "verdicts are given on a page of reads: load the reads and send the page's id with its "
    "verdicts":
        "Oordelen worden per pagina met lezingen gegeven: laad de lezingen en stuur het "
        "kenmerk van de pagina met de oordelen mee.",
    "this page of reads is unknown, expired or already used: load the reads again":
        "Deze pagina met lezingen is onbekend, verlopen of al gebruikt: laad de lezingen "
        "opnieuw.",
    "some verdicts name reads that are not on this page: load the reads again":
        "Sommige oordelen gaan over lezingen die niet op deze pagina staan: laad de lezingen "
        "opnieuw.",
    "answer the spot-check first: read {} of this page needs its own verdict before the "
    "page's verdicts are accepted":
        "Beantwoord eerst de steekproef: lezing {0} van deze pagina heeft een eigen oordeel "
        "nodig voordat de oordelen van de pagina worden aanvaard.",
    "each verdict needs passage_id, captured_at and verdict (confirmed or rejected)":
        "Elk oordeel heeft een passage, een tijdstip en een oordeel (bevestigd of verworpen) nodig.",
    "each verdict needs passage_id and captured_at": "Elk oordeel heeft een passage en een tijdstip nodig.",
    "captured_at needs its UTC offset": "Het tijdstip van de lezing heeft zijn tijdzone nodig.",
    "some reads are not results of this request's plate searches":
        "Sommige lezingen zijn geen resultaten van de kentekenzoekvragen van dit verzoek.",
    "page size must be one of {}": "De paginagrootte is een van: {0}.",
    # gis/crs.py, gis/geometry.py, gis/registry_queries.py, gis/selection.py: areas and selections
    "{} {} is not offered; use one of {}": "{0} {1} wordt niet aangeboden; gebruik een van: {2}.",
    "bbox must be four numbers in the axis order of bbox-crs":
        "Het kader (bbox) moet vier getallen zijn in de asvolgorde van bbox-crs.",
    "bbox must be four numbers: lower corner, upper corner (min < max)":
        "Het kader (bbox) moet vier getallen zijn: onderhoek, bovenhoek (min < max).",
    "bbox lies outside the area where {} is defined":
        "Het kader (bbox) ligt buiten het gebied waar {0} gedefinieerd is.",
    "bbox must be four numbers: minlon,minlat,maxlon,maxlat":
        "Het kader (bbox) moet vier getallen zijn: minlon,minlat,maxlon,maxlat.",
    "bbox must be four numbers: minlon,minlat,maxlon,maxlat (min < max)":
        "Het kader (bbox) moet vier getallen zijn: minlon,minlat,maxlon,maxlat (min < max).",
    "bbox must be in WGS84 degrees": "Het kader (bbox) moet in WGS84-graden zijn.",
    "geometry has non-finite coordinates": "De geometrie heeft ongeldige coördinaten.",
    "coordinates are not WGS84 longitude/latitude (are they RD metres?)":
        "De coördinaten zijn geen WGS84-lengte/breedte (zijn het RD-meters?).",
    "geometry lies (partly) outside the Netherlands": "Het gebied ligt (deels) buiten Nederland.",
    "an area must be a Polygon or MultiPolygon": "Een gebied moet een vlak (Polygon of MultiPolygon) zijn.",
    "invalid polygon: {}": "Ongeldig vlak: {0}.",
    "polygon has no area": "Het vlak heeft geen oppervlakte.",
    "area of {} km2 is larger than the {} km2 allowed":
        "Een gebied van {0} km² is groter dan de toegestane {1} km².",
    "a circle's centre must be a Point": "Het middelpunt van een cirkel moet een punt zijn.",
    "radius_m must be between 1 and {}": "De straal moet tussen 1 en {0} meter liggen.",
    "a corridor follows a LineString": "Een corridor volgt een lijn.",
    "a corridor line needs at least two distinct points":
        "Een corridorlijn heeft ten minste twee verschillende punten nodig.",
    "buffer_m must be between 1 and {}": "De breedte van de corridor moet tussen 1 en {0} meter liggen.",
    "{} must be a number": "{0} moet een getal zijn.",
    "{} must be finite": "{0} moet een eindig getal zijn.",
    "geometry is not valid JSON: {}": "De geometrie is geen geldige JSON: {0}",
    "geometry must be a GeoJSON object": "De geometrie moet een GeoJSON-object zijn.",
    "the Feature has no geometry": "Het object (Feature) heeft geen geometrie.",
    "geometry type {} is not accepted; use one of {}":
        "Geometrietype {0} wordt niet aanvaard; gebruik een van: {1}.",
    "geometry has no coordinates": "De geometrie heeft geen coördinaten.",
    "malformed {} coordinates: {}": "Onjuiste {0}-coördinaten: {1}",
    "geometry is empty": "De geometrie is leeg.",
    "geometry has {} vertices; at most {} are accepted":
        "De geometrie heeft {0} hoekpunten; ten hoogste {1} worden aanvaard.",
    "no location with code {}": "Er is geen locatie met code {0}.",
    "no camera with id {}": "Er is geen camera met id {0}.",
    "selection must be a JSON object": "De selectie moet een JSON-object zijn.",
    "unknown selection kind {}": "Onbekende soort selectie {0}.",
    "inout must be 'in' or 'out'": "De richting is 'in' of 'uit'.",
    "lanes must be a list of lane numbers 1..12": "De rijstroken zijn een lijst van nummers 1..12.",
    # camera_registry.registry.check_can_be_active: the problems joined by "; "
    "camera {} cannot become active: {}": "Camera {0} kan niet actief worden: {1}.",
    "it has neither a lane nor a bearing: draw its lane in the direction of travel or state "
    "its bearing": "ze heeft geen rijstrook en geen koers: teken haar rijstrook in de "
                   "rijrichting of geef haar koers",
    "its lane is drawn towards {} degrees but its bearing is {} degrees: redraw the lane in "
    "the direction of travel or correct the bearing":
        "haar rijstrook is getekend richting {0} graden maar haar koers is {1} graden: teken "
        "de rijstrook opnieuw in de rijrichting of verbeter de koers",
    "its lane lies {} m from location {} (at most {} m): move the lanes with the location or "
    "redraw the lane": "haar rijstrook ligt {0} m van locatie {1} (ten hoogste {2} m): "
                       "verplaats de rijstroken met de locatie of teken de rijstrook opnieuw",
    "{} must be a list of ids": "{0} moeten een lijst van id's zijn.",
    "too many {}": "Te veel {0}.",
    "a selection needs a geometry or at least one location, group or camera":
        "Een selectie heeft een getekend gebied of ten minste één locatie, groep of camera nodig.",
    # gis/search/: the searches Q1-Q6 and the order's scope
    "{} must be a whole number": "{0} moet een geheel getal zijn.",
    "offset must be between 0 and 10,000,000": "De positie (offset) moet tussen 0 en 10.000.000 liggen.",
    "a block query needs a camera selection; it resolves to no camera":
        "Een blokbevraging heeft een camera-selectie nodig; deze bevat geen camera.",
    "give between 2 and {} sites": "Geef 2 tot {0} plaatsen.",
    "k must be a whole number of at least 2": "k moet een geheel getal van ten minste 2 zijn.",
    "k = {} is larger than the number of sites ({})":
        "k = {0} is groter dan het aantal plaatsen ({1}).",
    "site {} resolves to no camera": "Plaats {0} bevat geen camera.",
    "pattern {} has no fixed first or last character; it would search every passage, so it "
    "needs a camera selection":
        "Patroon {0} heeft geen vast eerste of laatste teken; het zou elke passage doorzoeken "
        "en heeft dus een camera-selectie nodig.",
    "a pattern must be text": "Een patroon moet tekst zijn.",
    "pattern {} may contain only A-Z, 0-9, '?' (one character) and '*' (any run), at most 12 "
    "characters":
        "Patroon {0} mag alleen A-Z, 0-9, '?' (één teken) en '*' (een willekeurige reeks) "
        "bevatten, ten hoogste 12 tekens.",
    "cameras must be a list of camera ids": "Camera's moeten een lijst van camera-id's zijn.",
    "at most {} cameras per search": "Ten hoogste {0} camera's per zoekvraag.",
    "the camera selection is empty: it resolves to no camera":
        "De camera-selectie is leeg: er valt geen camera in.",
    "{} must be between {} and {}": "{0} moet tussen {1} en {2} liggen.",
    "scope needs at least one time window": "Het bevel heeft ten minste één tijdvak nodig.",
    "scope windows must be objects": "De tijdvakken van het bevel moeten objecten zijn.",
    "scope convoy_minutes must be a number": "De konvooiband van het bevel moet een getal zijn.",
    "scope patterns must be a list": "De patronen van het bevel moeten een lijst zijn.",
    "the window {} .. {} lies outside the order's time ({})":
        "Het tijdvak {0} – {1} ligt buiten de tijd van het bevel ({2}).",
    "the order allows only its own cameras; select cameras inside it":
        "Het bevel staat alleen zijn eigen camera's toe; kies camera's binnen het bevel.",
    "{} selected camera(s) lie outside the order: {}":
        "{0} gekozen camera('s) vallen buiten het bevel: {1}.",
    "plate {} is not named in the order": "Kenteken {0} staat niet in het bevel.",
    "pattern {} is not in the order": "Patroon {0} staat niet in het bevel.",
    "the order names plates; a {} returns all plates and goes beyond it":
        "Het bevel noemt kentekens; een {0} geeft alle kentekens en gaat verder dan het bevel.",
    "{} is not an ISO 8601 time: {}": "{0} is geen geldig tijdstip: {1}.",
    "{} must be an ISO 8601 time with a UTC offset": "{0} moet een tijdstip met tijdzone zijn.",
    "{} has no UTC offset; give one (e.g. +01:00 or Z) so the time is unambiguous across "
    "daylight saving changes":
        "{0} heeft geen tijdzone; geef die op (bijv. +01:00) zodat het tijdstip rond de "
        "overgang van zomer- naar wintertijd eenduidig is.",
    "{} ends before it starts ({} .. {})": "{0}: het einde ligt vóór het begin ({1} – {2}).",
    "{} is longer than {} days; passages are kept only {} days":
        "{0} is langer dan {1} dagen; passages worden maar {2} dagen bewaard.",
    "a plate must be text": "Een kenteken moet tekst zijn.",
    "plate {} has characters outside A-Z and 0-9 or is not 1 to 12 characters long":
        "Kenteken {0} heeft tekens buiten A-Z en 0-9 of is niet 1 tot 12 tekens lang.",
    "give at least one plate": "Geef ten minste één kenteken.",
    "at most {} plates per search": "Ten hoogste {0} kentekens per zoekvraag.",
    # webmap/: request bodies, pages, the map's and analyst's JSON
    "{} contains {}": "{0} bevat {1}.",
    "give the requester's account (id or username), or null":
        "Noem het account van de aanvrager (id of gebruikersnaam), of laat het leeg.",
    "your account has no unit: no requests can be seen or registered":
        "Uw account hoort niet bij een eenheid: er zijn geen verzoeken te zien of te registreren.",
    "the database is unavailable; retry the batch": "De database is niet bereikbaar; probeer het opnieuw.",
    "the multipart body needs a 'records' part": "Het multipart-bericht heeft een deel 'records' nodig.",
    "the body is not valid JSON": "De gegevens zijn geen geldige JSON.",
    "the body needs a 'records' array": "De gegevens hebben een lijst 'records' nodig.",
    "send multipart/form-data (records + photo parts) or application/json":
        "Stuur multipart/form-data (records en foto's) of application/json.",
    "limit must be a whole number": "Het aantal (limit) moet een geheel getal zijn.",
    "misreads (including probable misreads) must be true or false":
        "misreads (inclusief waarschijnlijk verkeerd gelezen kentekens) moet true of false "
        "zijn.",
    "misreads (including probable misreads) applies to plate, convoy, common and route "
    "searches only":
        "misreads (inclusief waarschijnlijk verkeerd gelezen kentekens) geldt alleen voor "
        "zoekvragen op kenteken, konvooi, gemeenschappelijke kentekens en route.",
    "limit must be at least 1": "Het aantal (limit) moet ten minste 1 zijn.",
    "offset must be a whole number": "De positie (offset) moet een geheel getal zijn.",
    "offset must not be negative": "De positie (offset) mag niet negatief zijn.",
    "no feature {} in {}": "Er is geen object {0} in {1}.",
    "f is json or html": "Het formaat (f) is json of html.",
    "no collection {}": "Er is geen verzameling {0}.",
    "{} is nested too deeply": "{0} is te diep genest.",
    "send the body as application/json": "Stuur de gegevens als application/json.",
    "the body must be a JSON object": "De gegevens moeten een JSON-object zijn.",
    "{} must be a whole number from {} to {}": "{0} moet een geheel getal van {1} tot {2} zijn.",
    "{} {} is not a date (YYYY-MM-DD)": "{0} {1} is geen datum (JJJJ-MM-DD).",
    "a number in the body is outside the 64-bit integer range":
        "Een getal in de gegevens is te groot (buiten het 64-bits bereik).",
    "the number {} in the body is out of range": "Het getal {0} in de gegevens valt buiten het bereik.",
    "{} is not a number JSON allows": "{0} is geen getal dat JSON toestaat.",
    "{} is nested more than {} levels deep": "{0} is meer dan {1} niveaus diep genest.",
    "{} holds a number outside the 64-bit integer range":
        "{0} bevat een getal buiten het 64-bits bereik.",
    "there is no published camera plan for {}": "Er is geen gepubliceerd cameraplan voor {0}.",
    "chief (the ratifying chief of police) is required":
        "De vaststellende politiechef (chief) is verplicht.",
    "effective_from is required": "De ingangsdatum (effective_from) is verplicht.",
    "from and to are required years, e.g. ?from=2025&to=2026":
        "Van en tot zijn verplichte jaren, bijv. ?from=2025&to=2026.",
    "locations must be a list of location codes": "Locaties moeten een lijst van locatiecodes zijn.",
    "unknown field(s): {}": "Onbekende velden: {0}.",
    "{} must be text": "{0} moet tekst zijn.",
    "code (a location code) is required": "De locatiecode (code) is verplicht.",
    "a lane is a GeoJSON LineString in the direction of travel":
        "Een rijstrook is een lijn (GeoJSON LineString) in de rijrichting.",
    "a move gives both lon and lat": "Een verplaatsing geeft zowel lengte (lon) als breedte (lat).",
    "move_lanes is true or false": "move_lanes is waar of onwaar.",
    "active_from (YYYY-MM-DD) is required": "De begindatum (active_from, JJJJ-MM-DD) is verplicht.",
    "segment_direction is 1 or -1": "De wegrichting (segment_direction) is 1 of -1.",
    "start (ISO 8601 with offset) is required": "Het begin (start, met tijdzone) is verplicht.",
    "polygon (pixel [x, y] points on the reference frame) is required":
        "Het vlak (pixels [x, y] op het referentiebeeld) is verplicht.",
    "width and height are whole pixels": "Breedte en hoogte zijn hele pixels.",
    "width and height are whole pixels from 1 to {}": "Breedte en hoogte zijn hele pixels van 1 tot {0}.",
    "send the frame as the request body (image/jpeg or image/png) or as form field 'frame'":
        "Stuur het beeld als JPEG of PNG (of als formulierveld 'frame').",
    "the frame is larger than {} MB": "Het beeld is groter dan {0} MB.",
    "camera {} has no processed frame to show": "Camera {0} heeft geen verwerkt beeld om te tonen.",
    "the frame cannot be used: {}": "Het beeld kan niet worden gebruikt: {0}.",
    "a reference frame is at most {} pixels each way":
        "Een referentiebeeld is ten hoogste {0} pixels in elke richting.",
    "{} is too long (at most 2000 characters)": "{0} is te lang (ten hoogste 2000 tekens).",
    "{} {} is not a time (ISO 8601 with offset)": "{0} {1} is geen tijdstip (met tijdzone).",
    "{} needs an explicit UTC offset, e.g. 2026-05-01T08:00+02:00":
        "{0} heeft een tijdzone nodig, bijv. 2026-05-01T08:00+02:00.",
    "from and to must be dates (YYYY-MM-DD)": "Van en tot moeten datums zijn (JJJJ-MM-DD).",
    "the period must run forward and span at most ten years":
        "De periode moet vooruit lopen en ten hoogste tien jaar beslaan.",
    "no table {}": "Er is geen tabel {0}.",
    "year out of range": "Het jaar valt buiten het bereik.",
    "order must be asc or desc": "De volgorde is oplopend (asc) of aflopend (desc).",
    "sites must be a list of {{name, window, selection or cameras}}":
        "De plaatsen moeten een lijst zijn, elk met naam, tijdvak en selectie of camera's.",
    "each site must be an object": "Elke plaats moet een object zijn.",
    "format must be one of {}": "Het formaat is een van: {0}.",
    "{} must be an object with start and end (ISO 8601 with offset)":
        "{0} moet een begin en een einde hebben (met tijdzone).",
    "the request is larger than the {} MB this address takes":
        "Het verzoek is groter dan de {0} MB die dit adres aanneemt.",
    # gis/export.py: a route as files
    "a route as GeoJSON is one file per layer: give layer {} or {}":
        "Een route als GeoJSON is één bestand per laag: geef laag {0} of {1}.",
    # camera_registry/ and detector/frames.py: the plan editors' messages
    **REGISTRY,
    # ingest/images.py: the photo store behind the photos pages
    "no such image": "Deze foto bestaat niet (meer).",
    "the key is destroyed or was never made":
        "De sleutel van deze foto is vernietigd of nooit gemaakt; de foto is niet meer te lezen.",
    "not a secured photo": "Dit is geen veiliggestelde foto.",
    "the enquiry's key is destroyed or was never made":
        "De sleutel van deze zoekvraag is vernietigd of nooit gemaakt; de foto is niet meer te "
        "lezen.",
    "the photo cannot be decrypted": "De foto kan niet worden ontsleuteld.",
    "the photo cannot be read (too many successors)":
        "De foto kan niet worden gelezen (te veel opvolgers).",
    "the successor photo is not in the store": "De opvolgende foto staat niet in de opslag.",
    "no such secured photo for this enquiry":
        "Deze zoekvraag heeft geen veiliggestelde foto met deze aanduiding.",
    "ANPR_IMAGE_STORE is s3:// but boto3 is not installed (pip install '.[s3]')":
        "ANPR_IMAGE_STORE is s3://, maar boto3 is niet geïnstalleerd (pip install '.[s3]'); "
        "meld dit aan de beheerder.",
    "ANPR_IMAGE_STORE s3:// needs a bucket name":
        "ANPR_IMAGE_STORE s3:// heeft een bucketnaam nodig; meld dit aan de beheerder.",
    "ANPR_IMAGE_STORE must be 'file' or 's3://bucket/prefix'":
        "ANPR_IMAGE_STORE moet 'file' of 's3://bucket/prefix' zijn; meld dit aan de beheerder.",
    "ANPR_IMAGE_MASTER_KEY must be base64 of exactly 32 bytes":
        "ANPR_IMAGE_MASTER_KEY moet base64 van precies 32 bytes zijn; meld dit aan de beheerder.",
    # ingest/intake.py: a camera's batch of records
    "the batch holds no records": "De partij bevat geen records.",
    "records must be a JSON array or JSON Lines":
        "De records moeten een JSON-lijst of JSON Lines zijn.",
    "a batch holds at most {} records; this one has {}":
        "Een partij bevat ten hoogste {0} records; deze heeft er {1}.",
    "this server does not accept photos": "Deze server neemt geen foto's aan.",
    "{} of {} records were rejected; nothing of this batch was stored":
        "{0} van de {1} records zijn geweigerd; niets van deze partij is opgeslagen.",
    # webmap/schemas.py: a body that does not fit its schema (x-message, then _problem)
    "geometry must be a GeoJSON object (WGS84)": "De geometrie moet een GeoJSON-object (WGS84) zijn.",
    "unknown selection kind: give polygon, rectangle, circle, corridor or pick":
        "Onbekende soort selectie: kies vlak, rechthoek, cirkel, corridor of aanwijzen.",
    "the order's scope needs at least one time window (at most 50)":
        "Het bevel heeft ten minste één tijdvak nodig (ten hoogste 50).",
    "{} needs at least {} item(s)": "{0} heeft ten minste {1} element(en) nodig.",
    "{} needs at most {} item(s)": "{0} heeft ten hoogste {1} element(en).",
    "{} is too short": "{0} is te kort.",
    "{} is out of range ({} {})": "{0} valt buiten het bereik ({1} {2}).",
    "{} does not match any of the accepted forms": "{0} heeft geen van de aanvaarde vormen.",
    "unknown {} {}: give {}": "Onbekende {0} {1}: geef {2}.",
    "{} must be {}": "{0} moet {1} zijn.",
}

# Messages that are already Dutch in the source: shown as they are.
DUTCH_ALREADY = [
    "een correctie zonder wijzigingen: noem de velden en hun nieuwe waarde",
    "het onderzoek van een aanvraag kan niet worden gecorrigeerd; registreer een nieuwe aanvraag",
    ("{} kan niet worden gecorrigeerd: daaraan hangen wettelijke termijnen (72 uur voor het "
     "schriftelijke bevel, art. 8 AMvB); annuleer of wijs de aanvraag af en registreer haar opnieuw"),
    ("een mondeling bevel wordt niet schriftelijk door een correctie: voeg het document van het "
     "schriftelijke bevel toe (written-order)"),
    ("na bevestiging kan het bevel niet worden verruimd met foto's; registreer een nieuwe aanvraag "
     "op een nieuw bevel"),
    ("na bevestiging kan de konvooiband niet worden verruimd; registreer een nieuwe aanvraag op "
     "een nieuw bevel"),
    ("het document van het bevel is al toegevoegd en wordt na bevestiging niet vervangen; is "
     "het verkeerde document toegevoegd, wijs de aanvraag dan af en registreer haar opnieuw"),
    ("na bevestiging kan de markering 'buitenlands verzoek' niet worden gewijzigd: de "
     "zoekvragen en de levering zijn ermee vastgelegd; wijs de aanvraag af en registreer haar "
     "opnieuw"),
    "correctie geweigerd: {}",
    ("{} lezing(en) zonder uitsnede: niet te verifiëren, er kan geen oordeel over worden gegeven "
     "(passage {})"),
    "het bevel staat een konvooizoekvraag toe van ten hoogste +/- {} minuten",
    "{} moet een geheel getal van {} tot {} zijn",
    ("het bevel staat een konvooizoekvraag toe van ten hoogste +/- {} minuten; gevraagd is +/- {} "
     "minuten"),
    "Uw account hoort niet bij een eenheid: er zijn geen verzoeken te zien.",
    "misreads moet true of false zijn (inclusief waarschijnlijke misleesingen)",
]
for _t in DUTCH_ALREADY:
    TABLE.setdefault(_t, "".join(
        lit.replace("{", "{{").replace("}", "}}") + (f"{{{i}}}" if field is not None else "")
        for i, (lit, field, _s, _c) in enumerate(string.Formatter().parse(_t))))


# ISO 8601 times as the server writes them (datetime.isoformat, also with a space or 'Z').
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})")


def local_time(text: str) -> str:
    """Every ISO 8601 time with an offset in ``text``, written in Amsterdam local time."""
    def one(m: re.Match) -> str:
        raw = m.group(0).replace("Z", "+00:00").replace(" ", "T")
        try:
            t = datetime.fromisoformat(raw).astimezone(AMSTERDAM)
        except ValueError:
            return m.group(0)
        return t.strftime("%d-%m-%Y %H:%M:%S" if t.second else "%d-%m-%Y %H:%M")
    return _ISO.sub(one, text)


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, str]]:
    out = []
    for english, dutch in TABLE.items():
        rx, literal = "", 0
        for lit, field, _spec, _conv in string.Formatter().parse(english):
            rx += re.escape(lit)
            literal += len(lit)
            if field is not None:
                rx += "(.*?)"
        out.append((literal, re.compile(rx, re.DOTALL), dutch))
    # The most specific template first: "no request {}" before "{} is required".
    out.sort(key=lambda t: -t[0])
    return [(rx, dutch) for _n, rx, dutch in out]


def _part(value: str) -> str:
    """A variable part in Dutch: a nested refusal translated, a status or a search kind
    named as the pages do, a time in Amsterdam local time."""
    if value in WORDS:
        return WORDS[value]
    if _CHOICES.fullmatch(value):
        return value.replace(" or ", " of ")
    field = _field(value)
    if field:
        return field
    if "; " in value:  # several nested refusals, each put in Dutch
        pieces = [translate(p, _nested=True) for p in value.split("; ")]
        if all(pieces):
            return "; ".join(p.rstrip(".") for p in pieces)
    if " " in value.strip():
        inner = translate(value, _nested=True)
        if inner is not None:
            inner = inner.rstrip(".")
            if len(inner) > 1 and not inner[1].isupper():
                inner = inner[0].lower() + inner[1:]
            return inner
    return local_time(value).replace(" .. ", " – ")


def translate(message: str, *, _nested: bool = False) -> str | None:
    """The Dutch of one refusal ``message``, or None when the table has no entry for it."""
    text = message.strip()
    for rx, dutch in _patterns():
        m = rx.fullmatch(text)
        if m:
            out = dutch.format(*(_part(g) for g in m.groups()))
            # A sentence that opens with a variable part ("het begin van ...") opens upper.
            return out[:1].upper() + out[1:] if dutch.startswith("{") and not _nested else out
    return None


FALLBACK = {400: "De invoer is niet geldig.", 401: "Log eerst in.",
            403: "Dit is niet toegestaan.", 404: "Niet gevonden.",
            405: "Deze handeling is op dit adres niet mogelijk.",
            # Not "of the request": the registry, plans and accounts answer 409 too.
            409: "Dit kan nu niet: de huidige toestand staat het niet toe.",
            413: "De gegevens zijn te groot.", 415: "Dit soort gegevens wordt niet aanvaard.",
            429: "Te veel verzoeken; probeer het zo opnieuw.",
            503: "De database is niet bereikbaar; probeer het later opnieuw."}


def fallback(status: int) -> str:
    """A general Dutch sentence for a refusal without an entry (never the English)."""
    if status in FALLBACK:
        return FALLBACK[status]
    if status >= 500:
        return "Er ging iets mis op de server; het is vastgelegd."
    return "Het verzoek is geweigerd."


def bericht(message: str, status: int) -> str:
    """What the pages show: the Dutch of ``message``, or the general sentence."""
    return translate(message) or fallback(status)


def dutch(text: str | None) -> str:
    """A stored text that may be a refusal's English (a request registered as rejected keeps
    its qualification's reason): its Dutch, else the text as it is (an officer's own words)."""
    if not text:
        return ""
    return translate(text) or text
