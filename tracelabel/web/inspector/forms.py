"""Forms of the inspector workspace: the search filters (GET, no token) and the actions (POST,
CSRF-protected, each with its reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from tracelabel.services.search import BatchFilters
from tracelabel.web.auth.forms import WorkspaceForm
from tracelabel.web.producer.forms import SCHEME_LABELS, options

VN = dt.timezone(dt.timedelta(hours=7))
STATUS_LABELS = {"draft": _l("draft"), "published": _l("published"), "suspended": _l("suspended"),
                 "recalled": _l("recalled")}
CERTIFICATE_STATUS_LABELS = {"valid": _l("valid today"), "expired": _l("expired"),
                             "verified": _l("verified by an inspector"),
                             "rejected": _l("rejected by an inspector"),
                             "unverified": _l("not yet verified")}
SORT_LABELS = {"newest": _l("Newest first"), "-production_date": _l("Production date, newest"),
               "production_date": _l("Production date, oldest"), "lot": _l("Lot code")}
GAP_LABELS = {"yes": _l("Trace has gaps"), "no": _l("Trace complete")}
FORMAT_LABELS = {"epcis": _l("GS1 EPCIS 2.0 (JSON-LD)"), "csv": _l("Spreadsheet (CSV)")}
ANY = options([("", _l("Any"))])


class QueryForm(WorkspaceForm):
    """A GET form: read from the query string, no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False


def check_date_range(start: Any, end: Any) -> bool:
    """Put an error on the end date when it comes before the start date."""
    if start.data and end.data and end.data < start.data:
        end.errors = [*end.errors, _l("The end date comes before the start date.")]
        return False
    return True


class SearchForm(QueryForm):
    """The search filters of BatchFilters, and the order of the results."""

    code = StringField(_l("Code or trace URL"), validators=[Length(max=500)])
    lot = StringField(_l("Lot"), validators=[Length(max=40)])
    product = StringField(_l("Product"), validators=[Length(max=200)])
    producer = StringField(_l("Producer"), validators=[Length(max=200)])
    province = StringField(_l("Province"), validators=[Length(max=100)])
    area_code = StringField(_l("Raw-material area code"), validators=[Length(max=40)])
    certificate_scheme = SelectField(_l("Certificate scheme"),
                                     choices=ANY + options(SCHEME_LABELS.items()), default="")
    certificate_status = SelectField(_l("Certificate status"),
                                     choices=ANY + options(CERTIFICATE_STATUS_LABELS.items()),
                                     default="")
    produced_from = DateField(_l("Produced from"), validators=[Optional()])
    produced_to = DateField(_l("Produced until"), validators=[Optional()])
    status = SelectField(_l("Batch status"), choices=ANY + options(STATUS_LABELS.items()),
                         default="")
    has_gaps = SelectField(_l("Completeness"), choices=ANY + options(GAP_LABELS.items()),
                           default="")
    sort = SelectField(_l("Sort by"), choices=options(SORT_LABELS.items()), default="newest")

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the date range."""
        valid = super().validate(extra_validators)
        return check_date_range(self.produced_from, self.produced_to) and valid

    def filters(self) -> BatchFilters:
        """The filled-in fields as search filters (blanks mean "any")."""
        texts = {name: (getattr(self, name).data or "").strip() or None
                 for name in ("code", "lot", "product", "producer", "province", "area_code",
                              "certificate_scheme", "certificate_status", "status")}
        gaps = {"yes": True, "no": False}.get(self.has_gaps.data or "")
        return BatchFilters(**texts, produced_from=self.produced_from.data,
                            produced_to=self.produced_to.data, has_gaps=gaps)


class ExportForm(SearchForm):
    """The search filters and a file format."""

    format = SelectField(_l("File format"), choices=options(FORMAT_LABELS.items()),
                         default="epcis")


class ReasonForm(WorkspaceForm):
    """An action that needs a reason (suspend, reinstate, recall)."""

    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class CodeStatusForm(WorkspaceForm):
    """An area code's official status, always with a reason."""

    code_status = SelectField(_l("Official status"), choices=[])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class ReviewForm(WorkspaceForm):
    """A certificate's verdict: a note to verify, a reason (required) to reject."""

    reason = TextAreaField(_l("Note or reason"), validators=[Length(max=2000)])


class AuditForm(QueryForm):
    """Filters of the audit trail."""

    actor = StringField(_l("Who (user id or email)"), validators=[Length(max=254)])
    entity_type = StringField(_l("Record type (e.g. batch)"), validators=[Length(max=40)])
    entity_id = StringField(_l("Record id"), validators=[Length(max=40)])
    action = StringField(_l("Action (e.g. batch.recall)"), validators=[Length(max=60)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the date range."""
        valid = super().validate(extra_validators)
        return check_date_range(self.since, self.until) and valid

    def filters(self) -> dict[str, Any]:
        """Entity, action and time filters for the audit service (days in Vietnam time)."""
        found: dict[str, Any] = {name: (getattr(self, name).data or "").strip() or None
                                 for name in ("entity_type", "entity_id", "action")}
        if self.since.data:
            found["since"] = dt.datetime.combine(self.since.data, dt.time.min, VN)
        if self.until.data:
            found["until"] = dt.datetime.combine(self.until.data, dt.time.max, VN)
        return found
