"""The whole permission grid, walked from the app's own URL map: every route of every blueprint and
every API endpoint, as anonymous, producer of A, producer of B, inspector and admin, and as the
scoped officials: an inspector of another province, a programme official of A's province and a
national programme official.

Each endpoint needs a category below; a new route without one fails this test, so nobody adds a
route without deciding who may use it. Ids in the URLs are always organization A's records.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest

from tests.programme_world import official
from tests.test_photos import jpeg_with_gps
from tests.workspace_client import signed_in
from tracelabel.models import Organization
from tracelabel.services import batches, event_photos, jobs, photos

ANON, OWNER, OTHER, INSPECTOR, ADMIN = "anonymous", "producer A", "producer B", "inspector", "admin"
ELSEWHERE, PROGRAMME, NATIONAL = "inspector (Quảng Ninh)", "programme (A's province)", "programme (national)"
ROLES = (ANON, OWNER, OTHER, INSPECTOR, ADMIN, ELSEWHERE, PROGRAMME, NATIONAL)
A_PROVINCE = "19"  # Thái Nguyên; the scoped inspector sees Quảng Ninh (22)
OK = "ok"  # 2xx or 3xx (not a redirect to the login page)
OPEN = "open"  # anything but "who are you?" or "not you" (bad input may still be a 4xx)
REFUSED = "refused"  # any 4xx: a body the schema refuses is answered before the owner check

# category -> expected outcome per role: OK, a set of allowed statuses, or "login" (redirect there)
_READERS = {ELSEWHERE: OK, PROGRAMME: OK, NATIONAL: OK}
_NOT_OFFICIAL = {ELSEWHERE: {403}, PROGRAMME: {403}, NATIONAL: {403}}
_NO_CHANGE = {ELSEWHERE: REFUSED, PROGRAMME: REFUSED, NATIONAL: REFUSED}
CATEGORIES: dict[str, dict[str, object]] = {
    "public": {ANON: OPEN, OWNER: OPEN, OTHER: OPEN, INSPECTOR: OPEN, ADMIN: OPEN,
               ELSEWHERE: OPEN, PROGRAMME: OPEN, NATIONAL: OPEN},
    "signed-in": {ANON: "login", OWNER: OPEN, OTHER: OPEN, INSPECTOR: OPEN, ADMIN: OPEN,
                  ELSEWHERE: OPEN, PROGRAMME: OPEN, NATIONAL: OPEN},
    "api-list": {ANON: {401}, OWNER: OK, OTHER: OK, INSPECTOR: OK, ADMIN: OK, **_READERS},
    "api-read": {ANON: {401}, OWNER: OK, OTHER: {404}, INSPECTOR: OK, ADMIN: OK,
                 ELSEWHERE: {404}, PROGRAMME: OK, NATIONAL: OK},
    "api-owner": {ANON: {401}, OWNER: "not-refused", OTHER: REFUSED, INSPECTOR: REFUSED,
                  ADMIN: REFUSED, **_NO_CHANGE},
    "api-create": {ANON: {401}, OWNER: "not-refused", OTHER: "not-refused",
                   INSPECTOR: REFUSED, ADMIN: REFUSED, **_NO_CHANGE},
    "api-inspector": {ANON: {401}, OWNER: REFUSED, OTHER: REFUSED, INSPECTOR: "not-refused",
                      ADMIN: REFUSED, **_NO_CHANGE},
    "api-inspector-read": {ANON: {401}, OWNER: {403}, OTHER: {403}, INSPECTOR: OK, ADMIN: {403},
                           ELSEWHERE: OK, PROGRAMME: {403}, NATIONAL: {403}},
    "api-audit": {ANON: {401}, OWNER: {403}, OTHER: {403}, INSPECTOR: OK, ADMIN: OK,
                  ELSEWHERE: OK, PROGRAMME: {403}, NATIONAL: {403}},
    "workspace": {ANON: "login", OWNER: "not-refused", OTHER: "not-refused", INSPECTOR: {403},
                  ADMIN: {403}, **_NOT_OFFICIAL},
    "workspace-record": {ANON: "login", OWNER: "not-refused", OTHER: {404}, INSPECTOR: {403},
                         ADMIN: {403}, **_NOT_OFFICIAL},
    "admin": {ANON: "login", OWNER: {403}, OTHER: {403}, INSPECTOR: {403}, ADMIN: "not-refused",
              **_NOT_OFFICIAL},
    "api-admin": {ANON: {401}, OWNER: {403}, OTHER: {403}, INSPECTOR: {403}, ADMIN: "not-refused",
                  **_NOT_OFFICIAL},
    "inspector-page": {ANON: "login", OWNER: {403}, OTHER: {403}, INSPECTOR: "not-refused",
                       ADMIN: {403}, ELSEWHERE: "not-refused", PROGRAMME: {403}, NATIONAL: {403}},
    "inspector-record": {ANON: "login", OWNER: {403}, OTHER: {403}, INSPECTOR: "not-refused",
                         ADMIN: {403}, ELSEWHERE: {404}, PROGRAMME: {403}, NATIONAL: {403}},
    "audit-page": {ANON: "login", OWNER: {403}, OTHER: {403}, INSPECTOR: "not-refused",
                   ADMIN: "not-refused", ELSEWHERE: "not-refused", PROGRAMME: {403},
                   NATIONAL: {403}},
    "api-own-job": {ANON: {401}, OWNER: "not-refused", OTHER: {404}, INSPECTOR: REFUSED,
                    ADMIN: REFUSED, **_NO_CHANGE},
    # The world's job has not run: its owner is told there is no file (yet), others as for any record.
    "workspace-job-result": {ANON: "login", OWNER: {404, 409, 410}, OTHER: {404}, INSPECTOR: {403},
                             ADMIN: {403}, **_NOT_OFFICIAL},
    # The inspector workspace's job pages, given a producer's job: no inspector sees it.
    "inspector-job": {ANON: "login", OWNER: {403}, OTHER: {403}, INSPECTOR: {404}, ADMIN: {403},
                      ELSEWHERE: {404}, PROGRAMME: {403}, NATIONAL: {403}},
    "programme-page": {ANON: "login", OWNER: {403}, OTHER: {403}, INSPECTOR: "not-refused",
                       ADMIN: {403}, ELSEWHERE: "not-refused", PROGRAMME: "not-refused",
                       NATIONAL: "not-refused"},
    "api-programme": {ANON: {401}, OWNER: {403}, OTHER: {403}, INSPECTOR: OK, ADMIN: {403},
                      ELSEWHERE: OK, PROGRAMME: OK, NATIONAL: OK},
}

RULES: dict[str, str] = {
    # public pages and files
    "public.home": "public", "public.health": "public", "public.lookup": "public",
    "public.short_code": "public", "public.short_code_printed": "public",
    "public.digital_link": "public", "public.nfc_tap": "public",
    "public.resolver_description": "public",
    "public.resolver_description_alias": "public", "public.audit_checkpoints": "public",
    "media.image": "public", "static": "public",
    "api-docs.openapi_json": "public", "auth.login": "public", "auth.language": "public",
    "producer.capture_worker": "public", "producer.capture_manifest": "public",
    "public.ocop": "public", "public.product_page": "public", "public.sitemap": "public",
    "public.robots": "public",
    # one's own account
    "auth.account": "signed-in", "auth.password": "signed-in", "auth.tokens": "signed-in",
    "auth.logout": "signed-in", "auth.revoke_token": "signed-in",
    # API: lists, reads, the owner's changes, creation
    "products.Collection": "api-list", "areas.Collection": "api-list",
    "facilities.Collection": "api-list", "certificates.Collection": "api-list",
    "batches.BatchCollection": "api-list", "inspection.export_many": "api-list",
    "products.Item": "api-read", "areas.Item": "api-read", "facilities.Item": "api-read",
    "certificates.Item": "api-read", "batches.BatchItem": "api-read",
    "batches.EventCollection": "api-read", "batches.batch_passport": "api-read",
    "batches.batch_readiness": "api-read", "nfc_tags.TagCollection": "api-read",
    "inspection.trace": "api-read",
    "inspection.export_batch": "api-read", "inspection.area_batches": "api-read",
    "batches.labels": "api-owner", "batches.issue_units": "api-owner",
    "batches.publish": "api-owner", "photos.add": "api-owner", "photos.remove": "api-owner",
    "event_photos.add": "api-owner", "event_photos.rendition": "api-read",
    "imports.import_batches": "api-create",
    "producer.job_result": "workspace-job-result",
    "inspector.job": "inspector-job", "inspector.job_state": "inspector-job",
    "inspector.cancel_job": "inspector-job", "inspector.job_result": "inspector-job",
    "jobs.JobItem": "api-own-job", "jobs.result": "api-own-job",
    # API: inspectors
    "batches.suspend": "api-inspector", "batches.reinstate": "api-inspector",
    "batches.recall": "api-inspector", "inspection.recall_from_area": "api-inspector",
    "inspection.recall_made_from": "api-inspector", "inspection.verify_certificate": "api-inspector",
    "inspection.reject_certificate": "api-inspector", "inspection.set_code_status": "api-inspector",
    "inspection.alerts": "api-inspector-read",
    "inspection.audit_entries": "api-audit", "inspection.audit_verify": "api-audit",
    # admin pages
    "admin.home": "admin", "admin.new_organization": "admin", "admin.new_user": "admin",
    "admin.users": "admin", "admin.edit_organization": "admin", "admin.deactivate_user": "admin",
    "admin.activate_user": "admin", "admin.reset_password": "admin", "admin.tokens": "admin",
    "admin.revoke_token": "admin", "admin.places_to_settle": "admin", "admin.settle_place": "admin",
    # API: administrators (accounts, every token, organizations)
    "users.UserCollection": "api-admin", "users.set_scope": "api-admin",
    "programme_api.coverage": "api-programme", "users.deactivate": "api-admin", "users.activate": "api-admin",
    "users.reset_password": "api-admin", "tokens.list_tokens": "api-admin",
    "tokens.revoke": "api-admin", "organizations.OrganizationCollection": "api-admin",
    "organizations.OrganizationItem": "api-admin",
}
PREFIX_RULES = (("producer.", "workspace"), ("inspector.", "inspector-page"),
                ("programme.", "programme-page"))
INSPECTOR_RECORDS = re.compile(
    r"^inspector\.(batch|change_status|review_certificate|recall_downstream|export_batch|area|"
    r"set_code_status|recall_from_area)$")
RECORD_ENDPOINTS = re.compile(
    r"^producer\.(edit_|batch$|batch_|delete_event|issue_units|labels|publish_batch|"
    r"product_photos|remove_product_photo|job$|job_|cancel_job)")
API_METHOD_CATEGORY = {  # a collection's POST, or an item's PATCH, is a change, not a read
    ("products.Collection", "POST"): "api-create", ("areas.Collection", "POST"): "api-create",
    ("facilities.Collection", "POST"): "api-create",
    ("certificates.Collection", "POST"): "api-create",
    ("batches.BatchCollection", "POST"): "api-create",
    ("products.Item", "PATCH"): "api-owner", ("areas.Item", "PATCH"): "api-owner",
    ("facilities.Item", "PATCH"): "api-owner", ("certificates.Item", "PATCH"): "api-owner",
    ("batches.BatchItem", "PATCH"): "api-owner", ("batches.EventCollection", "POST"): "api-owner",
    ("nfc_tags.TagCollection", "POST"): "api-owner",
}


def category_of(endpoint: str, method: str) -> str | None:
    """The category that says who may call this endpoint with this method."""
    if (endpoint, method) in API_METHOD_CATEGORY:
        return API_METHOD_CATEGORY[(endpoint, method)]
    if endpoint in RULES:
        return RULES[endpoint]
    if endpoint in ("inspector.audit", "inspector.verify_audit"):
        return "audit-page"
    if RECORD_ENDPOINTS.match(endpoint):
        return "workspace-record"
    if INSPECTOR_RECORDS.match(endpoint):
        return "inspector-record"
    return next((category for prefix, category in PREFIX_RULES if endpoint.startswith(prefix)), None)


@dataclass
class World:
    """Organization A's records (every id in the URLs), and one signed-in client per role."""

    ids: dict[str, object]
    clients: dict[str, object]
    headers: dict[str, dict[str, str]]


@pytest.fixture
def world(app, make, session):
    owner_a, owner_b = make.producer(), make.producer()
    inspector, admin = make.account("inspector"), make.account("admin")
    session.get(Organization, owner_a.user.organization_id).province_code = A_PROVINCE
    elsewhere = official(make, "inspector", "Quảng Ninh")
    programme, national = official(make, "programme", A_PROVINCE), official(make, "programme", "national")
    product = make.product(owner_a)
    area = make.area(owner_a)
    facility = make.facility(owner_a)
    certificate = make.certificate(owner_a, product)
    batch = make.batch(owner_a, product, area=area, publish=True)
    batches.issue_units(session, owner_a.actor, batch.id, 3)
    photo = photos.add_photo(session, owner_a.actor, product.id, jpeg_with_gps(300, 200))
    # The API's DELETE removes the first photo; the workspace's remove gets one of its own.
    page_photo = photos.add_photo(session, owner_a.actor, product.id, jpeg_with_gps(200, 300))
    event_photo = event_photos.add_event_photo(session, owner_a.actor, batch.id, batch.events[0].id,
                                               jpeg_with_gps(200, 200), is_public=False)
    job = jobs.create_job(session, owner_a.actor, "labels", {"batch_id": batch.id})
    session.commit()
    # Deactivating, resetting and revoking act on a spare account, so the world stays as it is.
    spare = make.producer()
    token = spare.user.tokens[0]
    record_for = {"products": product.id, "areas": area.id, "facilities": facility.id,
                  "certificates": certificate.id}
    ids = {"batch_id": batch.id, "product_id": product.id, "area_id": area.id,
           "certificate_id": certificate.id, "photo_id": photo.id, "event_id": batch.events[0].id,
           "token_id": token.id, "code": batch.code, "rest": f"0{batch.code}",
           "digest": photo.variants[0].blob_sha256, "filename": "workspace.css",
           "move": "suspend", "verdict": "verify", "page_photo_id": page_photo.id,
           "event_photo_id": event_photo.id, "job_id": job.id,
           "record_for": record_for, "user_id": spare.user.id,
           "organization_id": owner_a.user.organization_id}
    accounts = {OWNER: owner_a, OTHER: owner_b, INSPECTOR: inspector, ADMIN: admin,
                ELSEWHERE: elsewhere, PROGRAMME: programme, NATIONAL: national}
    clients = {ANON: app.test_client(), **{role: signed_in(app, account.user.email).client
                                           for role, account in accounts.items()}}
    headers = {ANON: {}, **{role: account.headers for role, account in accounts.items()}}
    app.config["WTF_CSRF_ENABLED"] = False  # the grid checks who may act, not the forms' tokens
    return World(ids, clients, headers)


def url_for_rule(rule, world: World) -> str | None:
    """The rule's URL with organization A's ids, or None if it has a parameter we don't know."""
    values = {}
    for name in rule.arguments:
        if name == "record_id" and rule.endpoint == "admin.settle_place":
            values[name] = world.ids["area_id"]
        elif name == "record_id":
            kind = next((k for k in world.ids["record_for"] if k in rule.endpoint), None)
            if kind is None:
                return None
            values[name] = world.ids["record_for"][kind]
        elif name == "kind" and rule.endpoint == "admin.settle_place":
            values[name] = "area"
        elif name == "code" and rule.endpoint == "auth.language":
            values[name] = "en"
        elif name == "photo_id" and rule.endpoint.startswith("producer."):
            values[name] = world.ids["page_photo_id"]
        elif name == "photo_id" and rule.endpoint.startswith("event_photos."):
            values[name] = world.ids["event_photo_id"]
        elif name in world.ids:
            values[name] = world.ids[name]
        else:
            return None
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
    return path + ("?format=csv" if "export" in rule.endpoint else "")


def call(world: World, role: str, method: str, url: str, api: bool):
    client = world.clients[role]
    if api:
        kwargs = {"headers": world.headers[role]}
        if method in ("POST", "PATCH"):
            kwargs["json"] = {}
        if url.endswith("/photos") or url.endswith("/imports"):
            kwargs = {"headers": world.headers[role], "content_type": "multipart/form-data",
                      "data": {"file": (io.BytesIO(b"x"), "x.csv")}}
        return client.open(url, method=method, buffered=True, **kwargs)
    return client.open(url, method=method, buffered=True, data={} if method == "POST" else None)


def judge(expected: object, response) -> bool:
    status = response.status_code
    to_login = status == 302 and "/login" in response.headers.get("Location", "")
    if status >= 500:
        return False
    if expected == "login":
        return to_login
    if expected == OK:
        return status < 400 and not to_login
    if expected == "not-refused":
        return status not in (401, 403, 404) and not to_login
    if expected == OPEN:
        return status not in (401, 403)
    if expected == REFUSED:
        return 400 <= status < 500
    return status in expected  # type: ignore[operator]


def test_every_route_has_a_rule_and_keeps_it(app, world):
    missing, wrong, checked = [], [], 0
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            category = category_of(rule.endpoint, method)
            if category is None:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
                continue
            url = url_for_rule(rule, world)
            if url is None:
                missing.append(f"{method} {rule.rule}: no test value for its parameters")
                continue
            api = rule.rule.startswith("/api/") and rule.endpoint != "api-docs.openapi_json"
            for role in ROLES:
                # Signing out, or revoking A's own token, would change the world for later calls.
                if rule.endpoint in ("auth.logout", "auth.revoke_token") and role != ANON:
                    continue
                response = call(world, role, method, url, api)
                checked += 1
                expected = CATEGORIES[category][role]
                if not judge(expected, response):
                    wrong.append(f"{role:<11} {method:<6} {url} -> {response.status_code} "
                                 f"(expected {expected}, {category})")
    assert not missing, "routes without a permission rule:\n" + "\n".join(missing)
    assert not wrong, "permission grid broken:\n" + "\n".join(wrong)
    assert checked > 300
