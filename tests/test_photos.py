"""Product photos: checked by content, stripped of metadata, resized, stored by hash, served immutable."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from tracelabel.models import AuditEntry, ImageBlob, ProductPhoto


def jpeg_with_gps(width: int = 1600, height: int = 1200) -> bytes:
    """A real phone-like JPEG carrying GPS coordinates in its EXIF."""
    image = Image.new("RGB", (width, height), (180, 120, 60))
    for x in range(0, width, 40):
        image.paste((20, 90, 30), (x, 0, x + 20, height))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (21.0, 32.0, 54.0), 3: "E", 4: (107.0, 25.0, 8.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the fixture must carry GPS"
    return data


def png_bomb() -> bytes:
    """A tiny PNG that claims 20,000 x 20,000 pixels (a decompression bomb)."""
    width = height = 20_000
    raw = b"".join(b"\x00" + b"\x00" * (width // 8) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (len(body).to_bytes(4, "big") + kind + body
                + zlib.crc32(kind + body).to_bytes(4, "big"))

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def upload(client, account, product_id, data, name="photo.jpg"):
    return client.post(f"/api/v1/products/{product_id}/photos", headers=account.headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_uploaded_photo_comes_back_without_gps_and_resized(client, make):
    owner = make.producer()
    product = make.product(owner)
    response = upload(client, owner, product.id, jpeg_with_gps())
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()
    assert photo["url"].startswith("https://trace.example.vn/media/")
    assert photo["width"] == 320
    widths = [int(part.split()[-1][:-1]) for part in photo["srcset"].split(", ")]
    assert widths == [320, 640, 1280]
    for part in photo["srcset"].split(", "):
        served = client.get(part.split()[0])
        assert served.status_code == 200
        assert served.mimetype == "image/webp"
        assert b"Exif" not in served.data and b"GPS" not in served.data
        image = Image.open(io.BytesIO(served.data))
        assert len(image.getexif()) == 0
        assert image.size[0] in widths
    small = client.get(photo["url"])
    assert len(small.data) < 40 * 1024
    product_json = client.get(f"/api/v1/products/{product.id}", headers=owner.headers).get_json()
    assert [p["id"] for p in product_json["photos"]] == [photo["id"]]


def test_served_photos_are_immutable_and_revalidate(client, make):
    owner = make.producer()
    product = make.product(owner)
    url = upload(client, owner, product.id, jpeg_with_gps(400, 300)).get_json()["url"]
    path = url.removeprefix("https://trace.example.vn")
    first = client.get(path)
    assert "immutable" in first.headers["Cache-Control"]
    assert "max-age=31536000" in first.headers["Cache-Control"]
    digest = path.rsplit("/", 1)[1].split(".")[0]
    assert first.headers["ETag"] == f'"{digest}"'
    import hashlib
    assert hashlib.sha256(first.data).hexdigest() == digest
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/media/" + "0" * 64 + ".webp").status_code == 404
    assert client.get("/media/not-a-digest.webp").status_code == 404


def test_small_photo_keeps_its_size(client, make):
    owner = make.producer()
    product = make.product(owner)
    photo = upload(client, owner, product.id, jpeg_with_gps(200, 150)).get_json()
    assert (photo["width"], photo["height"]) == (200, 150)
    assert photo["srcset"].endswith(" 200w") and "," not in photo["srcset"]


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"just some text, not a photo", "photo.jpg", "JPEG, PNG hoặc WebP"),
    (b"", "empty.jpg", "Tệp trống"),
    ("truncated", "cut.jpg", "bị hỏng"),
    ("bomb", "bomb.png", "điểm ảnh"),
    ("gif", "anim.gif", "JPEG, PNG hoặc WebP"),
])
def test_bad_uploads_are_refused_and_nothing_is_stored(client, make, session, data, name, message):
    owner = make.producer()
    product = make.product(owner)
    if data == "truncated":
        data = jpeg_with_gps()[:5000]
    elif data == "bomb":
        data = png_bomb()
    elif data == "gif":
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10)).save(buffer, "GIF")
        data = buffer.getvalue()
    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    response = upload(client, owner, product.id, data, name)
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert problem["errors"][0]["field"] == "file"
    assert message in problem["errors"][0]["message"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ImageBlob)) == 0
    assert session.scalar(select(func.count()).select_from(ProductPhoto)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_missing_file_field_is_named(client, make):
    owner = make.producer()
    product = make.product(owner)
    response = client.post(f"/api/v1/products/{product.id}/photos", headers=owner.headers,
                           data={"other": "x"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "file"


def test_only_the_owning_producer_adds_or_removes_photos(client, make, session):
    owner, other = make.producer(), make.producer()
    inspector = make.account("inspector")
    product = make.product(owner)
    assert upload(client, other, product.id, jpeg_with_gps(300, 200)).status_code == 404
    assert upload(client, inspector, product.id, jpeg_with_gps(300, 200)).status_code == 403
    photo_id = upload(client, owner, product.id, jpeg_with_gps(300, 200)).get_json()["id"]
    url = f"/api/v1/products/{product.id}/photos/{photo_id}"
    assert client.delete(url, headers=other.headers).status_code == 404
    assert client.delete(url, headers=inspector.headers).status_code == 403
    assert client.delete(url).status_code == 401
    assert client.delete(url, headers=owner.headers).status_code == 204
    assert client.delete(url, headers=owner.headers).status_code == 404
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ImageBlob)) == 0


def test_identical_uploads_share_their_bytes(client, make, session):
    owner = make.producer()
    product = make.product(owner)
    data = jpeg_with_gps(700, 500)
    first = upload(client, owner, product.id, data).get_json()
    second = upload(client, owner, product.id, data).get_json()
    assert first["url"] == second["url"]
    assert first["srcset"].endswith("700w")  # 320, 640 and the photo's own 700
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ImageBlob)) == 3
    client.delete(f"/api/v1/products/{product.id}/photos/{first['id']}", headers=owner.headers)
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ImageBlob)) == 3
    assert client.get(second["url"].removeprefix("https://trace.example.vn")).status_code == 200
