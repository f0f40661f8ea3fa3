"""Event photos: stored like product photos, public ones beside their step, internal ones never out;
an event's position never public; the inspector sees when it arrived and whether it is far off."""

from __future__ import annotations

import datetime as dt
import io
import json

from PIL import Image
from sqlalchemy import func, select

from tests.factories import VN
from tests.test_photos import jpeg_with_gps
from tests.workspace_client import signed_in
from tracelabel.models import EventPhoto, ImageBlob
from tracelabel.services import batches as batch_service


def upload(client, account, batch_id, event_id, data, *, public, key=None):
    headers = dict(account.headers)
    if key:
        headers["Idempotency-Key"] = key
    return client.post(f"/api/v1/batches/{batch_id}/events/{event_id}/photos", headers=headers,
                       data={"file": (io.BytesIO(data), "anh.jpg"), "public": str(public).lower()},
                       content_type="multipart/form-data")


def field_event(client, owner, batch, **values):
    body = {"step": "processing", "occurred_at": (dt.datetime.now(VN) - dt.timedelta(hours=1))
            .replace(microsecond=0).isoformat(), "place": "Sân phơi Vân Đồn",
            "latitude": 21.0712, "longitude": 107.4189, "position_accuracy_m": 8, **values}
    response = client.post(f"/api/v1/batches/{batch.id}/events", json=body, headers=owner.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_public_photo_beside_its_step_internal_never_public(client, make, session):
    owner = make.producer()
    batch = make.batch(owner, publish=True)
    event = field_event(client, owner, batch)
    public = upload(client, owner, batch.id, event["id"], jpeg_with_gps(), public=True)
    assert public.status_code == 201, public.get_json()
    assert public.get_json()["public"] is True
    assert public.get_json()["url"].startswith("https://trace.example.vn/media/")
    internal_image = jpeg_with_gps(900, 700)
    internal = upload(client, owner, batch.id, event["id"], internal_image, public=False)
    assert internal.status_code == 201
    assert internal.get_json()["url"] is None

    page = client.get(f"/t/{batch.code}").get_data(as_text=True)
    public_src = public.get_json()["url"].removeprefix("https://trace.example.vn")
    assert f'<img class="step-photo" src="{public_src}"' in page
    assert "21.0712" not in page and "107.4189" not in page
    served = client.get(public_src)
    assert served.status_code == 200
    assert not Image.open(io.BytesIO(served.data)).getexif().get_ifd(0x8825)  # GPS stripped

    photo = session.get(EventPhoto, internal.get_json()["id"])
    digests = {v.blob_sha256 for v in photo.variants}
    assert digests and all(digest not in page for digest in digests)
    for digest in digests:  # stored, but never served under /media
        assert session.get(ImageBlob, digest) is not None
        assert client.get(f"/media/{digest}.webp").status_code == 404
    trace_json = client.get(f"/t/{batch.code}", headers={"Accept": "application/json"})
    text = json.dumps(trace_json.get_json(), ensure_ascii=False)
    steps = trace_json.get_json()["origin"]["events"]
    assert [len(step["photos"]) for step in steps] == [0, 1]
    assert "latitude" not in text and "21.0712" not in text
    assert all(digest not in text for digest in digests)

    # the producer and inspectors fetch the internal one through the API; others do not
    path = f"/api/v1/batches/{batch.id}/events/{event['id']}/photos/{photo.id}?width=320"
    assert client.get(path, headers=owner.headers).mimetype == "image/webp"
    assert client.get(path, headers=make.account("inspector").headers).status_code == 200
    assert client.get(path, headers=make.producer().headers).status_code == 404


def test_photo_upload_is_idempotent_and_checked(client, make, session):
    owner = make.producer()
    batch = make.batch(owner)
    event = field_event(client, owner, batch)
    data = jpeg_with_gps()
    first = upload(client, owner, batch.id, event["id"], data, public=True, key="rec-1:photo-0")
    again = upload(client, owner, batch.id, event["id"], data, public=True, key="rec-1:photo-0")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert session.scalar(select(func.count()).select_from(EventPhoto)) == 1
    other = upload(client, owner, batch.id, event["id"], data, public=False, key="rec-1:photo-0")
    assert other.status_code == 422
    bad = upload(client, owner, batch.id, event["id"], b"not an image", public=True)
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "file"
    stranger = upload(client, make.producer(), batch.id, event["id"], data, public=True)
    assert stranger.status_code == 404
    assert session.scalar(select(func.count()).select_from(EventPhoto)) == 1


def test_photos_of_a_recalled_batch_are_refused(client, make, session):
    owner, inspector = make.producer(), make.account("inspector")
    batch = make.batch(owner, publish=True)
    event = field_event(client, owner, batch)
    session.expire_all()
    batch_service.change_batch_status(session, inspector.actor, batch.id, "recall", "Nhiễm nấm")
    session.commit()
    refused = upload(client, owner, batch.id, event["id"], jpeg_with_gps(), public=True)
    assert refused.status_code == 409


def test_inspector_sees_arrival_and_a_far_off_position(client, make, app):
    owner, inspector = make.producer(), make.account("inspector")
    area = make.area(owner, latitude=21.5942, longitude=105.8482, area_ha=12.5)
    batch = make.batch(owner, area=area)
    near = field_event(client, owner, batch, area_id=area.id, latitude=21.5950,
                       longitude=105.8490, place=None)
    far = field_event(client, owner, batch, area_id=area.id, latitude=21.0285,
                      longitude=105.8542, place=None)  # Hà Nội, ~63 km away
    page = signed_in(app, inspector.user.email).get(f"/inspector/batches/{batch.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    near_item = html.split(f'id="event-{near["id"]}"')[1].split("</li>")[0]
    far_item = html.split(f'id="event-{far["id"]}"')[1].split("</li>")[0]
    assert "Received by the server" in near_item
    assert "far-from-place" not in near_item
    assert "far-from-place" in far_item
    assert "63 km" in far_item
