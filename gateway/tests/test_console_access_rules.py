"""Which console sections each role has (pure)."""

from __future__ import annotations

from gongnon_gateway.console.access import may_open, sections_for


def test_each_role_has_its_screens_and_no_other() -> None:
    assert sections_for("citizen") == []
    assert may_open("operator", "/console/proposals")
    assert may_open("operator", "/console/proposals.xlsx")
    assert may_open("operator", "/console/proposals/bulk")
    assert not may_open("operator", "/console/agency")
    assert not may_open("operator", "/console/proposalsx")
    assert may_open("officer", "/console/cases/case_1")
    assert not may_open("officer", "/console/proposals.xlsx")
    assert may_open("committee", "/console/committee")
    assert not may_open("committee", "/console/cases")
    assert may_open("agency_admin", "/console/agency/subscriptions/sub_1")
    assert not may_open("agency_admin", "/console/agencies")
    assert may_open("super_admin", "/console/agencies")
