"""The inspector workspace: search across producers, a batch's full record, recalls, alerts,
exports and the audit trail, as server-rendered pages."""

from tracelabel.web.inspector import alerts, areas, audit, batches, jobs, search, times
from tracelabel.web.inspector.routes import blueprint

blueprint.add_app_template_filter(times.clock, "clock")
blueprint.add_app_template_global(times.zone_label, "zone_label")

__all__ = ["alerts", "areas", "audit", "batches", "blueprint", "jobs", "search", "times"]
