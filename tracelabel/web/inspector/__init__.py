"""The inspector workspace: search across producers, a batch's full record, recalls, alerts,
exports and the audit trail, as server-rendered pages."""

from tracelabel.web.inspector import alerts, areas, audit, batches, search
from tracelabel.web.inspector.routes import blueprint

__all__ = ["alerts", "areas", "audit", "batches", "blueprint", "search"]
