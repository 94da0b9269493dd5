"""Similar-proposal scoring, pure: Korean analysis (Kiwi, offline), the index and its fusion."""

from __future__ import annotations

import numpy as np
import pytest

from proposal_svc.adapters.language_models import korean_tokenizer
from proposal_svc.domain.civic_lexicon import ACTION_FAMILIES, ACTIONS, synonym_table
from proposal_svc.domain.korean_text import Analyzer, sentences
from proposal_svc.domain.similarity import LEXICAL_SHARE, Query, Reader, SimilarityIndex

# A small haystack of everyday proposals, so IDF means something.
CORPUS = {
    "bike": (
        "따릉이 대여소를 늘려 주세요",
        "출퇴근 시간마다 집 근처 대여소에 자전거가 없습니다. 대여소를 늘려 주세요.",
    ),
    "lift": ("지하철역에 엘리베이터를 설치해 주세요", "계단이 많아 어르신과 유모차가 다니기 힘듭니다."),
    "cctv": ("골목길에 CCTV를 달아 주세요", "밤에 골목이 어두워 범죄가 걱정됩니다."),
    "cat": ("길고양이 급식소 설치", "공원에 길고양이 밥 주는 곳을 정해 주세요."),
    "bus": ("마을버스 배차간격을 줄여 주세요", "20분에 한 대라 출근길이 너무 불편합니다."),
    "library": ("작은도서관 운영 시간 연장", "직장인도 이용할 수 있게 저녁까지 열어 주세요."),
    "smoke": ("버스정류장 흡연 단속", "정류장에서 담배 피우는 사람이 많아 간접흡연에 시달립니다."),
    "market": ("전통시장 주차장을 만들어 주세요", "장 보러 가도 차 세울 곳이 없습니다."),
}


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(korean_tokenizer())


@pytest.fixture(scope="module")
def reader(analyzer: Analyzer) -> Reader:
    return Reader(analyzer, None)  # lexical only: these tests are about the Korean analysis


@pytest.fixture
def index(reader: Reader) -> SimilarityIndex:
    idx = SimilarityIndex()
    idx.add_many((k, reader.analysis(t, b)) for k, (t, b) in CORPUS.items())
    return idx


def top(idx: SimilarityIndex, reader: Reader, title: str, body: str = "") -> str | None:
    found = idx.search(reader.query(title, body), limit=1)
    return found[0].id if found else None


@pytest.mark.parametrize(
    "title",
    [
        "따릉이대여소 늘려주세요",  # no spacing, particles dropped
        "따릉이 대여소가 더 늘었으면 좋겠습니다",  # another ending and particle
        "따릉이   대여소를  늘려 주셨으면 합니다",  # odd spacing, honorific ending
    ],
)
def test_particles_spacing_and_endings_do_not_matter(index: SimilarityIndex, reader: Reader, title: str) -> None:
    assert top(index, reader, title) == "bike"
    assert index.similarity(reader.query(title), "bike") > 0.3


def test_full_width_and_case_fold(index: SimilarityIndex, reader: Reader) -> None:
    assert top(index, reader, "어두운 골목에 ＣＣＴＶ 설치") == "cctv"
    assert top(index, reader, "골목 cctv") == "cctv"


def test_civic_synonyms_match(index: SimilarityIndex, reader: Reader) -> None:
    assert top(index, reader, "전철역에 승강기를 만들어 주세요") == "lift"
    assert top(index, reader, "공공 자전거 대여소 확충") == "bike"
    assert top(index, reader, "길냥이 밥자리 마련") == "cat"
    assert top(index, reader, "재래시장 주차 공간 조성") == "market"


def test_unrelated_text_scores_low(index: SimilarityIndex, reader: Reader) -> None:
    q = reader.query("한강 불꽃축제 때 임시 화장실을 늘려 주세요", "축제 날마다 화장실 줄이 너무 깁니다.")
    scores = [index.similarity(q, k) for k in CORPUS]
    assert max(scores) < 0.1
    assert reader.query("!!! ...").analysis.features == {}
    assert index.search(reader.query("!!! ..."), limit=5) == []


def test_incremental_add_replace_and_remove(index: SimilarityIndex, reader: Reader) -> None:
    draft = reader.query("반려견 놀이터를 만들어 주세요", "강아지가 뛰어놀 곳이 없습니다.")
    assert all(m.id != "dogs" for m in index.search(draft, limit=5))
    index.add("dogs", reader.analysis("강아지 놀이터 조성", "개들이 목줄 없이 뛰어놀 수 있는 공간을 만들어 주세요."))
    assert len(index) == len(CORPUS) + 1
    assert index.search(draft, limit=1)[0].id == "dogs"
    # The same id again replaces the document (an edit), it does not duplicate it.
    index.add("dogs", reader.analysis("공원 음수대 고쳐 주세요", "물이 안 나옵니다."))
    assert len(index) == len(CORPUS) + 1
    assert all(m.id != "dogs" for m in index.search(draft, limit=5))
    index.remove("dogs")
    assert "dogs" not in index
    assert len(index) == len(CORPUS)


def test_incremental_scores_match_a_rebuild(reader: Reader) -> None:
    items = [(k, reader.analysis(t, b)) for k, (t, b) in CORPUS.items()]
    grown = SimilarityIndex()
    for k, a in items:
        grown.add(k, a)
    rebuilt = SimilarityIndex()
    rebuilt.add_many(items)
    q = reader.query("지하철 엘리베이터 설치", "")
    for k in CORPUS:
        assert grown.similarity(q, k) == pytest.approx(rebuilt.similarity(q, k), rel=0.1, abs=1e-3)


def test_a_different_ask_about_the_same_thing_scores_lower(reader: Reader) -> None:
    idx = SimilarityIndex()
    idx.add("repair", reader.analysis("지하철역 엘리베이터 고장 수리", "엘리베이터가 한 달째 고장입니다. 고쳐 주세요."))
    idx.add("build", reader.analysis("지하철역 엘리베이터 새로 설치", "엘리베이터가 없는 역에 새로 만들어 주세요."))
    for k, (t, b) in CORPUS.items():
        idx.add(k, reader.analysis(t, b))
    q = reader.query("우리 역에도 엘리베이터를 설치해 주세요", "계단뿐이라 어르신들이 힘들어 하십니다. 만들어 주세요.")
    assert q.analysis.actions == {"more"}
    assert idx.similarity(q, "build") > idx.similarity(q, "repair")


def test_asking_sentences_are_found() -> None:
    parts = sentences("출퇴근 때 자전거가 없습니다. 대여소를 늘려 주세요. 감사합니다")
    assert [asks for _, asks in parts] == [False, True, False]
    # No sentence asks outright: the last one carries the intent.
    assert sentences("자전거가 없습니다. 대여소가 부족합니다")[-1] == ("대여소가 부족합니다", True)


def test_lexicon_is_consistent() -> None:
    table = synonym_table()  # raises on a word in two groups
    assert table["전철"] == "지하철"
    assert table["늘리다"] == "확대"
    assert set(ACTION_FAMILIES) == ACTIONS


def test_vectors_are_fused_with_the_lexical_score(reader: Reader) -> None:
    idx = SimilarityIndex()
    a = reader.analysis("따릉이 대여소 확충", "")
    b = reader.analysis("동네 도서관 야간 개관", "")
    idx.add("a", a, np.array([1.0, 0.0], dtype=np.float32))
    idx.add("b", b)  # no vector yet: lexical only
    v = np.array([1.0, 0.0], dtype=np.float32)
    q = Query(reader.analysis("따릉이 대여소 늘려 주세요", ""), v)
    lexical_only = Query(q.analysis, None)
    lex = idx.similarity(lexical_only, "a")
    assert idx.similarity(q, "a") == pytest.approx(LEXICAL_SHARE * lex + (1 - LEXICAL_SHARE) * 1.0)
    # A paraphrase no word of which matches is still found by its vector.
    idx.set_vector("b", np.array([0.0, 1.0], dtype=np.float32))
    far = Query(reader.analysis("책 읽을 곳이 밤에도 열려 있었으면", ""), np.array([0.0, 1.0], dtype=np.float32))
    assert idx.search(far, limit=1)[0].id == "b"
    assert idx.stats() == {"documents": 2, "terms": idx.stats()["terms"], "vectors": 2}
