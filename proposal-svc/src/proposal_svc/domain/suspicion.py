"""The automatic suspicion check run on every new or edited text (제안, 댓글). Pure.

It only puts the text in front of an operator (the moderation queue); it never hides anything
by itself, so a false positive costs an operator a glance, not a citizen their voice. The word
list is deliberately small and avoids everyday words that contain a swear word (시발점, 새끼손가락,
영향을 미친, 불이 꺼져)."""

from __future__ import annotations

import re
import unicodedata

ABUSIVE = "abusive_language"
LINK_SPAM = "link_spam"
AD_SPAM = "ad_spam"
FLOODING = "flooding"

LABELS_KO = {
    ABUSIVE: "욕설·비속어 의심",
    LINK_SPAM: "링크 도배 의심",
    AD_SPAM: "광고성 게시물 의심",
    FLOODING: "같은 글자 반복(도배) 의심",
}

# Matched after removing everything but Hangul letters, so 씨 발 / 씨1발 / 씨.발 match too.
ABUSIVE_WORDS = (
    "씨발",
    "씨바",
    "시발",
    "씨팔",
    "ㅅㅂ",
    "ㅆㅂ",
    "병신",
    "ㅂㅅ",
    "개새끼",
    "개색기",
    "개새기",
    "좆",
    "존나",
    "지랄",
    "닥쳐",
    "미친놈",
    "미친년",
    "또라이",
    "등신",
    "썅",
    "한남충",
    "김치녀",
    "틀딱",
    "맘충",
    "급식충",
    "짱깨",
    "쪽바리",
)
# Ordinary words that contain one of the above.
ALLOWED_WORDS = ("시발점", "시발역", "시발택시", "병신년", "병신춘문예")

AD_WORDS = (
    "대출",
    "카지노",
    "바카라",
    "토토",
    "수익보장",
    "고수익",
    "리딩방",
    "텔레그램",
    "오픈채팅",
    "카톡아이디",
    "성인용품",
    "도박",
)

LINK_LIMIT = 3  # this many links in one text is spam-like
_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|kr|co\.kr|xyz|io|me|shop|top)\b", re.I)
_REPEAT = re.compile(r"(.)\1{14,}")  # one character 15 times in a row: ㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋ
# Syllables and jamo (NFKC turns the compatibility jamo of ㅅㅂ into conjoining ones).
_NOT_HANGUL = re.compile(r"[^\uac00-\ud7a3\u1100-\u11ff\u3131-\u318e]")


def _letters(text: str) -> str:
    return _NOT_HANGUL.sub("", unicodedata.normalize("NFKC", text))


_ABUSIVE = tuple(_letters(w) for w in ABUSIVE_WORDS)
_ALLOWED = tuple(_letters(w) for w in ALLOWED_WORDS)
_AD = tuple(_letters(w) for w in AD_WORDS)


def check(text: str) -> list[str]:
    """The reasons (codes) this text looks abusive or like spam; empty when it looks fine."""
    reasons: list[str] = []
    letters = _letters(text)
    for ok in _ALLOWED:
        letters = letters.replace(ok, "")
    if any(w in letters for w in _ABUSIVE):
        reasons.append(ABUSIVE)
    links = _LINK.findall(text)
    if len(links) >= LINK_LIMIT:
        reasons.append(LINK_SPAM)
    if links and any(w in letters for w in _AD):
        reasons.append(AD_SPAM)
    if _REPEAT.search(text) or _repeated_words(text):
        reasons.append(FLOODING)
    return reasons


def _repeated_words(text: str, times: int = 10) -> bool:
    """The same word over and over (도배)."""
    counts: dict[str, int] = {}
    for w in text.split():
        if len(w) < 2:
            continue
        counts[w] = counts.get(w, 0) + 1
        if counts[w] >= times:
            return True
    return False
