"""Public pages: home, health check, manual lookup and the GS1-conformant resolver of our codes."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from tracelabel import codes
from tracelabel.extensions import db
from tracelabel.web.public import audit, directory, lookup, nfc, pages, resolver, vocab

blueprint = Blueprint("public", __name__)
RESOLVER_METHODS = ["GET", "HEAD", "OPTIONS"]


@blueprint.get("/")
def home() -> str:
    """The home page: what tracelabel is, and a box to type a code from a label."""
    return render_template("public/home.html")


@blueprint.get("/healthz")
def health() -> tuple[object, int]:
    """Liveness and database reachability, for load balancers."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok"), 200


@blueprint.app_context_processor
def page_context() -> dict[str, Any]:
    """The page language and the vocabularies' words, for every public template."""
    return {"page_lang": pages.language(), **vocab.TEMPLATE_GLOBALS}


def _register(rule: str, endpoint: str, view: Any, methods: list[str]) -> None:
    blueprint.add_url_rule(rule, endpoint, view, methods=methods, provide_automatic_options=False)


_register("/t/<code>", "short_code", resolver.short_code, RESOLVER_METHODS)
_register("/T/<code>", "short_code_printed", resolver.short_code, RESOLVER_METHODS)
_register("/01/<path:rest>", "digital_link", resolver.digital_link, RESOLVER_METHODS)
_register(nfc.PATH, "nfc_tap", nfc.tap, RESOLVER_METHODS)
blueprint.add_url_rule("/lookup", "lookup", lookup.lookup)
blueprint.add_url_rule("/.well-known/gs1resolver", "resolver_description", lookup.resolver_description)
blueprint.add_url_rule("/.well-known/gs1Resolver", "resolver_description_alias",
                       lookup.resolver_description)
blueprint.add_url_rule(audit.PATH, "audit_checkpoints", audit.checkpoints)
blueprint.add_url_rule("/ocop", "ocop", directory.ocop)
blueprint.add_url_rule("/p/<int:product_id>", "product_page", directory.product_page)
blueprint.add_url_rule("/sitemap.xml", "sitemap", directory.sitemap)
blueprint.add_url_rule("/robots.txt", "robots", directory.robots)
blueprint.add_app_template_filter(vocab.day, "day")
blueprint.add_app_template_filter(vocab.moment, "moment")
blueprint.add_app_template_filter(vocab.amount, "amount")
blueprint.add_app_template_filter(codes.readable_code, "readable")
