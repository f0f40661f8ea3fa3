"""Manual entry (/lookup?code=…) and the resolver description file (/.well-known/gs1resolver)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Response, current_app, redirect, render_template, request
from flask_babel import gettext

from tracelabel import codes
from tracelabel.extensions import db
from tracelabel.services import lot_lookup, trace
from tracelabel.web.public import linkset, respond
from tracelabel.web.public.resolver import code_error_message, digital_link_error, not_found, state

MAX_TYPED_LENGTH = 300
LOCAL_ROOT = "http://local"  # build_digital_link wants a base; only the path is kept


def _digital_link_path(url: str) -> str:
    link = codes.parse_digital_link_url(url)
    built = codes.build_digital_link(LOCAL_ROOT, link.gtin, lot=link.lot, serial=link.serial,
                                     cpv=link.cpv)
    path = built.removeprefix(LOCAL_ROOT)
    return path + (f"?{urlencode(link.attributes)}" if link.attributes else "")


def _short_code_path(text: str) -> str | None:
    parsed = codes.parse_short_code(text, state().code_keys)
    batch_code = parsed if isinstance(parsed, str) else parsed.batch_code
    key = trace.find_batch(db.session, code=batch_code)
    if key is None or not key.is_public:
        return None
    if isinstance(parsed, str):
        return codes.SHORT_CODE_PREFIX + parsed
    return codes.unit_trace_url(LOCAL_ROOT, text).removeprefix(LOCAL_ROOT)


def target_path(text: str) -> str | None:
    """The local trace path a typed code or pasted URL stands for (CodeError if unreadable)."""
    if "/" in text:
        url = text if "://" in text else "https://" + text
        segments = urlsplit(url).path.split("/")
        if "01" in segments[1:]:
            return _digital_link_path(url)
        lowered = [segment.lower() for segment in segments]
        if "t" in lowered[1:-1]:
            return _short_code_path(segments[lowered.index("t", 1) + 1])
        return None
    if text.isascii() and text.isdigit() and len(text) in (8, 12, 13, 14):
        return f"/01/{codes.normalize_gtin(text)}"
    return _short_code_path(text)


def lookup() -> Response:
    """A code typed from the label (or a pasted trace URL): redirect to its trace page."""
    text = (request.args.get("code") or "").strip()
    if not text or len(text) > MAX_TYPED_LENGTH:
        return respond.code_error(400, gettext("Type the code printed on the label"), gettext(
            "Type the letters and digits printed under the QR code, e.g. 7K3M-9QX2-ZP4R."))
    try:
        path = target_path(text)
    except codes.CodeError as error:
        if error.part in ("url", "path", "gtin", "lot", "serial", "cpv", "query") and "/" in text:
            return digital_link_error(error, text)
        status, title, detail = code_error_message(error)
        return lot_matches(text) or respond.code_error(status, title, _none_with_lot(detail, text),
                                                       text)
    if path is None:
        return lot_matches(text) or not_found(code=text)
    if request.args.get("lang") in linkset.LANGUAGES:
        path += ("&" if "?" in path else "?") + urlencode({"lang": request.args["lang"]})
    response = redirect(request.script_root + path, 303)
    return respond.resolver_headers(response)


def lot_matches(text: str) -> Response | None:
    """The public batches whose lot is the typed text (a lot printed on a package), if any."""
    if "/" in text:
        return None
    found = lot_lookup.published_lots(db.session, text)
    if not found:
        return None
    response = Response(render_template("public/lots.html", lot=text, batches=found))
    response.headers["Cache-Control"] = "no-store"
    return respond.resolver_headers(response)


def _none_with_lot(detail: str, text: str) -> str:
    if "/" in text:
        return detail
    return detail + " " + gettext("No published batch has the lot number %(lot)s either.", lot=text)


def resolver_description() -> Response:
    """What this resolver supports, as GS1's resolver description file."""
    body = {
        "name": "tracelabel",
        "resolverRoot": current_app.config["PUBLIC_URL"] + "/",
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": linkset.VOCABULARY, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeAll": False,
        "supportsSemanticInterpretation": False,
        "validatesAIcombinations": True,
        "supportsLanguageVariants": True,
    }
    response = respond.json_response(body)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return respond.resolver_headers(response)
