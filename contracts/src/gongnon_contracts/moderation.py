"""Why a citizen reports a proposal or comment (신고 사유): the gateway's forms and API take
these keys, proposal-svc records them and shows operators the labels."""

from __future__ import annotations

from typing import Literal, get_args

FlagReason = Literal["abuse", "hate", "spam", "privacy", "false", "other"]

FLAG_REASONS: dict[str, str] = {
    "abuse": "욕설·비방",
    "hate": "혐오·차별 표현",
    "spam": "광고·도배",
    "privacy": "개인정보 노출",
    "false": "허위 사실",
    "other": "기타",
}
assert tuple(FLAG_REASONS) == get_args(FlagReason)
