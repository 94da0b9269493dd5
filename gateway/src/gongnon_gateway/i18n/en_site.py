"""English for the public site's strings (Korean source text → English)."""

from __future__ import annotations

SITE: dict[str, str] = {
    "민주주의 서울": "Democracy Seoul",
    "공론": "Gongnon",
    "본문 바로가기": "Skip to content",
    "주 메뉴": "Main menu",
    "시민제안": "Proposals",
    "제안하기": "Propose",
    "시민토론": "Debates",
    "서울시가 묻습니다": "Seoul asks",
    "결정": "Decisions",
    "실행": "Execution",
    "부서별 답변": "Answers by department",
    "알림함": "Notifications",
    "본인인증": "Verify identity",
    "업무": "Staff console",
    "{name}님": "{name}",
    "로그아웃": "Log out",
    "로그인": "Log in",
    "회원가입": "Sign up",
    "시민이 제안하고, 함께 결정합니다": "Citizens propose, and we decide together",
    "공공데이터": "Open data",
}
