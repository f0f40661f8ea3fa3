"""The public OCOP directory (/ocop), the page of a product without a GTIN (/p/{id}), the sitemap
and robots.txt."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext

from tracelabel import admin_units
from tracelabel.extensions import db
from tracelabel.services import directory, trace
from tracelabel.vietnamese_collation import sort_key
from tracelabel.web.public import pages, respond
from tracelabel.web.public.resolver import state

SITEMAP_TYPE = "application/xml"


def product_path(product_id: int, gtin: str | None) -> str:
    """A product's public page: its GS1 Digital Link when it has a GTIN, else /p/{id}."""
    if gtin:
        return f"/01/{gtin}"  # stored as GTIN-14, the form the resolver serves
    return url_for("public.product_page", product_id=product_id)


def ocop() -> Response:
    """The directory: filters and words from the query string, a page of products in order."""
    args = request.args
    filters = directory.read_filters(args.get("province"), args.get("commune"), args.get("group"),
                                     args.get("stars"), args.get("q"), args.get("page"))
    listing = directory.search(db.session, filters, trace.vietnam_today(), directory.PER_PAGE)
    db.session.commit()
    communes = sorted(admin_units.communes(filters.province_code) if filters.province_code else [],
                      key=lambda commune: sort_key(commune.name))
    html = render_template("public/ocop.html", filters=filters, listing=listing,
                           provinces=admin_units.provinces(), communes=communes,
                           product_path=product_path, page_link=_page_link)
    response = Response(html, mimetype="text/html")
    response.vary.update(("Accept-Language", "Cookie"))
    return respond.cached(response, pages.digest(html), respond.SHARED_CACHE)


def _page_link(number: int) -> str:
    """This directory view's URL at another page number."""
    query: dict[str, Any] = {key: value for key, value in request.args.items() if key != "page"}
    return url_for("public.ocop", **query, page=number)


def product_page(product_id: int) -> Any:
    """A public product's page by id (a product with a GTIN is sent to its Digital Link)."""
    key = directory.find_public_product(db.session, product_id)
    if key is None:
        return respond.code_error(404, gettext("No such product"), gettext(
            "No published product has this page. Browse the OCOP directory instead."))
    if key.gtin:
        return redirect(product_path(key.product_id, key.gtin), 301)
    st, today = state(), trace.vietnam_today()
    facts = trace.public_product(db.session, key, today, st.facts)
    db.session.commit()
    if respond.wanted_format() == respond.JSON:
        response = respond.json_response({**facts, "page_url": request.base_url})
        etag = pages.digest(response.get_data(as_text=True))
    else:
        page = pages.static_page(st.pages, ("product", key.product_id, key.marker, today),
                                 "public/product.html", {"t": facts})
        html, etag = pages.assemble(st.fragments, page, None, None)
        response = Response(html, mimetype="text/html")
    response.vary.update(("Accept", "Accept-Language", "Cookie"))
    return respond.cached(response, etag, respond.SHARED_CACHE)


def sitemap() -> Response:
    """The directory and every public product page (sitemaps.org protocol), nothing else."""
    base = current_app.config["PUBLIC_URL"]
    products = directory.public_products(db.session)
    db.session.commit()
    urls = [f"<url><loc>{escape(base + url_for('public.ocop'))}</loc></url>"]
    urls += [f"<url><loc>{escape(base + product_path(p.product_id, p.gtin))}</loc>"
             f"<lastmod>{p.updated_at.date().isoformat()}</lastmod></url>" for p in products]
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(urls) + "\n</urlset>\n")
    response = Response(body, mimetype=SITEMAP_TYPE)
    return respond.cached(response, pages.digest(body), "public, max-age=3600")


def robots() -> Response:
    """Where crawlers may go: not the code pages (a crawler's visit would count as a scan)."""
    base = current_app.config["PUBLIC_URL"]
    body = ("User-agent: *\n"
            "Disallow: /t/\nDisallow: /T/\nDisallow: /n/\nDisallow: /01/*/10/\n"
            "Disallow: /api/\nDisallow: /workspace\nDisallow: /inspector\nDisallow: /admin\n"
            f"Sitemap: {base}/sitemap.xml\n")
    response = Response(body, mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
