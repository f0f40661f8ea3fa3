"""The workspace's front page."""

from __future__ import annotations

import datetime as dt

from flask import render_template

from tracelabel.extensions import db
from tracelabel.services import workspace
from tracelabel.web.auth.session import current_actor
from tracelabel.web.producer.routes import blueprint


@blueprint.get("")
def home() -> str:
    """What is registered, what to do next, drafts and certificates that expire soon."""
    summary = workspace.overview(db.session, current_actor(), dt.date.today())
    return render_template("producer/home.html", summary=summary)
