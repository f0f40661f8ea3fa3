"""Exports of origin chains, streamed: GS1 EPCIS 2.0 JSON-LD and the sortable 24-hour spreadsheet.
Large exports are background jobs: the request records the filters, a worker writes the file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracelabel.db import utcnow
from tracelabel.epcis_hash import context_prefixes, event_hash_id
from tracelabel.links import batch_trace_url
from tracelabel.models import Batch, BatchInput, Job, TraceEvent
from tracelabel.services import jobs
from tracelabel.services.actors import Actor, visible
from tracelabel.services.search import BatchFilters, apply_filters
from tracelabel.spreadsheet import safe_row

CHUNK = 500
# Above this many matching batches an export is a background job. A synchronous export is built
# whole before its first byte leaves, so it must end well inside a proxy's read timeout (60 s by
# default in nginx): 5,000 batches of four events took 7-12 s on PostgreSQL and 15-18 s on SQLite
# on a busy two-core machine (loading the chains, then hashing each event ID), EPCIS or CSV alike.
EXPORT_JOB_THRESHOLD = 5_000
FILE_TYPES = {"epcis": ("application/ld+json", "jsonld"), "csv": ("text/csv", "csv")}
# cbvmda repeats GS1's own prefix: the reference hash generator expands only prefixes a document declares.
EPCIS_CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                 {"tl": "https://tracelabel.vn/epcis/", "cbvmda": "urn:epcglobal:cbv:mda:"}]
EPCIS_PREFIXES = context_prefixes(EPCIS_CONTEXT)
# CBV business steps; the CBV has no planting or harvesting step, so those get our own URIs.
BIZ_STEPS = {"receiving": "receiving", "packing": "packing", "storing": "storing",
             "shipping": "shipping", "inspecting": "inspecting", "other": "other",
             "processing": "commissioning", "planting": "https://tracelabel.vn/voc/bizstep/planting",
             "harvesting": "https://tracelabel.vn/voc/bizstep/harvesting"}
UNITS_OF_MEASURE = {"kg": "KGM", "g": "GRM", "tấn": "TNE", "t": "TNE", "l": "LTR", "lít": "LTR",
                    "ml": "MLT"}
CSV_COLUMNS = ["event_id", "event_type", "event_date", "traceability_lot_code",
               "product_description", "quantity", "unit", "lot_code_source",
               "location", "previous_source_or_next_recipient", "field_or_area_code", "harvest_date",
               "reference_document_type", "reference_document_number", "input_lot_code",
               "input_quantity", "batch_status"]


def matching_batches(session: Session, actor: Actor, filters: BatchFilters) -> Iterator[Batch]:
    """Every matching batch with what an export needs, loaded a few hundred at a time."""
    matching = apply_filters(visible(select(Batch.id), Batch, actor), filters, utcnow().date())
    last_id = 0
    while True:
        ids = list(session.scalars(matching.where(Batch.id > last_id).order_by(Batch.id)
                                   .limit(CHUNK)))
        if not ids:
            return
        last_id = ids[-1]
        chunk = session.scalars(
            select(Batch).where(Batch.id.in_(ids)).order_by(Batch.id)
            .options(selectinload(Batch.product), selectinload(Batch.organization),
                     selectinload(Batch.areas), selectinload(Batch.certificates),
                     selectinload(Batch.inputs).selectinload(BatchInput.input_batch),
                     selectinload(Batch.events).selectinload(TraceEvent.area),
                     selectinload(Batch.events).selectinload(TraceEvent.facility))
        ).all()
        yield from chunk
        session.expunge_all()  # keep memory flat on province-wide exports


def count_matching(session: Session, actor: Actor, filters: BatchFilters) -> int:
    """How many batches the actor would export with these filters."""
    matching = apply_filters(visible(select(Batch.id), Batch, actor), filters, utcnow().date())
    return session.scalar(select(func.count()).select_from(matching.subquery())) or 0


def create_export_job(session: Session, actor: Actor, filters: BatchFilters, fmt: str,
                      filename: str, total: int, public_url: str) -> Job:
    """Record a queued export job; the worker exports as this actor's account (its scope then)."""
    return jobs.create_job(session, actor, "export", {
        "filters": filters_to_json(filters), "format": fmt, "total": total,
        "filename": filename, "public_url": public_url})


def filters_to_json(filters: BatchFilters) -> dict[str, Any]:
    """The filters that are set, as JSON values (dates as ISO strings)."""
    values = {name: getattr(filters, name) for name in BatchFilters.__dataclass_fields__}
    return {name: value.isoformat() if isinstance(value, dt.date) else value
            for name, value in values.items() if value is not None}


def filters_from_json(values: dict[str, Any]) -> BatchFilters:
    """The filters a job recorded."""
    dates = {name: dt.date.fromisoformat(values[name])
             for name in ("produced_from", "produced_to") if values.get(name)}
    return BatchFilters(**{**values, **dates})


def write_export(session: Session, actor: Actor, parameters: dict[str, Any], out: BinaryIO,
                 progress: Callable[[int], Any] | None = None) -> dict[str, int]:
    """Write a job's export (its recorded filters, as the actor sees them now); tell
    ``progress`` of each batch written. Returns the batches and events (or CSV rows) written."""
    batches_written = 0

    def counted() -> Iterator[Batch]:
        nonlocal batches_written
        for batch in matching_batches(session, actor, filters_from_json(parameters["filters"])):
            yield batch
            batches_written += 1
            if progress:
                progress(1)

    if parameters["format"] == "epcis":
        return {"events": write_epcis(counted(), parameters["public_url"], out),
                "batches": batches_written}
    return {"rows": write_csv(counted(), parameters["public_url"], out), "batches": batches_written}


def location_uri(public_url: str, event: TraceEvent) -> str | None:
    """The read point of an event: the area (by its official code where it has one) or facility."""
    if event.area is not None:
        return f"{public_url}/id/area/{event.area.code or event.area.id}"
    if event.facility is not None:
        return f"{public_url}/id/facility/{event.facility.id}"
    return None


def _quantity_element(epc_class: str, quantity: Any, unit: str | None) -> dict[str, Any]:
    """An EPCIS quantity element: the lot's class, and its quantity and UN/CEFACT unit if known."""
    element: dict[str, Any] = {"epcClass": epc_class}
    if quantity is not None:
        element["quantity"] = float(quantity)
        uom = UNITS_OF_MEASURE.get((unit or "").strip().lower())
        if uom:
            element["uom"] = uom
    return element


def _quantity(batch: Batch, public_url: str) -> dict[str, Any]:
    return _quantity_element(batch_trace_url(public_url, batch), batch.quantity, batch.unit)


def _input_quantity(item: BatchInput, public_url: str, batch: Batch) -> dict[str, Any]:
    epc_class = (batch_trace_url(public_url, item.input_batch) if item.input_batch is not None
                 else f"{public_url}/id/lot/{batch.organization_id}/{quote(item.lot, safe='')}")
    return _quantity_element(epc_class, item.quantity, item.unit)


def _millis(moment: dt.datetime) -> str:
    # Milliseconds are what the event hash keeps, so the exported time is exactly what it hashes.
    return moment.isoformat(timespec="milliseconds")


def _epcis_event(batch: Batch, event: TraceEvent, public_url: str, first: bool) -> dict[str, Any]:
    local = event.occurred_local
    common: dict[str, Any] = {"eventTime": _millis(local),
                              "eventTimeZoneOffset": local.strftime("%z")[:3] + ":" +
                              local.strftime("%z")[3:],
                              "recordTime": _millis(event.recorded_at)}
    where = location_uri(public_url, event)
    if where:
        common["readPoint"] = {"id": where}
        common["bizLocation"] = {"id": where}
    if event.step == "processing" and batch.inputs:
        record = {"type": "TransformationEvent", **common,
                  "inputQuantityList": [_input_quantity(i, public_url, batch) for i in batch.inputs],
                  "outputQuantityList": [_quantity(batch, public_url)],
                  "bizStep": BIZ_STEPS[event.step]}
    else:
        record = {"type": "ObjectEvent", **common, "action": "ADD" if first else "OBSERVE",
                  "quantityList": [_quantity(batch, public_url)], "bizStep": BIZ_STEPS[event.step]}
    if first or record["type"] == "TransformationEvent":
        record["ilmd"] = {"cbvmda:lotNumber": batch.lot}
        if batch.expiry_date:
            record["ilmd"]["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    if event.place:
        record["tl:place"] = event.place
    record["eventID"] = event_hash_id(record, EPCIS_PREFIXES)
    return record


def batch_epcis_events(batch: Batch, public_url: str) -> list[dict[str, Any]]:
    """A batch's chain as EPCIS events; a corrected event carries an error declaration."""
    records: dict[int, dict[str, Any]] = {}
    for position, event in enumerate(batch.events):
        records[event.id] = _epcis_event(batch, event, public_url, position == 0)
    for event in batch.events:
        if event.supersedes_id in records:
            records[event.supersedes_id]["errorDeclaration"] = {
                "declarationTime": _millis(event.recorded_at), "reason": "incorrect_data",
                "correctiveEventIDs": [records[event.id]["eventID"]]}
    if batch.status in ("recalled", "suspended") and batch.status_changed_at:
        records[0] = _status_event(batch, public_url)
    return list(records.values())


def _status_event(batch: Batch, public_url: str) -> dict[str, Any]:
    record = {"type": "ObjectEvent", "eventTime": _millis(batch.status_changed_at),
              "eventTimeZoneOffset": "+00:00", "action": "OBSERVE", "bizStep": "holding",
              "disposition": "recalled" if batch.status == "recalled" else "non_sellable_other",
              "quantityList": [_quantity(batch, public_url)]}
    record["eventID"] = event_hash_id(record, EPCIS_PREFIXES)
    return record


def write_epcis(batches: Iterator[Batch], public_url: str, out: BinaryIO) -> int:
    """Stream an EPCIS 2.0 document of the batches' chains; returns the number of events."""
    header = {"@context": EPCIS_CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
              "creationDate": utcnow().isoformat()}
    head = json.dumps(header, ensure_ascii=False)[:-1]
    out.write((head + ', "epcisBody": {"eventList": [').encode("utf-8"))
    written = 0
    for batch in batches:
        for record in batch_epcis_events(batch, public_url):
            out.write((("," if written else "") + "\n" +
                       json.dumps(record, ensure_ascii=False)).encode("utf-8"))
            written += 1
    out.write(b"\n]}}\n")
    return written


def _csv_rows(batch: Batch, public_url: str) -> Iterator[list[Any]]:
    records = {id(r): r for r in batch_epcis_events(batch, public_url)}
    source = f"{batch.organization.name}, {batch.organization.address or batch.organization.province or ''}"
    harvest = next((e.occurred_at.date().isoformat() for e in batch.events if e.step == "harvesting"), "")
    for event, record in zip(batch.events, records.values(), strict=False):
        area_code = event.area.code if event.area is not None else ""
        place = (event.area.name if event.area else event.facility.name if event.facility
                 else event.place or "")
        base = [record["eventID"], event.step, event.occurred_local.isoformat(), batch.lot,
                batch.product.name, batch.quantity or "", batch.unit or "", source, place, "",
                area_code or "", harvest, "", "", "", "", batch.status]
        inputs = batch.inputs if record["type"] == "TransformationEvent" else []
        if not inputs:
            yield base
        for item in inputs:
            row = list(base)
            row[9] = item.supplier or (item.input_batch.organization.name if item.input_batch else "")
            row[14] = item.input_batch.lot if item.input_batch else item.lot
            row[15] = item.quantity or ""
            yield row


def write_csv(batches: Iterator[Batch], public_url: str, out: BinaryIO) -> int:
    """Stream the sortable spreadsheet (UTF-8 with BOM): a row per event (per input lot when
    the event is a transformation)."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(CSV_COLUMNS)
    rows = 0
    for batch in batches:
        for row in _csv_rows(batch, public_url):
            writer.writerow(safe_row(row))  # no cell may run as a formula
            rows += 1
    text.flush()
    text.detach()
    return rows
