"""A product's photos in the workspace: see them, upload one (a multipart form), remove one."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from tracelabel import images
from tracelabel.extensions import db
from tracelabel.models import Product
from tracelabel.services import catalog, photos
from tracelabel.services.errors import ValidationFailed
from tracelabel.web.auth.forms import ConfirmForm, WorkspaceForm, show_domain_errors
from tracelabel.web.auth.session import current_actor
from tracelabel.web.producer.routes import blueprint

ACCEPTED_TYPES = "image/jpeg,image/png,image/webp"


class PhotoForm(WorkspaceForm):
    """One photo to upload; the photos service checks it by its content, not its name."""

    file = FileField(_l("Photo (JPEG, PNG or WebP)"), validators=[FileRequired()])


@blueprint.route("/products/<int:product_id>/photos", methods=["GET", "POST"])
def product_photos(product_id: int) -> Any:
    """The product's photos and a form to add one; a refused upload is shown next to the field."""
    actor = current_actor()
    product = catalog.get_record(db.session, actor, Product, product_id)
    form = PhotoForm()
    if form.validate_on_submit():
        # One byte over the cap is enough for the service to refuse the file as too large.
        data = form.file.data.stream.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
        try:
            photos.add_photo(db.session, actor, product.id, data)
        except ValidationFailed as error:
            db.session.rollback()
            show_domain_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Photo added."), "success")
            return redirect(url_for("producer.product_photos", product_id=product.id))
    status = 422 if form.is_submitted() else 200
    shown = [(photo, photos.public_photo_of(photo)) for photo in product.photos]
    return render_template("producer/product_photos.html", product=product, form=form,
                           shown=shown, confirm=ConfirmForm(), accept=ACCEPTED_TYPES,
                           limit=photos.MAX_PHOTOS_PER_PRODUCT,
                           max_mb=images.MAX_UPLOAD_BYTES // 2**20), status


@blueprint.post("/products/<int:product_id>/photos/<int:photo_id>/remove")
def remove_product_photo(product_id: int, photo_id: int) -> Any:
    """Remove one of the product's photos (its bytes go too when no other photo uses them)."""
    if ConfirmForm().validate_on_submit():
        photos.remove_photo(db.session, current_actor(), product_id, photo_id)
        db.session.commit()
        flash(gettext("Photo removed."), "success")
    return redirect(url_for("producer.product_photos", product_id=product_id))
