"""CSV import of batches: a dry run listing every bad row, then the import itself (all or nothing)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField

from tracelabel.extensions import db
from tracelabel.services import imports
from tracelabel.web.auth.forms import WorkspaceForm
from tracelabel.web.auth.session import current_actor
from tracelabel.web.errors import translate
from tracelabel.web.producer.routes import blueprint

IMPORT_LIMIT = 8 * 1024 * 1024


class ImportForm(WorkspaceForm):
    """The CSV file, and whether to only check it."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
    dry_run = BooleanField(_l("Only check the file (write nothing)"), default=True)


def _read(form: ImportForm) -> bytes | None:
    data = form.file.data.read(IMPORT_LIMIT + 1)
    if len(data) > IMPORT_LIMIT:
        form.file.errors = [*form.file.errors, gettext("The file is larger than %(max)s MB.",
                                                       max=IMPORT_LIMIT // 2**20)]
        return None
    return data


def _run(form: ImportForm, data: bytes) -> imports.ImportReport | None:
    try:
        return imports.import_batches(db.session, current_actor(), data, dry_run=form.dry_run.data)
    except imports.ImportRejected as error:
        db.session.rollback()
        form.file.errors = [*form.file.errors, translate(error.message, error.params)]
        return None


@blueprint.route("/import", methods=["GET", "POST"])
def import_batches() -> Any:
    """Upload a CSV: a dry run reports each bad line; an import writes every row or none."""
    form = ImportForm()
    report = None
    if form.validate_on_submit() and (data := _read(form)) is not None:
        report = _run(form, data)
    if report is not None and report.ok and not report.dry_run:
        db.session.commit()
        flash(ngettext("%(num)s batch imported as a draft.", "%(num)s batches imported as drafts.",
                       report.rows_written), "success")
        return redirect(url_for("producer.batches", status="draft"))
    db.session.rollback()  # a dry run, or a file with bad rows: nothing is kept
    status = 422 if form.is_submitted() and (report is None or not report.ok) else 200
    rows = [(e.line, e.field, translate(e.message, e.params)) for e in report.errors] if report else []
    return render_template("producer/import.html", form=form, report=report, rows=rows), status


@blueprint.get("/import/template.csv")
def import_template() -> Response:
    """A CSV to fill in, with the headers the import reads and one example row (UTF-8 with BOM)."""
    body = "\ufeff" + imports.TEMPLATE_CSV
    return current_app.response_class(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="mau-nhap-lo-hang.csv"'})
