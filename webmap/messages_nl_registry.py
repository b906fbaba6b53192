"""Dutch for the camera-plan editors' refusals: the registry editor, the yearly plan and
its amendments, the published plan's downloads, the registry exchange and the frames an
editor uploads to draw privacy masks on. One part of :data:`webmap.messages_nl.TABLE`
(in its place there, so the order of templates of equal length is kept), kept apart
because the editors' tools are a product of their own beside the officers' casework.
"""
from __future__ import annotations

REGISTRY: dict[str, str] = {
    # camera_registry/registry.py: the registry editor (locations, cameras, masks)
    "the acting user is required for every registry change":
        "Bij elke wijziging van het register hoort de gebruiker die haar doet.",
    "there is no location {}": "Er is geen locatie {0}.",
    "lon and lat must be numbers (WGS84 degrees)":
        "Lengte (lon) en breedte (lat) moeten getallen zijn (WGS84-graden).",
    "location code {} does not follow the naming scheme UNIT-ROAD-SEQ (e.g. AM-A10-003)":
        "Locatiecode {0} volgt de naamgeving EENHEID-WEG-VOLGNUMMER niet (bijv. AM-A10-003).",
    "location code {} does not start with its unit {}":
        "Locatiecode {0} begint niet met haar eenheid {1}.",
    "hectometre is the road's hectometre post, from 0 to 99999.9":
        "De hectometer is het hectometerpaaltje langs de weg, van 0 tot 99999,9.",
    "unknown owner {}; one of {}": "Onbekende eigenaar {0}; kies een van: {1}.",
    "mounting is fixed or mobile": "De opstelling is vast (fixed) of mobiel (mobile).",
    "a location needs a name": "Een locatie heeft een naam nodig.",
    "location {} already exists":
        "Locatie {0} bestaat al; kies een ander volgnummer of bewerk de bestaande locatie.",
    "cannot change {} of a location": "{0} van een locatie kan niet worden gewijzigd.",
    "there is no camera {}": "Er is geen camera {0}.",
    "a lane is a line of at least two [lon, lat] points":
        "Een rijstrook is een lijn van ten minste twee punten [lon, lat].",
    "a lane must have length":
        "Een rijstrook moet een lengte hebben: begin- en eindpunt mogen niet samenvallen.",
    "a camera needs a lane (lane_geom) or a bearing before it can become active":
        "Een camera wordt pas actief met een getekende rijstrook of een opgegeven koers.",
    "camera id {} does not follow the naming scheme {}-R{} or {}-L{}":
        "Camera-id {0} volgt de naamgeving niet: {1}-R{2} of {3}-L{4}.",
    "R cameras watch the segment direction (+1), L cameras the other (-1)":
        "R-camera's kijken in de wegrichting (+1), L-camera's tegen de wegrichting in (-1).",
    "camera {} already exists": "Camera {0} bestaat al.",
    "bearing is the direction of travel in degrees (0-360)":
        "De koers is de rijrichting in graden (0-360).",
    "inout is 'in' or 'out'": "De richting is inkomend (in) of uitgaand (out).",
    "lane is a whole number from 1 to 12": "De rijstrook is een geheel getal van 1 tot 12.",
    "mounting is fixed or mobile; facing is front or rear":
        "De opstelling is vast of mobiel; de camera kijkt naar de voorkant of de achterkant.",
    "cannot change {} of a camera": "{0} van een camera kan niet worden gewijzigd.",
    "active_to lies before active_from": "Het einde van de actieve periode ligt vóór het begin.",
    "unknown status {}; one of {}": "Onbekende status {0}; kies een van: {1}.",
    "give status times with an explicit UTC offset":
        "Geef de tijden van de status met tijdzone (bijv. +01:00).",
    "a status period must end after it starts": "Een statusperiode moet na haar begin eindigen.",
    "frame width and height are whole pixels from 1 to {}":
        "Breedte en hoogte van het beeld zijn hele pixels van 1 tot {0}.",
    "a privacy mask is a polygon of at least three [x, y] pixel points":
        "Een privacymasker is een vlak van ten minste drie punten [x, y] in pixels.",
    "the privacy mask is not a valid polygon (does it cross itself?)":
        "Het privacymasker is geen geldig vlak: snijdt de omtrek zichzelf? Teken het opnieuw.",
    "the privacy mask lies (partly) outside the {}x{} frame":
        "Het privacymasker ligt (deels) buiten het beeld van {0}x{1} pixels; teken het "
        "binnen het referentiebeeld.",
    "camera {} has no privacy mask {}": "Camera {0} heeft geen privacymasker {1}.",
    # camera_registry/plans.py: the yearly camera plan and its amendments
    "the acting user is required for every change to a plan":
        "Bij elke wijziging van een plan hoort de gebruiker die haar doet.",
    "year {} is not a number": "Jaar {0} is geen getal.",
    "year {} is out of range (126jj applies from 2019)":
        "Jaar {0} valt buiten het bereik (art. 126jj Sv geldt vanaf 2019).",
    "unknown criteria {}: art. 3 lid 2 knows only a, b and c":
        "Onbekende criteria {0}: art. 3 lid 2 kent alleen a, b en c.",
    "there is no camera plan for {}": "Er is geen cameraplan voor {0}.",
    "the camera plan {} is published and can never change; add mobile cameras as an "
    "amendment or prepare next year's plan":
        "Het cameraplan {0} is gepubliceerd en verandert nooit meer; voeg mobiele camera's "
        "toe als wijziging of bereid het plan van volgend jaar voor.",
    "a camera plan for {} already exists": "Er bestaat al een cameraplan voor {0}.",
    "location {} is not in the {} plan": "Locatie {0} staat niet in het plan {1}.",
    "signed_on {} is not a date (YYYY-MM-DD)":
        "De datum van ondertekening (signed_on) {0} is geen datum (JJJJ-MM-DD).",
    "claimed_by is 'police' or 'kmar'":
        "Geclaimd door (claimed_by) is de politie ('police') of de KMar ('kmar').",
    "there is no location {} in the registry": "Locatie {0} staat niet in het register.",
    "location {} is already in the {} plan": "Locatie {0} staat al in het plan {1}.",
    "camera {} is not in the {} plan": "Camera {0} staat niet in het plan {1}.",
    "unknown kind of location {}; one of {}":
        "Onbekende soort locatie {0}; kies een van: {1}.",
    "count is a whole number from 0 to 500": "Het aantal is een geheel getal van 0 tot 500.",
    "the ratifying chief of police (korpschef) is required":
        "De vaststellende korpschef is verplicht.",
    "the camera plan {} has {} problem(s) and cannot be published":
        "Het cameraplan {0} heeft {1} probleem/problemen en kan niet worden gepubliceerd.",
    # camera_registry/plans.py validate: the problems of a plan (the validation's
    # ``bericht`` for the editor; errors block publication)
    "the plan is not ratified by the chief of police":
        "Het plan is niet vastgesteld door de korpschef.",
    "the plan lists no locations": "Het plan bevat geen locaties.",
    "{}: no criterion of art. 3 lid 2 (a, b, c)":
        "{0}: geen criterium van art. 3 lid 2 (a, b, c).",
    "{}: no written motivation": "{0}: geen schriftelijke motivering.",
    "{}: not signed by the unit's prosecutor":
        "{0}: niet ondertekend door de officier van justitie van de eenheid.",
    "{}: signed on {}, a day still to come: not signed yet":
        "{0}: ondertekend op {1}, een dag die nog moet komen: nog niet ondertekend.",
    "{} is not listed as a prosecutor of unit {} on {}: an amendment is signed by the "
    "unit's prosecutor":
        "{0} staat op {2} niet vermeld als officier van justitie van eenheid {1}: een "
        "wijziging wordt ondertekend door de officier van justitie van de eenheid.",
    "{}: signed by {}, who is not listed as a prosecutor of unit {} on {}":
        "{0}: ondertekend door {1}, die op {3} niet als officier van justitie van eenheid {2} "
        "is geregistreerd. Laat de motivering ondertekenen door een officier van justitie van "
        "de eenheid, of vraag de beheerder de ondertekenaar voor de eenheid te registreren.",
    "{}: border location claimed by neither police nor KMar":
        "{0}: grenslocatie die door politie noch KMar wordt geclaimd.",
    "camera {} is not in the registry": "Camera {0} staat niet in het register.",
    "camera {} has no location in the plan": "Camera {0} heeft geen locatie in het plan.",
    "{}: border cameras in no claim of police or KMar ({} cameras not in the plan)":
        "{0}: grenscamera's die politie noch KMar claimt ({1} camera's niet in het plan).",
    "registry camera {} is in no plan for {}: it will not store passages":
        "Registercamera {0} staat in geen plan voor {1}: zij slaat geen passages op.",
    "unit {} has {} mobile cameras but declares fewer in the plan":
        "Eenheid {0} heeft {1} mobiele camera's maar geeft er in het plan minder op.",
    "the {} plan is still a draft: add the camera to the draft instead":
        "Het plan {0} is nog een concept: voeg de camera aan het concept toe.",
    "an amendment needs at least one criterion (a, b or c)":
        "Een wijziging heeft ten minste één criterium nodig (a, b of c).",
    "an amendment needs a written motivation and the signing prosecutor":
        "Een wijziging heeft een schriftelijke motivering en de ondertekenende officier van "
        "justitie nodig.",
    "the amendment's period must lie within {}": "De periode van de wijziging moet binnen {0} liggen.",
    "an amendment cannot take effect before the day it is recorded":
        "Een wijziging kan niet ingaan vóór de dag waarop zij wordt vastgelegd.",
    "there is no camera {} in the registry": "Camera {0} staat niet in het register.",
    "camera {} is fixed: fixed cameras enter through next year's plan":
        "Camera {0} is vast opgesteld: vaste camera's komen via het plan van volgend jaar.",
    "the {} plan declares {} mobile camera(s) for unit {} at '{}'; {} already deployed":
        "Het plan {0} staat {1} mobiele camera('s) toe voor eenheid {2} bij '{3}'; er zijn er "
        "al {4} ingezet.",
    # camera_registry/publication.py: the published plan's downloads and OGC API
    "cannot filter on {}; queryable: {}": "Op {0} kan niet worden gefilterd; wel op: {1}.",
    "unknown format {}; one of {}": "Onbekend formaat {0}; kies een van: {1}.",
    "datetime {} is not RFC 3339 (e.g. 2026-03-01 or 2026-03-01T00:00:00Z)":
        "Datetime {0} is geen RFC 3339-tijd (bijv. 2026-03-01 of 2026-03-01T00:00:00Z).",
    "datetime interval ends before it starts":
        "De periode (datetime) eindigt vóór haar begin.",
    # camera_registry/exchange.py: the registry as GeoPackage or GeoJSON
    "export format is gpkg or geojson": "Het exportformaat is gpkg of geojson.",
    "layer is locations or cameras": "De laag is locations (locaties) of cameras (camera's).",
    "the file cannot be read as GeoPackage or GeoJSON: {}":
        "Het bestand is niet te lezen als GeoPackage of GeoJSON: {0}",
    "the GeoPackage has neither a 'locations' nor a 'cameras' layer":
        "De GeoPackage heeft geen laag 'locations' en geen laag 'cameras'.",
    "the import has {} problem(s); nothing was changed":
        "De import heeft {0} probleem/problemen; er is niets gewijzigd.",
    "{}: signed_on {} is not a date": "{0}: de datum van ondertekening {1} is geen datum.",
    # detector/frames.py: a frame the editor uploads (nested in "the frame cannot be used")
    "empty file (zero bytes)": "Het bestand is leeg (nul bytes).",
    "image has no pixels ({}x{})": "Het beeld heeft geen pixels ({0}x{1}).",
    "image too large: {}x{} = {} pixels, limit {}":
        "Het beeld is te groot: {0}x{1} = {2} pixels, ten hoogste {3}.",
    "image too large: {}": "Het beeld is te groot: {0}",
    "not an image (unrecognised format, {} bytes)":
        "Dit is geen beeld (onbekend formaat, {0} bytes).",
    "corrupt or truncated image: {}": "Het beeld is beschadigd of onvolledig: {0}",
    "unsupported colour mode {}": "Deze kleurmodus wordt niet ondersteund: {0}.",
    "unsupported pixel layout {} ({})": "Deze pixelindeling wordt niet ondersteund: {0} ({1}).",
    "could not encode the result as JPEG": "Het resultaat kon niet als JPEG worden opgeslagen.",
}
