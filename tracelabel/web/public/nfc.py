"""The tap of an NFC tag: ``/n/{batch code}?e={PICCData}&c={SDMMAC}`` opens the unit's trace page.

A genuine NTAG 424 DNA tag writes a fresh ``e`` and ``c`` into its URL on every tap. The tap is
verified (decryption, MAC), its counter must move past the last one accepted, and then the answer is
exactly the unit's QR code's: the resolver's ``batch_response``, the tap counted as a scan. Anything
else gets the "not genuine" page (404) saying which check failed.

The counter moves forward in its own short write, committed before the page is built, inside the
scans' writer turn (on SQLite, writers queue on one lock; taking the database's write lock before
that turn would leave a scan waiting on it until the busy timeout). A HEAD request or a prefetch is
verified but moves nothing, so the person's own visit that follows is not taken for a replay.
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask_babel import gettext

from tracelabel import codes, nfc
from tracelabel.extensions import db
from tracelabel.services import nfc_tags, scans, trace
from tracelabel.web.public import linkset, resolver, respond, scan_requests

PATH = "/n/<code>"


def refusal_detail(reason: str) -> str:
    """Why a tap is not taken as proof of a genuine tag, in plain words."""
    details = {
        "malformed": gettext("The link from this tag is incomplete or was altered. Tap the tag on "
                             "the package again."),
        "unknown_tag": gettext("This tag is not registered for this product batch: it may be a "
                               "fake."),
        "other_batch": gettext("This tag is registered for another product batch, not for this one: "
                               "it may have been moved from another package."),
        "bad_mac": gettext("The tag's signature does not match: the link was altered, or the tag "
                           "is not genuine."),
        "replayed": gettext("This link has already been used. A genuine tag gives a new link on "
                            "every tap, so a link opened again, copied or shared proves nothing: "
                            "tap the tag on the package itself."),
    }
    return details[reason]


def _not_genuine(reason: str, batch_id: int, code: str) -> Response:
    nfc_tags.log_refusal(batch_id, reason)
    return respond.code_error(404, gettext("This tag is not confirmed genuine"),
                              refusal_detail(reason), code)


def _verified_tap(batch_id: int) -> nfc_tags.Tap:
    """The tap, verified and (for a person's visit) its counter moved forward and committed."""
    vault = nfc.parse_storage_keys(current_app.config["NFC_KEY"])
    tap = nfc_tags.identify_tap(db.session, batch_id, request.args.get("e"),
                                request.args.get("c"), vault)
    if scan_requests.is_scan_request():
        with scans.writer_turn(db.session):
            accepted = nfc_tags.accept_tap(db.session, tap)
            db.session.commit()
        if not accepted:  # a concurrent tap with the same counter got there first
            raise nfc_tags.TapRefused("replayed")
    return tap


def tap(code: str) -> Response:
    """A tap of an NFC tag of a unit of this batch: the unit's trace page, or "not genuine"."""
    if request.method == "OPTIONS":
        return respond.preflight()
    try:
        batch_code = codes.parse_batch_code(code)
    except codes.CodeError as error:
        status, title, detail = resolver.code_error_message(error)
        return respond.code_error(status, title, detail, code)
    scans.begin_public_request(db.session)
    key = trace.find_batch(db.session, code=batch_code)
    if key is None or not key.is_public:
        return resolver.not_found(code=code)
    try:
        verified = _verified_tap(key.batch_id)
    except nfc_tags.TapRefused as refused:
        return _not_genuine(refused.reason, key.batch_id, code)
    base = current_app.config["PUBLIC_URL"]
    unit_url = codes.unit_trace_url(base, codes.make_unit_code(key.code, verified.serial,
                                                                resolver.state().code_keys))
    levels = [linkset.Level(unit_url, "unit", key.lot, verified.serial),
              linkset.Level(f"{base}{codes.SHORT_CODE_PREFIX}{key.code}", "batch", key.lot)]
    return resolver.batch_response(key, verified.serial, unit_url.rsplit("/", 1)[1], levels)
