"""Filing a proposal under an agency (기관): a citizen chooses any agency the gateway lets
through; staff file under their own agency only."""

from __future__ import annotations

import pytest

from gongnon_chassis.actor import Actor
from gongnon_chassis.errors import Forbidden
from gongnon_contracts.events.common import ActorRole
from proposal_svc.entrypoints.http import ProposalIn, in_space

CITIZEN = Actor(account_id="c1", role=ActorRole.CITIZEN, citizen_key="ck-1")
OPERATOR = Actor(account_id="o1", role=ActorRole.OPERATOR, agency="gangnam")


def test_a_citizen_files_under_the_agency_they_choose() -> None:
    assert in_space(CITIZEN, None) is CITIZEN
    filed = in_space(CITIZEN, "gangnam")
    assert (filed.agency, filed.account_id, filed.citizen_key) == ("gangnam", "c1", "ck-1")


def test_staff_file_under_their_own_agency_only() -> None:
    assert in_space(OPERATOR, "gangnam") is OPERATOR
    assert in_space(OPERATOR, None) is OPERATOR
    with pytest.raises(Forbidden) as err:
        in_space(OPERATOR, "seoul")
    assert err.value.code == "other_agency"


def test_the_agency_field_is_an_agency_id() -> None:
    body = {"title": "제목입니다", "body": "내용입니다 충분히 깁니다", "category": "culture"}
    assert ProposalIn.model_validate({**body, "agency": "gangnam"}).agency == "gangnam"
    assert ProposalIn.model_validate(body).agency is None
    with pytest.raises(ValueError, match="agency"):
        ProposalIn.model_validate({**body, "agency": "Not An Agency"})
