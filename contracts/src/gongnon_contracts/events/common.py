from enum import StrEnum

from pydantic import Field


class ActorRole(StrEnum):
    CITIZEN = "citizen"
    OFFICER = "officer"
    OPERATOR = "operator"
    COMMITTEE = "committee"
    HEAD = "head"
    AGENCY_ADMIN = "agency_admin"
    SUPER_ADMIN = "super_admin"
    SYSTEM = "system"
    AGENCY_SYSTEM = "agency_system"  # a partner agency's own platform, through an API key


class RuleAction(StrEnum):
    MAKE_PUBLIC = "make_public"
    DEPARTMENT_ANSWER = "department_answer"
    DEBATE_CANDIDATE = "debate_candidate"
    HEAD_ANSWER = "head_answer"
    OPEN_DECISION_VOTE = "open_decision_vote"
    CLOSE = "close"


class Metric(StrEnum):
    SUPPORTS = "supports"
    DEBATE_PARTICIPANTS = "debate_participants"


ItemId = Field(min_length=1, max_length=64, description="The item's id")
