"""Products, raw-material areas, facilities and certificates."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema

from tracelabel.extensions import db
from tracelabel.models import Certificate, Facility, Product, RawMaterialArea
from tracelabel.services import catalog
from tracelabel.web.api import schemas

PAGE_KEYS = ("page", "per_page")


def _resource(model: type, name: str, path: str, create: type[Schema], patch_schema: type[Schema],
              output: type[Schema], page: type[Schema], query: type[Schema]) -> Blueprint:
    """A blueprint with list/create and read/update for one organization-owned model."""
    blueprint = Blueprint(name, __name__, url_prefix=f"/api/v1/{path}",
                          description=f"The organization's {path}.")

    @blueprint.route("")
    class Collection(MethodView):
        @blueprint.arguments(query, location="query")
        @blueprint.response(200, page)
        def get(self, args: dict[str, Any]) -> Any:
            """List the records you may see, newest first."""
            paging = {key: args.pop(key) for key in PAGE_KEYS}
            return catalog.list_records(db.session, g.actor, model, **paging, **args)

        @blueprint.arguments(create)
        @blueprint.response(201, output)
        def post(self, values: dict[str, Any]) -> Any:
            """Register a new record for your organization."""
            record = catalog.create_record(db.session, g.actor, model, values)
            db.session.commit()
            return record

    @blueprint.route("/<int:record_id>")
    class Item(MethodView):
        @blueprint.response(200, output)
        def get(self, record_id: int) -> Any:
            """Read one record."""
            return catalog.get_record(db.session, g.actor, model, record_id)

        @blueprint.arguments(patch_schema(partial=True))
        @blueprint.response(200, output)
        def patch(self, changes: dict[str, Any], record_id: int) -> Any:
            """Change some fields of one of your records."""
            record = catalog.update_record(db.session, g.actor, model, record_id, changes)
            db.session.commit()
            return record

    Collection.__name__, Item.__name__ = f"{name}_collection", f"{name}_item"
    return blueprint


BLUEPRINTS = (
    _resource(Product, "products", "products", schemas.ProductInSchema, schemas.ProductPatchSchema,
              schemas.ProductSchema, schemas.ProductPageSchema, schemas.ProductQuerySchema),
    _resource(RawMaterialArea, "areas", "areas", schemas.AreaInSchema, schemas.AreaPatchSchema,
              schemas.AreaSchema, schemas.AreaPageSchema, schemas.AreaQuerySchema),
    _resource(Facility, "facilities", "facilities", schemas.FacilityInSchema,
              schemas.FacilityPatchSchema, schemas.FacilitySchema, schemas.FacilityPageSchema,
              schemas.ListQuerySchema),
    _resource(Certificate, "certificates", "certificates", schemas.CertificateInSchema,
              schemas.CertificatePatchSchema, schemas.CertificateSchema,
              schemas.CertificatePageSchema, schemas.CertificateQuerySchema),
)
