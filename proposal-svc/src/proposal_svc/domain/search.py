"""Keyword search over titles (제목 검색), in Korean. Pure.

Korean has no spaces between a word and its particle (자전거를, 자전거가), so whole words do
not match. A title is indexed as the character bigrams of each of its words (자전거를 → 자전,
전거, 거를) in an array field with a multikey index; a query word matches a title when all its
bigrams are there, and a final substring check makes that exact (the bigrams of 대여소 are also
in 대여 소여소). One-character words are indexed whole, since they have no bigram.

The database can look up one token per query through the index (SecantusDB falls back to a
collection scan for $all and $and over the same field), so `SearchQuery.primary` names the token
the index is asked for and `SearchQuery.matches` checks the rest on the fetched documents."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

QUERY_MAX_LEN = 100
QUERY_WORDS_MAX = 8

_WORD = re.compile(r"[0-9a-z\uac00-\ud7a3\u3131-\u318e]+")
# Bigrams most titles share (request endings, the city's name): a poor key for the index.
COMMON_BIGRAMS = frozenset(
    {
        "주세",
        "세요",
        "해주",
        "합니",
        "니다",
        "해요",
        "으면",
        "에서",
        "으로",
        "하는",
        "하기",
        "서울",
        "시민",
        "설치",
        "개선",
    }
)


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(normalize(text))


def word_tokens(word: str) -> list[str]:
    if len(word) == 1:
        return [word]
    return [word[i : i + 2] for i in range(len(word) - 1)]


def title_tokens(title: str) -> list[str]:
    """The tokens a title is found by (distinct, in first-seen order)."""
    seen: dict[str, None] = {}
    for w in words(title):
        for t in word_tokens(w):
            seen.setdefault(t, None)
    return list(seen)


@dataclass(frozen=True)
class SearchQuery:
    words: tuple[str, ...]
    tokens: tuple[str, ...]
    primary: str  # the token the index is asked for

    def matches(self, title: str) -> bool:
        text = normalize(title)
        return all(w in text for w in self.words)


def parse_query(q: str) -> SearchQuery | None:
    """None when the query has no searchable word (only punctuation, say)."""
    ws = list(dict.fromkeys(words(q[:QUERY_MAX_LEN])))[:QUERY_WORDS_MAX]
    if not ws:
        return None
    tokens = list(dict.fromkeys(t for w in ws for t in word_tokens(w)))
    return SearchQuery(tuple(ws), tuple(tokens), _primary(ws))


def _primary(ws: list[str]) -> str:
    """A token likely to be rare: from the longest word, a bigram that is not a common one.

    A one-character word is indexed only where the title has it as a whole word, so it is the
    key only when the query has nothing else (the substring check still applies to it)."""
    multi = sorted((w for w in ws if len(w) > 1), key=len, reverse=True)
    for w in multi:
        for t in word_tokens(w):
            if t not in COMMON_BIGRAMS:
                return t
    if multi:
        return word_tokens(multi[0])[0]
    return ws[0]
