"""Alerts: certificates lapsing while their batches are on sale; codes that look copied or belong
to a recalled batch and are still scanned."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template

from tracelabel.db import utcnow
from tracelabel.extensions import db
from tracelabel.services import inspector_reads
from tracelabel.web.auth.session import current_actor
from tracelabel.web.inspector.routes import blueprint

ALERT_DAYS = 30


@blueprint.get("/alerts")
def alerts() -> Any:
    """What needs attention: the last 30 days of scans, certificates as of today."""
    found = inspector_reads.alerts(db.session, current_actor(), dt.date.today(),
                                   utcnow() - dt.timedelta(days=ALERT_DAYS))
    return render_template("inspector/alerts.html", alerts=found, days=ALERT_DAYS)
