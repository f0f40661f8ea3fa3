"""Product photos in the producer workspace: upload through the form, see them, remove them."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.test_photos import jpeg_with_gps, png_bomb
from tests.workspace_client import csrf_token, field_errors, signed_in
from tracelabel.models import AuditEntry, ImageBlob, ProductPhoto

IMG = re.compile(r"<img[^>]*>")


@pytest.fixture
def owner(make):
    return make.producer()


@pytest.fixture
def product(make, owner):
    return make.product(owner)


@pytest.fixture
def pages(app, owner):
    return signed_in(app, owner.user.email)


def photos_url(product) -> str:
    return f"/workspace/products/{product.id}/photos"


def post_multipart(pages, url: str, fields: dict):
    """Post a multipart body encoded in memory (the test client would spool a large one to an
    unclosed temporary file)."""
    boundary, body = encode_multipart(fields)
    return pages.client.post(url, data=body, buffered=True,
                             content_type=f"multipart/form-data; boundary={boundary}")


def upload(pages, product, data: bytes, name: str = "photo.jpg"):
    """Post the page's multipart form with its CSRF token, as a browser does."""
    token = csrf_token(pages.get(photos_url(product)).get_data(as_text=True))
    return post_multipart(pages, photos_url(product), {
        "csrf_token": token, "file": FileStorage(io.BytesIO(data), name, content_type="image/jpeg")})


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def media_images(page: str) -> list[str]:
    """The <img> tags of a page that show a stored photo."""
    return [tag for tag in IMG.findall(page) if "/media/" in tag]


def test_the_photo_form_is_multipart_with_a_csrf_token(pages, product):
    page = pages.get(photos_url(product)).get_data(as_text=True)
    form = re.search(r'<form method="post" enctype="multipart/form-data"[^>]*>(.*?)</form>', page, re.S)
    assert form, page
    assert 'type="file"' in form.group(1) and 'name="csrf_token"' in form.group(1)
    assert 'accept="image/jpeg,image/png,image/webp"' in form.group(1)


def test_uploaded_photo_shows_in_the_workspace_and_on_the_trace_page(pages, client, make, owner,
                                                                     product, session):
    response = upload(pages, product, jpeg_with_gps())
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == photos_url(product)
    page = pages.get(photos_url(product)).get_data(as_text=True)
    [tag] = media_images(page)
    src = re.search(r'src="(/media/[0-9a-f]{64}\.webp)"', tag).group(1)
    assert re.search(r'srcset="/media/\S+ 320w, /media/\S+ 640w, /media/\S+ 1280w"', tag), tag
    assert 'width="320" height="240"' in tag and 'alt="' in tag
    assert "Photos (1)" in pages.get(f"/workspace/products/{product.id}/edit").get_data(as_text=True)
    served = client.get(src)
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert b"Exif" not in served.data and b"GPS" not in served.data
    assert len(Image.open(io.BytesIO(served.data)).getexif()) == 0
    batch = make.batch(owner, product, publish=True)
    trace = client.get(f"/t/{batch.code}").get_data(as_text=True)
    assert any(f'src="{src}"' in tag for tag in media_images(trace)), trace


def bad_upload(kind: str) -> tuple[bytes, str]:
    if kind == "text":
        return b"just some text, not a photo", "photo.jpg"
    if kind == "truncated":
        return jpeg_with_gps()[:5000], "cut.jpg"
    if kind == "gif":
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buffer, "GIF")
        return buffer.getvalue(), "anim.gif"
    if kind == "bomb":
        return png_bomb(), "bomb.png"
    if kind == "empty":
        return b"", "empty.jpg"
    return b"\xff\xd8\xff" + b"\0" * (10 * 2**20), "huge.jpg"  # over the 10 MB cap


@pytest.mark.parametrize(("kind", "english", "vietnamese"), [
    ("text", "Upload a JPEG, PNG or WebP photo.", "JPEG, PNG hoặc WebP"),
    ("truncated", "damaged or incomplete", "bị hỏng"),
    ("gif", "Upload a JPEG, PNG or WebP photo.", "JPEG, PNG hoặc WebP"),
    ("bomb", "too many pixels", "điểm ảnh"),
    ("empty", "The file is empty.", "Tệp trống"),
    ("too_big", "larger than 10 MB", "10 MB"),
])
def test_bad_uploads_are_shown_next_to_the_field_and_nothing_is_stored(
        app, pages, owner, product, session, kind, english, vietnamese):
    audits = count(session, AuditEntry)
    data, name = bad_upload(kind)
    response = upload(pages, product, data, name)
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True))
    assert any(english in text for text in errors.get("file", [])), errors
    in_vietnamese = signed_in(app, owner.user.email, language=None)
    page = upload(in_vietnamese, product, data, name).get_data(as_text=True)
    assert "Ảnh (JPEG, PNG hoặc WebP)" in page
    errors = field_errors(page)
    assert any(vietnamese in text for text in errors.get("file", [])), errors
    assert count(session, ProductPhoto) == 0 and count(session, ImageBlob) == 0
    assert count(session, AuditEntry) == audits


def test_a_post_without_a_file_asks_for_one(pages, product, session):
    response = pages.submit(photos_url(product), {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True))["file"] == ["This field is required."]
    assert count(session, ProductPhoto) == 0


def test_remove_a_photo(pages, product, session):
    upload(pages, product, jpeg_with_gps(400, 300))
    photo_id = session.scalar(select(ProductPhoto.id))
    page = pages.get(photos_url(product)).get_data(as_text=True)
    action = f"{photos_url(product)}/{photo_id}/remove"
    assert f'action="{action}"' in page
    response = pages.client.post(action, data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    assert count(session, ProductPhoto) == 0 and count(session, ImageBlob) == 0
    assert media_images(pages.get(photos_url(product)).get_data(as_text=True)) == []
    again = pages.client.post(action, data={"csrf_token": csrf_token(page)})
    assert again.status_code == 404


def test_a_remove_without_the_csrf_token_is_refused(pages, product, session):
    upload(pages, product, jpeg_with_gps(400, 300))
    photo_id = session.scalar(select(ProductPhoto.id))
    response = pages.client.post(f"{photos_url(product)}/{photo_id}/remove")
    assert response.status_code == 400
    assert count(session, ProductPhoto) == 1


def test_another_producer_can_neither_see_upload_nor_remove(app, make, pages, product, session):
    upload(pages, product, jpeg_with_gps(400, 300))
    photo_id = session.scalar(select(ProductPhoto.id))
    other = signed_in(app, make.producer().user.email)
    audits = count(session, AuditEntry)
    page = other.get(photos_url(product))
    assert page.status_code == 404
    assert "<h1>Product" in page.get_data(as_text=True)  # the workspace's own 404 page
    token = csrf_token(other.get("/workspace").get_data(as_text=True))
    uploaded = post_multipart(other, photos_url(product), {
        "csrf_token": token, "file": FileStorage(io.BytesIO(jpeg_with_gps(300, 200)), "mine.jpg")})
    assert uploaded.status_code == 404
    removed = other.client.post(f"{photos_url(product)}/{photo_id}/remove",
                                data={"csrf_token": token})
    assert removed.status_code == 404
    assert count(session, ProductPhoto) == 1 and count(session, AuditEntry) == audits
