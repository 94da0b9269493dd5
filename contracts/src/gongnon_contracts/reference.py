"""Reference data every service and agency shares: policy categories (정책분류) and Seoul's
25 autonomous districts (자치구). Keys are stable identifiers; labels are what people read."""

from __future__ import annotations

from datetime import timedelta, timezone

# The platform's calendar (days, deadlines shown to people): Korea keeps no daylight saving time.
KST = timezone(timedelta(hours=9), "KST")

POLICY_CATEGORIES: dict[str, dict[str, str]] = {
    "welfare": {"ko": "복지", "en": "Welfare"},
    "women": {"ko": "여성", "en": "Women & family"},
    "safety": {"ko": "안전", "en": "Safety"},
    "environment": {"ko": "환경", "en": "Environment"},
    "transport": {"ko": "교통", "en": "Transport"},
    "housing": {"ko": "주택", "en": "Housing"},
    "health": {"ko": "건강", "en": "Health"},
    "economy": {"ko": "경제", "en": "Economy"},
    "culture": {"ko": "문화", "en": "Culture"},
    "education": {"ko": "교육", "en": "Education"},
    "planning": {"ko": "기획", "en": "Planning"},
    "other": {"ko": "기타", "en": "Other"},
}

SEOUL_DISTRICTS: dict[str, dict[str, str]] = {
    "jongno": {"ko": "종로구", "en": "Jongno-gu"},
    "jung": {"ko": "중구", "en": "Jung-gu"},
    "yongsan": {"ko": "용산구", "en": "Yongsan-gu"},
    "seongdong": {"ko": "성동구", "en": "Seongdong-gu"},
    "gwangjin": {"ko": "광진구", "en": "Gwangjin-gu"},
    "dongdaemun": {"ko": "동대문구", "en": "Dongdaemun-gu"},
    "jungnang": {"ko": "중랑구", "en": "Jungnang-gu"},
    "seongbuk": {"ko": "성북구", "en": "Seongbuk-gu"},
    "gangbuk": {"ko": "강북구", "en": "Gangbuk-gu"},
    "dobong": {"ko": "도봉구", "en": "Dobong-gu"},
    "nowon": {"ko": "노원구", "en": "Nowon-gu"},
    "eunpyeong": {"ko": "은평구", "en": "Eunpyeong-gu"},
    "seodaemun": {"ko": "서대문구", "en": "Seodaemun-gu"},
    "mapo": {"ko": "마포구", "en": "Mapo-gu"},
    "yangcheon": {"ko": "양천구", "en": "Yangcheon-gu"},
    "gangseo": {"ko": "강서구", "en": "Gangseo-gu"},
    "guro": {"ko": "구로구", "en": "Guro-gu"},
    "geumcheon": {"ko": "금천구", "en": "Geumcheon-gu"},
    "yeongdeungpo": {"ko": "영등포구", "en": "Yeongdeungpo-gu"},
    "dongjak": {"ko": "동작구", "en": "Dongjak-gu"},
    "gwanak": {"ko": "관악구", "en": "Gwanak-gu"},
    "seocho": {"ko": "서초구", "en": "Seocho-gu"},
    "gangnam": {"ko": "강남구", "en": "Gangnam-gu"},
    "songpa": {"ko": "송파구", "en": "Songpa-gu"},
    "gangdong": {"ko": "강동구", "en": "Gangdong-gu"},
}

# 제안 → 공감 → 부서검토 → 토론 → 결정 → 실행: the stages an item's timeline can show.
STAGES: dict[str, dict[str, str]] = {
    "proposed": {"ko": "제안", "en": "Proposed"},
    "supporting": {"ko": "공감 모으는 중", "en": "Gathering support"},
    "review": {"ko": "부서검토", "en": "Department review"},
    "answered": {"ko": "답변 완료", "en": "Answered"},
    "debate": {"ko": "토론", "en": "Debate"},
    "decision": {"ko": "결정", "en": "Decision vote"},
    "execution": {"ko": "실행", "en": "Execution"},
    "closed": {"ko": "종료", "en": "Closed"},
}
