"""Agency admins' screens (branding, rule set, departments and staff, API keys, webhook
subscriptions and their delivery log) and the super admin's agencies."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from gongnon_contracts.public_events import PUBLIC_TYPES
from gongnon_gateway.api.deps import ID_PATTERN, ContextDep
from gongnon_gateway.console.common import DONE, Staff, back_to, outcome, page, posted_by_staff, staff_of
from gongnon_gateway.site.routes import SiteUser

router = APIRouter(include_in_schema=False)
_ID = re.compile(ID_PATTERN)
KEY_SCOPES = ("read", "submit", "answer", "subscriptions")
STAFF_ROLES = ("officer", "head", "operator", "committee", "agency_admin")


def _here(agency: str, staff: Staff) -> str:
    return "/console/agency" + (f"?agency={agency}" if staff.role == "super_admin" else "")


@router.get("/console/agency", response_model=None)
async def agency_settings(request: Request, user: SiteUser, created_secret: str = "") -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    agency = staff.agency_asked(request)
    found = await staff.api.get(f"/api/agencies/{agency}")
    ruleset = await staff.api.get(f"/api/agencies/{agency}/ruleset")
    versions = await staff.api.get(f"/api/agencies/{agency}/ruleset/versions", limit=10)
    meta = await staff.api.get("/api/meta")
    departments = await staff.api.get(f"/api/agencies/{agency}/departments")
    keys = await staff.api.get(f"/api/agencies/{agency}/api-keys")
    subscriptions = await staff.api.get(f"/api/agencies/{agency}/subscriptions")
    return page(
        request,
        staff.session,
        "console_agency.html",
        agency_id=agency,
        agency=found.body if found.ok else None,
        ruleset=ruleset.body if ruleset.ok else None,
        versions=versions.items(),
        presets=meta.body.get("presets", []) if meta.ok and isinstance(meta.body, dict) else [],
        departments=departments.items(),
        keys=keys.items(),
        subscriptions=subscriptions.items(),
        event_types=sorted(PUBLIC_TYPES),
        key_scopes=KEY_SCOPES,
        staff_roles=STAFF_ROLES,
        scope_query=f"?agency={agency}" if staff.role == "super_admin" else "",
        failed=None if found.ok else found.error,
    )


async def _posted(request: Request, ctx: ContextDep, user: SiteUser, csrf: str) -> tuple[Staff, str] | Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    return staff, staff.agency_asked(request)


async def _act(staff: Staff, agency: str, method: str, path: str, body: Any, done: str) -> Response:
    reply = await staff.api.call(method, path, json=body)
    return outcome(reply, "/console/agency", done, **({"agency": agency} if staff.role == "super_admin" else {}))


@router.post("/console/agency/branding", response_model=None)
async def branding(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    name_ko: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    logo_url: Annotated[str, Form()] = "",
    primary_color: Annotated[str, Form()] = "",
    accent_color: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    brand = {k: v for k, v in (("primary_color", primary_color), ("accent_color", accent_color)) if v}
    brand["logo_url"] = logo_url or None  # type: ignore[assignment]
    body = {"name_ko": name_ko or None, "name_en": name_en or None, "branding": brand}
    return await _act(
        staff, agency, "PATCH", f"/api/agencies/{agency}", {k: v for k, v in body.items() if v}, "branding_saved"
    )


@router.post("/console/agency/ruleset", response_model=None)
async def ruleset(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    preset: Annotated[str, Form()] = "",
    census: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    body: dict[str, Any] = {"preset": preset}
    if census.strip():
        body["census"] = int(census) if census.strip().isdigit() else census
    return await _act(staff, agency, "PUT", f"/api/agencies/{agency}/ruleset", body, "ruleset_saved")


@router.post("/console/agency/departments", response_model=None)
async def department(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    name: Annotated[str, Form()] = "",
    unit: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    body = {"name": name, "unit": unit or None}
    return await _act(staff, agency, "POST", f"/api/agencies/{agency}/departments", body, "department_created")


@router.post("/console/agency/staff", response_model=None)
async def staff_account(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    department_id: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    body = {
        "email": email,
        "password": password,
        "display_name": display_name,
        "role": role,
        "department_id": department_id or None,
        "agency": agency if staff.role == "super_admin" else None,
    }
    return await _act(staff, agency, "POST", "/api/admin/accounts", body, "admin_created")


@router.post("/console/agency/api-keys", response_model=None)
async def api_key(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    reply = await staff.api.call(
        "POST", f"/api/agencies/{agency}/api-keys", json={"name": name, "scopes": scopes or []}
    )
    if not reply.ok:
        return back_to("/console/agency", error=reply)
    # The key is shown once, on this answer's page, never put in a URL or a log.
    return await _secret_page(request, staff, agency, "key_created", str(reply.body.get("key", "")))


@router.post("/console/agency/api-keys/{key_id}/revoke", response_model=None)
async def revoke_key(
    request: Request, ctx: ContextDep, user: SiteUser, key_id: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    if not _ID.match(key_id):
        return back_to("/console/agency", done="nothing_selected")
    return await _act(staff, agency, "DELETE", f"/api/agencies/{agency}/api-keys/{key_id}", None, "key_revoked")


@router.post("/console/agency/subscriptions", response_model=None)
async def subscribe(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    url: Annotated[str, Form()] = "",
    types: Annotated[list[str] | None, Form()] = None,
    scope: Annotated[str, Form()] = "own",
    description: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    body = {"url": url.strip(), "types": types or None, "scope": scope, "description": description}
    reply = await staff.api.call("POST", f"/api/agencies/{agency}/subscriptions", json=body)
    if not reply.ok:
        return back_to("/console/agency", error=reply)
    return await _secret_page(request, staff, agency, "subscribed", str(reply.body.get("secret", "")))


async def _secret_page(request: Request, staff: Staff, agency: str, done: str, secret: str) -> Response:
    return page(
        request,
        staff.session,
        "console_secret.html",
        done_text=DONE[done],
        secret=secret,
        back=_here(agency, staff),
    )


@router.post("/console/agency/subscriptions/{subscription_id}/delete", response_model=None)
async def unsubscribe(
    request: Request, ctx: ContextDep, user: SiteUser, subscription_id: str, csrf: Annotated[str, Form()] = ""
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    if not _ID.match(subscription_id):
        return back_to("/console/agency", done="nothing_selected")
    path = f"/api/agencies/{agency}/subscriptions/{subscription_id}"
    return await _act(staff, agency, "DELETE", path, None, "unsubscribed")


@router.get("/console/agency/subscriptions/{subscription_id}", response_model=None)
async def deliveries(request: Request, user: SiteUser, subscription_id: str) -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    agency = staff.agency_asked(request)
    if not _ID.match(subscription_id):
        return back_to("/console/agency", done="nothing_selected")
    base = f"/api/agencies/{agency}/subscriptions/{subscription_id}"
    found = await staff.api.get(base)
    if not found.ok:
        return back_to("/console/agency", error=found)
    log = await staff.api.get(base + "/deliveries", limit=100)
    return page(
        request,
        staff.session,
        "console_deliveries.html",
        subscription=found.body,
        deliveries=log.items(),
        agency_id=agency,
        scope_query=f"?agency={agency}" if staff.role == "super_admin" else "",
        failed=None if log.ok else log.error,
    )


@router.post("/console/agency/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver", response_model=None)
async def redeliver(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    subscription_id: str,
    delivery_id: str,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    posted = await _posted(request, ctx, user, csrf)
    if isinstance(posted, Response):
        return posted
    staff, agency = posted
    here = f"/console/agency/subscriptions/{subscription_id}"
    if not (_ID.match(subscription_id) and _ID.match(delivery_id)):
        return back_to("/console/agency", done="nothing_selected")
    path = f"/api/agencies/{agency}/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver"
    reply = await staff.api.call("POST", path)
    extra = {"agency": agency} if staff.role == "super_admin" else {}
    return outcome(reply, here, "redelivered", **extra)


@router.get("/console/agencies", response_model=None)
async def agencies(request: Request, user: SiteUser) -> Response:
    staff = staff_of(request, user)
    if not isinstance(staff, Staff):
        return staff
    reply = await staff.api.get("/api/agencies")
    return page(
        request,
        staff.session,
        "console_agencies.html",
        agencies=reply.items(),
        failed=None if reply.ok else reply.error,
    )


@router.post("/console/agencies", response_model=None)
async def register_agency(
    request: Request,
    ctx: ContextDep,
    user: SiteUser,
    agency_id: Annotated[str, Form(alias="id")] = "",
    name_ko: Annotated[str, Form()] = "",
    name_en: Annotated[str, Form()] = "",
    host: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    staff = posted_by_staff(request, ctx, user, csrf)
    if not isinstance(staff, Staff):
        return staff
    body = {"id": agency_id.strip(), "name_ko": name_ko, "name_en": name_en, "host": host.strip() or None}
    reply = await staff.api.call("POST", "/api/agencies", json=body)
    return outcome(reply, "/console/agencies", "agency_created")
