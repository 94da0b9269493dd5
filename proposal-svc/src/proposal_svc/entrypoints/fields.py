"""Request fields the HTTP API shares: a proposal's text and labels as every route takes them,
and the shape of agency and item ids. Checked by FastAPI (422 `validation_error`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, StringConstraints

from gongnon_contracts.reference import POLICY_CATEGORIES, SEOUL_DISTRICTS
from proposal_svc.domain.proposal import BODY_MAX, BODY_MIN, HASHTAG_LEN_MAX, TITLE_MAX, TITLE_MIN

AGENCY_PATTERN = r"^[a-z0-9][a-z0-9-]{1,39}$"
REF_PATTERN = r"^[A-Za-z0-9_\-]{1,64}$"

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=TITLE_MIN, max_length=TITLE_MAX)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=BODY_MIN, max_length=BODY_MAX)]
Hashtag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=HASHTAG_LEN_MAX)]
RefId = Annotated[str, StringConstraints(pattern=REF_PATTERN)]

AgencyId = Annotated[str, Path(pattern=AGENCY_PATTERN)]
AgencyQuery = Annotated[str | None, Query(pattern=AGENCY_PATTERN)]
ItemId = Annotated[str, Path(pattern=REF_PATTERN)]


def known_category(v: str) -> str:
    if v not in POLICY_CATEGORIES:
        raise ValueError(f"unknown category; one of {', '.join(POLICY_CATEGORIES)}")
    return v


def known_district(v: str) -> str:
    if v not in SEOUL_DISTRICTS:
        raise ValueError("unknown district; one of the 25 자치구 keys or null")
    return v


Category = Annotated[str, AfterValidator(known_category)]  # a key of POLICY_CATEGORIES (정책분류)
District = Annotated[str, AfterValidator(known_district)]  # a key of SEOUL_DISTRICTS (자치구)
