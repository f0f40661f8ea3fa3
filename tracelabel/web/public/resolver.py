"""The resolver: short codes (/t/, /T/), GS1 Digital Link URIs (/01/…) and the resolver description.

Each view reads the code, finds the batch with one indexed query, records the scan, commits and
answers the trace page, its JSON, its linkset or a ``linkType`` redirect. Codes that do not resolve
get the friendly page with the entry form (or a problem document): 400 for a Digital Link that
breaks the GS1 syntax, 404 for an unknown, forged or mistyped code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Response, current_app, redirect, request
from flask_babel import gettext

from tracelabel import codes
from tracelabel.extensions import db
from tracelabel.services import passport, scans, trace
from tracelabel.web.public import linkset, pages, respond, scan_requests

STATE_KEY = "tracelabel.public"


@dataclass(frozen=True)
class PublicState:
    """Per app and process: the unit-code keys and the caches of public views and pages."""

    code_keys: codes.CodeKeys
    facts: trace.TraceCache
    pages: trace.TraceCache
    fragments: trace.TraceCache
    lot_codes: trace.TraceCache  # (GTIN, lot) → the code of a public batch seen here


def state() -> PublicState:
    """This app's resolver state, created on first use."""
    found = current_app.extensions.get(STATE_KEY)
    if found is None:
        found = PublicState(codes.parse_code_keys(current_app.config["CODE_KEYS"]),
                            trace.TraceCache(4096), trace.TraceCache(1024), trace.TraceCache(4096),
                            trace.TraceCache(65536))
        current_app.extensions[STATE_KEY] = found
    return found


def code_error_message(error: codes.CodeError) -> tuple[int, str, str]:
    """Status, title and explanation for a code that cannot be read."""
    if error.reason == "bad_mac" or error.part in ("mac", "key_id"):
        return 404, gettext("This code is not genuine"), gettext(
            "This unit code does not match any label we issued. It may have been mistyped, or the "
            "label may be a copy.")
    if error.reason in ("bad_check_symbol", "bad_check_digit"):
        return 404, gettext("This code does not add up"), gettext(
            "A character of this code is wrong: it may have been mistyped, or the label is not "
            "genuine.")
    return 404, gettext("This is not a code we know"), gettext(
        "Check the code printed under the QR code and type it again.")


def digital_link_error(error: codes.CodeError, code: str | None = None) -> Response:
    """400: a Digital Link that breaks the GS1 syntax (check digit, character set, order)."""
    return respond.code_error(400, gettext("This link is not a valid GS1 Digital Link"), gettext(
        "The link breaks the GS1 Digital Link rules (%(problem)s). Type the code printed on the "
        "label instead.", problem=error.message), code)


def not_found(detail: str | None = None, code: str | None = None) -> Response:
    """No public product or batch behind a well-formed code."""
    return respond.code_error(404, gettext("No product with this code"), detail or gettext(
        "No published product or batch has this code. It may have been mistyped, or the label "
        "is not genuine."), code)


def _unit_not_issued(code: str) -> Response:
    return respond.code_error(404, gettext("This code is not genuine"), gettext(
        "This unit number was never issued for this batch: the label is not genuine."), code)


def _canonical_unit(base: str, text: str) -> str:
    """A verified unit code as printed (upper case, dots), e.g. 7K3M9QX2ZP4Q.12.A7Q2M9KXP."""
    return codes.unit_trace_url(base, text).rsplit("/", 1)[1]


def short_code(code: str) -> Response:
    """The trace page of a batch code or a unit code (any case, /t/ or /T/)."""
    if request.method == "OPTIONS":
        return respond.preflight()
    try:
        parsed = codes.parse_short_code(code, state().code_keys)
    except codes.CodeError as error:
        status, title, detail = code_error_message(error)
        return respond.code_error(status, title, detail, code)
    batch_code, serial = (parsed, 0) if isinstance(parsed, str) else (parsed.batch_code, parsed.serial)
    session, tally = db.session, None
    if _opens_page_as_scan():
        with scans.writer_turn(session):
            key, tally = scans.find_and_record(session, batch_code, serial,
                                               scan_requests.scan_client())
    else:
        scans.begin_public_request(session)
        key = trace.find_batch(session, code=batch_code)
    if key is None or not key.is_public:
        return not_found(code=code)
    if serial > key.units_issued:
        return _unit_not_issued(code)
    base = current_app.config["PUBLIC_URL"]
    levels = [linkset.Level(f"{base}{codes.SHORT_CODE_PREFIX}{batch_code}", "batch", key.lot)]
    unit_code = None
    if serial:
        unit_code = _canonical_unit(base, code)
        levels.insert(0, linkset.Level(f"{base}{codes.SHORT_CODE_PREFIX}{unit_code}", "unit",
                                       key.lot, serial))
    return batch_response(key, serial, unit_code, levels, tally)


def _opens_page_as_scan() -> bool:
    """Whether this request is a person opening the trace page (HTML or JSON), which records a scan;
    a linkset, a ``linkType`` redirect or the passport records none."""
    return (respond.wanted_format() in (respond.HTML, respond.JSON)
            and not request.args.get("linkType") and scan_requests.is_scan_request())


def raw_target() -> tuple[str, str]:
    """The request's path (without the script root) and query, still percent-encoded."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if not raw:  # a server that keeps no raw URI: %2F in a lot cannot be told from "/"
        return quote(request.path), request.query_string.decode("latin-1")
    if not raw.startswith("/"):  # absolute-form request target
        parts = urlsplit(raw)
        raw = parts.path + ("?" + parts.query if parts.query else "")
    path, _mark, query = raw.partition("?")
    root = quote(request.script_root)
    return (path[len(root):] if root and path.startswith(root) else path), query


def digital_link(rest: str) -> Response:
    """A GS1 Digital Link URI: /01/{gtin}[/10/{lot}[/21/{serial}]], any GTIN length."""
    if request.method == "OPTIONS":
        return respond.preflight()
    path, query = raw_target()
    try:
        link = codes.parse_digital_link(path, query)
    except codes.CodeError as error:
        return digital_link_error(error)
    base = current_app.config["PUBLIC_URL"]
    key, tally = _known_unit_scanned(link)
    if key is None:
        scans.begin_public_request(db.session)
        if link.lot is not None and link.cpv is None:
            key = trace.find_batch(db.session, gtin=link.gtin, lot=link.lot)
            if key is not None and key.is_public:
                state().lot_codes.put((link.gtin, link.lot), key.code)
    if key is None or not key.is_public:
        return product_response(link, base)
    levels = [linkset.Level(codes.build_digital_link(base, link.gtin, lot=link.lot), "batch", link.lot),
              linkset.Level(codes.build_digital_link(base, link.gtin), "product")]
    serial, unit_code = 0, None
    if link.serial is not None:
        try:
            unit = codes.parse_unit_code(f"{key.code}.{link.serial}", state().code_keys)
        except codes.CodeError as error:
            status, title, detail = code_error_message(error)
            return respond.code_error(status, title, detail, link.serial)
        if unit.serial > key.units_issued:
            return _unit_not_issued(link.serial)
        serial, unit_code = unit.serial, _canonical_unit(base, f"{key.code}.{link.serial}")
        levels.insert(0, linkset.Level(codes.build_digital_link(base, link.gtin, lot=link.lot,
                                                                serial=link.serial), "unit",
                                       link.lot, serial))
    return batch_response(key, serial, unit_code, levels, tally)


def _known_unit_scanned(link: codes.DigitalLink) -> tuple[trace.BatchKey | None,
                                                          scans.ScanTally | None]:
    """A unit's Digital Link opened as a page, when this process has seen its batch: the serial
    checked against the batch's code, then the batch found and the scan recorded in one statement,
    as for a short code. (None, None) to take the longer way: first sight of the batch, a serial
    that does not check out, or a code whose GTIN or lot no longer match."""
    if link.serial is None or link.lot is None or link.cpv is not None or not _opens_page_as_scan():
        return None, None
    code = state().lot_codes.get((link.gtin, link.lot))
    if code is None:
        return None, None
    try:
        unit = codes.parse_unit_code(f"{code}.{link.serial}", state().code_keys)
    except codes.CodeError:
        return None, None
    with scans.writer_turn(db.session):
        key, tally = scans.find_and_record(db.session, code, unit.serial, scan_requests.scan_client(),
                                           gtin=link.gtin, lot=link.lot)
    return (key, tally) if tally is not None else (None, None)


def _special_request(levels: list[linkset.Level], wanted: str,
                     public_facts: Callable[[], dict[str, Any]]) -> Response | None:
    """A linkset (described by the product's public name), a linkType redirect or an unavailable
    representation; None for the page."""
    linkset_url = levels[0].anchor + "?linkType=linkset"
    if wanted == respond.JSON_LD:
        return respond.not_acceptable()
    if wanted == respond.LINKSET:
        facts = public_facts()
        response = respond.linkset_response(linkset.linkset(levels, facts["product"]["name"],
                                                            facts.get("where_to_buy")))
        return respond.resolver_headers(respond.cached(response, pages.digest(response.get_data(
            as_text=True)), respond.SHARED_CACHE), linkset_url)
    link_type = request.args.get("linkType")
    if link_type:
        query = {k: v for k, v in request.args.items(multi=False) if k != "linkType"}
        target = linkset.redirect_target(levels, linkset.requested_type(link_type), query,
                                         public_facts().get("where_to_buy"))
        if target is None:
            return respond.code_error(404, gettext("No such link"), gettext(
                "We have no link of type %(type)s for this code.", type=link_type),
                linkset_url=linkset_url)
        response = redirect(target, 307)
        response.headers["Cache-Control"] = "no-store"
        return respond.resolver_headers(response, linkset_url)
    return None


def _unit_facts(key: trace.BatchKey, serial: int, unit_code: str | None,
                recorded: scans.ScanTally | None) -> dict[str, Any] | None:
    """The unit's block: its tally, with this request's scan recorded unless it already is."""
    counted = recorded is None and scan_requests.is_scan_request()  # a HEAD or a prefetch: no scan
    if not serial:
        if counted:
            scans.record_scan(db.session, key.batch_id, scans.BATCH_SERIAL,
                              scan_requests.scan_client())
        return None
    if recorded is not None:
        tally = recorded
    elif counted:
        tally = scans.record_scan(db.session, key.batch_id, serial, scan_requests.scan_client())
    else:
        tally = scans.current_tally(db.session, key.batch_id, serial)
    clients = scans.looks_copied(db.session, key.batch_id, serial, tally)
    return {"serial": serial, "code": unit_code, "genuine": True,
            "scan_count": tally.count, "first_scan_at": tally.first_scan_at.isoformat(),
            "first_scan_on": tally.first_scan_at.astimezone(trace.VIETNAM).date().isoformat(),
            "copy_suspected": clients is not None, "distinct_clients": clients}


def passport_response(key: trace.BatchKey, serial: int, levels: list[linkset.Level]) -> Response:
    """The digital product passport of the batch, or of the unit when one is named (no scan)."""
    facts = trace.public_trace(db.session, key, trace.vietnam_today(), state().facts)
    document = passport.public_passport(db.session, key.batch_id, current_app.config["PUBLIC_URL"],
                                        facts, serial=serial or None, keys=state().code_keys)
    response = respond.json_response(document, respond.JSON_LD)
    response = respond.cached(response, pages.digest(response.get_data(as_text=True)),
                              respond.SHARED_CACHE)
    return respond.resolver_headers(response, levels[0].anchor + "?linkType=linkset")


def batch_response(key: trace.BatchKey, serial: int, unit_code: str | None,
                   levels: list[linkset.Level], recorded: scans.ScanTally | None = None) -> Response:
    """The trace page (or JSON) of a batch or one of its units, with the scan recorded (``recorded``:
    already recorded with the lookup, this is its tally)."""
    wanted = respond.wanted_format()
    if wanted == respond.JSON_LD:
        return passport_response(key, serial, levels)
    st, today = state(), trace.vietnam_today()
    special = _special_request(levels, wanted, lambda: trace.public_trace(
        db.session, key, today, st.facts))
    if special is not None:
        return special
    facts = trace.public_trace(db.session, key, today, st.facts)
    if recorded is not None:
        unit = _unit_facts(key, serial, unit_code, recorded)
    else:
        with scans.writer_turn(db.session):
            unit = _unit_facts(key, serial, unit_code, None)
            db.session.commit()
    policy = respond.REVALIDATE if serial else respond.SHARED_CACHE
    if wanted == respond.JSON:
        body = {**facts, "trace_url": levels[0].anchor, "unit": unit}
        response = respond.json_response(body)
        etag = pages.digest(response.get_data(as_text=True))
    else:
        page = pages.static_page(st.pages, ("batch", key.batch_id, key.marker, today),
                                 "public/trace.html", {"t": facts})
        html, etag = pages.assemble_unit(st.fragments, page, "public/_genuine.html", unit)
        response = Response(html, mimetype="text/html")
    return respond.resolver_headers(respond.cached(response, etag, policy),
                                    levels[0].anchor + "?linkType=linkset")


def product_response(link: codes.DigitalLink, base: str) -> Response:
    """A known GTIN whose lot is unknown (or not asked): the product, and plainly what is missing."""
    product_key = trace.find_product(db.session, link.gtin)
    if product_key is None:
        return not_found(gettext("No product with GTIN %(gtin)s is registered here.", gtin=link.gtin))
    levels = [linkset.Level(codes.build_digital_link(base, link.gtin), "product")]
    wanted = respond.wanted_format()
    st, today = state(), trace.vietnam_today()
    special = _special_request(levels, wanted, lambda: trace.public_product(
        db.session, product_key, today, st.facts))
    if special is not None:
        return special
    facts = trace.public_product(db.session, product_key, today, st.facts)
    db.session.commit()
    asked = {"lot": link.lot, "serial": link.serial, "registered": False} if link.lot else None
    if wanted == respond.JSON:
        response = respond.json_response({**facts, "trace_url": levels[0].anchor, "requested": asked})
        etag = pages.digest(response.get_data(as_text=True))
    else:
        page = pages.static_page(st.pages, ("product", product_key.product_id, product_key.marker,
                                            today), "public/product.html", {"t": facts})
        html, etag = pages.assemble(st.fragments, page,
                                    "public/_unregistered.html" if asked else None, asked)
        response = Response(html, mimetype="text/html")
    return respond.resolver_headers(respond.cached(response, etag, respond.SHARED_CACHE),
                                    levels[0].anchor + "?linkType=linkset")
