"""Public pages: the home page and health check (trace pages arrive with the resolver)."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from tracelabel.extensions import db

blueprint = Blueprint("public", __name__)


@blueprint.get("/")
def home() -> str:
    """The home page: what tracelabel is, and a box to type a code from a label."""
    return render_template("public/home.html")


@blueprint.get("/healthz")
def health() -> tuple[object, int]:
    """Liveness and database reachability, for load balancers."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok"), 200
