"""The rule sets every Gongnon installation ships (MISSION.md, figures from the seeds and the
peers' public rules). Ids are stable: items record the id and version they opened under."""

from __future__ import annotations

from gongnon_contracts.events.common import Metric, RuleAction
from proposal_svc.domain.rules import DecisionVotePolicy, Rule, RuleSet

S = Metric.SUPPORTS
D = Metric.DEBATE_PARTICIPANTS
A = RuleAction

DEFAULT_PRESET = "democracy-seoul-2019"
DEFAULT_DUE_DAYS = 20  # a department answers within 20 days unless the rule says otherwise
MADRID_CENSUS = 2_700_000  # Madrid's electoral census (≈ residents over 16); agencies may override

PRESETS: dict[str, RuleSet] = {
    rs.id: rs
    for rs in [
        RuleSet(
            id="democracy-seoul-2019",
            agency="seoul",
            name="민주주의 서울 (2019)",
            version=1,
            rules=(
                Rule("supports-50", S, A.DEPARTMENT_ANSWER, 50, due_days=DEFAULT_DUE_DAYS, label="부서 답변"),
                Rule("supports-500", S, A.DEBATE_CANDIDATE, 500, label="토론 의제 후보"),
                Rule("debate-5000", D, A.HEAD_ANSWER, 5_000, label="서울시장 답변"),
            ),
            description="공감 50 → 부서 답변, 공감 500 → 토론 의제 후보, 토론 참여 5,000 → 시장 답변",
            source="seeds/000 운영 가이드: 민주주의 서울(2019)의 기준",
        ),
        RuleSet(
            id="democracy-seoul-2020",
            agency="seoul",
            name="민주주의 서울 (2020)",
            version=1,
            rules=(
                Rule("supports-50", S, A.DEPARTMENT_ANSWER, 50, due_days=DEFAULT_DUE_DAYS, label="부서 답변"),
                Rule("supports-100", S, A.DEBATE_CANDIDATE, 100, label="시민토론 (공론)"),
                Rule("debate-1000", D, A.HEAD_ANSWER, 1_000, label="서울시장 답변"),
            ),
            description="공감 50 → 부서 답변, 공감 100 → 시민토론, 토론 참여 1,000 → 시장 답변",
        ),
        RuleSet(
            id="democracy-seoul-2018",
            agency="seoul",
            name="민주주의 서울 (2018)",
            version=1,
            rules=(Rule("supports-10", S, A.DEPARTMENT_ANSWER, 10, due_days=20, label="즉시 부서검토"),),
            # The committee (제안실현위원회) opens the decision vote, not a count; how it runs:
            decision_vote=DecisionVotePolicy(
                min_open_days=30, pass_ratio=0.5, krw_per_voter=100_000, quorum_min=1_000, quorum_max=100_000
            ),
            description="공감 10 → 즉시 부서검토(20일 이내 답변); 결정 투표 30일 이상, 찬성 50% 초과",
            source="seeds/001 2018년도 민주주의 서울 운영 계획",
        ),
        RuleSet(
            id="cheongwadae-petition",
            agency="korea",
            name="청와대 국민청원",
            version=1,
            rules=(
                Rule("pre-agreement-100", S, A.MAKE_PUBLIC, 100, label="사전동의 100명 → 공개"),
                Rule("agree-200000", S, A.HEAD_ANSWER, 200_000, window_days=30, due_days=30, label="정부 공식 답변"),
            ),
            close_after_days=30,
            description="사전동의 100명 → 게시판 공개; 30일 안에 20만 명 → 30일 이내 공식 답변",
            source="seeds/000: 국민청원 (2017.9, 시즌 2 2019.3)",
        ),
        RuleSet(
            id="taiwan-join",
            agency="taiwan",
            name="Join (臺灣公共政策網路參與平臺)",
            version=1,
            rules=(
                Rule("supports-5000", S, A.DEPARTMENT_ANSWER, 5_000, window_days=60, due_days=60, label="기관 답변"),
            ),
            close_after_days=60,
            description="60일 안에 5,000명 → 2개월 안에 기관 답변",
            source="seeds/000: 대만 Join",
        ),
        RuleSet(
            id="uk-petitions",
            agency="uk",
            name="UK Parliament petitions",
            version=1,
            rules=(
                Rule("signatures-10000", S, A.DEPARTMENT_ANSWER, 10_000, label="정부 답변 (government response)"),
                Rule("signatures-100000", S, A.DEBATE_CANDIDATE, 100_000, label="의회 토론 검토 (debate)"),
            ),
            close_after_days=182,  # six months
            description="10,000 → government response; 100,000 → considered for debate; 6 months",
        ),
        RuleSet(
            id="decide-madrid",
            agency="madrid",
            name="Decide Madrid",
            version=1,
            rules=(
                Rule(
                    "census-1pct",
                    S,
                    A.OPEN_DECISION_VOTE,
                    threshold_ratio=0.01,
                    window_days=365,
                    due_days=90,  # the citizen vote is held within three months
                    label="시민 투표 (consulta ciudadana)",
                    params={"vote_open_days": 7},
                ),
            ),
            census=MADRID_CENSUS,
            close_after_days=365,  # a proposal has twelve months to gather 1 % of the census
            decision_vote=DecisionVotePolicy(open_days=7, pass_ratio=0.5),
            description="12개월 안에 유권자 1% 지지 → 3개월 안에 1주일간 시민 투표, 과반 찬성 → 시의회 조치",
            source="seeds/000: 디사이드 마드리드 (2016년 중반부터 1%)",
        ),
        RuleSet(
            id="finland-citizens-initiative",
            agency="finland",
            name="Kansalaisaloite (Finnish citizens' initiative)",
            version=1,
            rules=(
                Rule("signatures-50000", S, A.HEAD_ANSWER, 50_000, window_days=183, label="국회 회부 (parliament)"),
            ),
            close_after_days=183,  # six months
            description="6개월 안에 5만 명 → 국회 안건 회부",
            source="seeds/000: 핀란드 오픈 미니스트리",
        ),
        RuleSet(
            id="oasis",
            agency="seoul",
            name="천만상상 오아시스",
            version=1,
            rules=(Rule("votes-5", S, A.DEPARTMENT_ANSWER, 5, due_days=DEFAULT_DUE_DAYS, label="부서 검토"),),
            description="투표 5 → 부서 검토",
            source="seeds/002 천만상상 오아시스",
        ),
    ]
}


def preset(preset_id: str) -> RuleSet:
    return PRESETS[preset_id]
