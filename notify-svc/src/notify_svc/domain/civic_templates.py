"""Notifications of the committee (제안실현위원회) and execution (실행), in Korean and English:
to an item's followers (authors, supporters, followers) and to the staff who act next."""

from __future__ import annotations

from collections.abc import Callable

from notify_svc.domain.templates import Params, Rendered, date_en, date_ko

_VERDICT_KO = {"fit": "적정", "revise": "수정", "discard": "폐기"}
_VERDICT_EN = {"fit": "fit", "revise": "to be revised", "discard": "discarded"}
_VERDICT_NEXT_KO = {
    "fit": "곧 결정 투표가 열립니다. 투표로 실행 여부를 정해 주세요.",
    "revise": "실행계획서를 다시 작성합니다.",
    "discard": "제안은 실현되지 않고 종료됩니다.",
}
_VERDICT_NEXT_EN = {
    "fit": "A decision vote opens now: citizens decide whether it is carried out.",
    "revise": "The execution plan will be written again.",
    "discard": "The proposal will not be carried out.",
}


def _ko(p: Params) -> str:
    return f"‘{p['title']}’ 제안" if p.get("title") else "제안"


def _en(p: Params) -> str:
    return f"“{p['title']}”" if p.get("title") else "the proposal"


def _verdict(p: Params, labels: dict[str, str]) -> str:
    v = p.get("verdict", "")
    return labels.get(v, v)


def _why_ko(p: Params) -> str:
    return f" 사유: {p['reason']}" if p.get("reason") else ""


def _why_en(p: Params) -> str:
    return f" Reason: {p['reason']}" if p.get("reason") else ""


CIVIC_TEMPLATES: dict[str, dict[str, Callable[[Params], Rendered]]] = {
    "committee_agenda": {
        "ko": lambda p: Rendered(
            "제안이 제안실현위원회 안건이 되었습니다",
            f"{_ko(p)}이 제안실현위원회에서 심의됩니다 (당위성·변화성·실행성·파급성).",
        ),
        "en": lambda p: Rendered(
            "The proposal goes to the committee",
            f"{_en(p)} is now on the agenda of the proposal realisation committee.",
        ),
    },
    "committee_agenda_staff": {
        "ko": lambda p: Rendered(
            "새 심의 안건: 점수를 매겨 주세요",
            f"{_ko(p)}이 안건으로 등록되었습니다. 당위성·변화성·실행성·파급성을 1~5점으로 평가해 주세요.",
        ),
        "en": lambda p: Rendered(
            "A new agenda item to score",
            f"{_en(p)} is on the committee's agenda. Please score necessity, changeability, feasibility "
            "and impact (1-5 each).",
        ),
    },
    "committee_selection": {
        "ko": lambda p: Rendered(
            "제안실현위원회 1차 심의 결과",
            f"{_ko(p)}이 {'선정되었습니다' if p.get('selected') == 'True' else '선정되지 않았습니다'} "
            f"(평균 {p.get('average_score', '')}점/20점).",
        ),
        "en": lambda p: Rendered(
            "The committee's first review",
            f"{_en(p)} was {'selected' if p.get('selected') == 'True' else 'not selected'} "
            f"(mean score {p.get('average_score', '')} of 20).",
        ),
    },
    "plan_verdict_due": {
        "ko": lambda p: Rendered(
            "실행계획서 적정성 검토 요청",
            f"{_ko(p)}의 실행계획서({p.get('revision', '1')}차)를 {date_ko(p['due_at'])}까지 검토해 주세요: "
            "적정, 수정 또는 폐기.",
        ),
        "en": lambda p: Rendered(
            "Please judge an execution plan",
            f"Please judge the execution plan (revision {p.get('revision', '1')}) of {_en(p)} by "
            f"{date_en(p['due_at'])}: fit, revise or discard.",
        ),
    },
    "verdict_overdue": {
        "ko": lambda p: Rendered(
            "실행계획서 검토 기한이 지났습니다",
            f"{p.get('department_name', '')}이(가) {_ko(p)}의 실행계획서를 {date_ko(p['due_at'])}까지 "
            "검토하지 않았습니다. 적정, 수정 또는 폐기로 판단해 주세요.",
        ),
        "en": lambda p: Rendered(
            "An execution plan's verdict is overdue",
            f"{p.get('department_name', '')} has not judged the execution plan of {_en(p)}, due by "
            f"{date_en(p['due_at'])}. Please judge it: fit, revise or discard.",
        ),
    },
    "committee_verdict": {
        "ko": lambda p: Rendered(
            f"실행부서 검토 결과: {_verdict(p, _VERDICT_KO)}",
            f"{p.get('department_name', '')}이(가) {_ko(p)}의 실행계획을 {_verdict(p, _VERDICT_KO)}(으)로 "
            f"판단했습니다. {_VERDICT_NEXT_KO.get(p.get('verdict', ''), '')}{_why_ko(p)}",
        ),
        "en": lambda p: Rendered(
            f"The executing department judged the plan {_verdict(p, _VERDICT_EN)}",
            f"{p.get('department_name', '')} judged the plan for {_en(p)} {_verdict(p, _VERDICT_EN)}. "
            f"{_VERDICT_NEXT_EN.get(p.get('verdict', ''), '')}{_why_en(p)}",
        ),
    },
    "execution_started": {
        "ko": lambda p: Rendered(
            "시민이 결정한 제안의 실행이 시작됩니다",
            f"{_ko(p)}을 {p.get('department_name', '')}에서 "
            + ("실행합니다." if p.get("status") == "in_progress" else "실행하기 위해 예산을 확보하고 있습니다."),
        ),
        "en": lambda p: Rendered(
            "What citizens decided is being carried out",
            f"{p.get('department_name', '')} "
            + (
                f"has started carrying out {_en(p)}."
                if p.get("status") == "in_progress"
                else f"is securing the budget to carry out {_en(p)}."
            ),
        ),
    },
    "execution_progress": {
        "ko": lambda p: Rendered(
            f"실행 경과: 진행률 {p.get('progress_pct', '')}%",
            f"{_ko(p)}: {p.get('milestone', '')} (진행률 {p.get('progress_pct', '')}%).",
        ),
        "en": lambda p: Rendered(
            f"Progress: {p.get('progress_pct', '')} %",
            f"{_en(p)}: {p.get('milestone', '')} ({p.get('progress_pct', '')} % done).",
        ),
    },
    "execution_completed": {
        "ko": lambda p: Rendered(
            "제안이 실현되었습니다",
            f"{_ko(p)}의 실행이 완료되었습니다. 실행 결과서를 확인해 보세요.",
        ),
        "en": lambda p: Rendered(
            "The proposal was carried out",
            f"{_en(p)} has been carried out. Its final report is public.",
        ),
    },
}
