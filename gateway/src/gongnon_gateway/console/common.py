"""What every console screen shares: the staff session, the role check, form posts and the page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gongnon_gateway.api.deps import AGENCY_PATTERN
from gongnon_gateway.console.access import may_open, sections_for
from gongnon_gateway.console.api_client import ApiReply, StaffApi
from gongnon_gateway.context import GatewayContext
from gongnon_gateway.site.origin import same_origin
from gongnon_gateway.site.routes import SiteSession, _login_redirect, render

# ?done=… after an act: what the page says (Korean source text, translated by the layout).
DONE: dict[str, str] = {
    "hidden": "선택한 제안을 숨겼습니다.",
    "restored": "선택한 제안을 복원했습니다.",
    "trashed": "선택한 제안을 휴지통으로 옮겼습니다.",
    "moderated": "처리했습니다.",
    "consulted": "시민에게 묻는 질문을 열었습니다.",
    "approved": "답변을 승인해 공개했습니다.",
    "returned": "답변을 부서로 반려했습니다.",
    "assigned": "담당 부서를 지정했습니다.",
    "answered": "답변을 제출했습니다. 운영자 승인 후 공개됩니다.",
    "reassign_requested": "재지정을 요청했습니다.",
    "scored": "심의 점수를 저장했습니다.",
    "progressed": "실행 경과를 기록했습니다.",
    "subscribed": "구독을 만들었습니다. 서명 비밀키는 지금 한 번만 보입니다.",
    "unsubscribed": "구독을 삭제했습니다.",
    "redelivered": "다시 보냈습니다.",
    "key_created": "API 키를 만들었습니다. 키는 지금 한 번만 보입니다.",
    "key_revoked": "API 키를 폐기했습니다.",
    "branding_saved": "기관 정보를 저장했습니다.",
    "ruleset_saved": "새 규칙을 적용했습니다. 진행 중인 제안은 기존 규칙을 따릅니다.",
    "department_created": "부서를 만들었습니다.",
    "agency_created": "기관을 등록했습니다.",
    "admin_created": "관리자 계정을 만들었습니다.",
    "nothing_selected": "선택한 항목이 없습니다.",
    "expired": "화면이 오래되어 처리하지 못했습니다. 다시 시도해 주세요.",
}
_WARNINGS = {"nothing_selected", "expired"}


@dataclass(frozen=True)
class Staff:
    session: SiteSession
    api: StaffApi

    @property
    def role(self) -> str:
        return str(self.session.actor.role)

    @property
    def agency(self) -> str:
        return self.session.actor.agency

    def agency_asked(self, request: Request) -> str:
        """The agency a screen is about: a super admin's `?agency=…`, else the staff member's own."""
        asked = request.query_params.get("agency", "")
        return asked if self.role == "super_admin" and re.fullmatch(AGENCY_PATTERN, asked) else self.agency


def staff_of(request: Request, user: SiteSession | None) -> Staff | Response:
    """The staff member for a console screen, or where to send the caller instead."""
    if user is None:
        return _login_redirect(request.url.path)
    if not may_open(str(user.actor.role), request.url.path):
        return page(request, user, "console_refused.html", status=403)
    return Staff(user, StaffApi(request, user.token))


def posted_by_staff(request: Request, ctx: GatewayContext, user: SiteSession | None, csrf: str) -> Staff | Response:
    """A console form post: our own page, the session's CSRF token, a role that has the section."""
    staff = staff_of(request, user)
    if isinstance(staff, Response):
        return staff
    if not same_origin(request) or not ctx.tokens.check_csrf(staff.session.token, csrf):
        return back_to(request.url.path.rsplit("/", 1)[0] or "/console", done="expired")
    return staff


def back_to(path: str, done: str | None = None, error: ApiReply | None = None, **query: str) -> RedirectResponse:
    params = dict(query)
    if done:
        params["done"] = done
    if error is not None:
        params["error"], params["detail"] = error.error
        params["detail"] = params["detail"][:300]
    return RedirectResponse(path + (f"?{urlencode(params)}" if params else ""), status_code=303)


def outcome(reply: ApiReply, path: str, done: str, **query: str) -> RedirectResponse:
    """Back to the page after an act: what was done, or why the API refused it."""
    return back_to(path, done=done if reply.ok else None, error=None if reply.ok else reply, **query)


def page(request: Request, user: SiteSession, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    q: Mapping[str, str] = request.query_params
    message: tuple[str, str] | None = None
    if q.get("error"):
        message = ("error", f"{q.get('error')}: {q.get('detail', '')}".strip(": "))
    elif q.get("done") in DONE:
        done = q["done"]
        message = ("info" if done in _WARNINGS else "ok", DONE[done])
    return render(
        request,
        name,
        user,
        status=status,
        message=message,
        sections=sections_for(str(user.actor.role)),
        **context,
    )
