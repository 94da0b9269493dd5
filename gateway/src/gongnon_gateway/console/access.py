"""Which console sections a staff role has. Pure: the API still decides every act."""

from __future__ import annotations

from dataclasses import dataclass

from gongnon_contracts.events.common import ActorRole

OPERATOR_ROLES = frozenset({ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN, ActorRole.SUPER_ADMIN})
CASE_ROLES = frozenset({ActorRole.OFFICER, ActorRole.HEAD})
COMMITTEE_ROLES = frozenset({ActorRole.COMMITTEE, ActorRole.OPERATOR, ActorRole.AGENCY_ADMIN, ActorRole.SUPER_ADMIN})
AGENCY_ADMIN_ROLES = frozenset({ActorRole.AGENCY_ADMIN, ActorRole.SUPER_ADMIN})


@dataclass(frozen=True)
class Section:
    path: str
    label: str  # Korean source text, translated by the template


SECTIONS: tuple[tuple[frozenset[ActorRole], Section], ...] = (
    (OPERATOR_ROLES, Section("/console/proposals", "제안 관리")),
    (OPERATOR_ROLES, Section("/console/moderation", "신고·의심 검토")),
    (OPERATOR_ROLES, Section("/console/answers", "답변 승인·재지정")),
    (OPERATOR_ROLES, Section("/console/deliberations", "시민토론·시민에게 묻기")),
    (OPERATOR_ROLES, Section("/console/statistics", "통계")),
    (CASE_ROLES, Section("/console/cases", "부서 검토함")),
    (COMMITTEE_ROLES, Section("/console/committee", "제안실현위원회 심의")),
    (AGENCY_ADMIN_ROLES, Section("/console/agency", "기관 설정")),
    (frozenset({ActorRole.SUPER_ADMIN}), Section("/console/agencies", "기관과 관리자")),
)


def sections_for(role: str) -> list[Section]:
    return [section for roles, section in SECTIONS if role in roles]


def may_open(role: str, path: str) -> bool:
    # A section's pages, and its downloads (/console/proposals.xlsx).
    return any(path == s.path or path.startswith((s.path + "/", s.path + ".")) for s in sections_for(role))
