"""A Korean proposal read for similarity (유사제안): content morphemes, synonyms and the ask. Pure.

Korean glues particles and endings to words (대여소를/대여소에, 늘려주세요/늘려 주셨으면) and
spacing is free (공공자전거/공공 자전거), so matching surface words fails. A text is therefore
read as content morphemes (nouns, verb and adjective lemmas, roots) from a morphological
analyser (Kiwi, loaded by adapters/language_models.py; any `Tokenizer` will do here), with three
layers of features:

- words: each content morpheme, mapped to its civic synonym group (전철 → 지하철, 늘리다 → 확대);
- compounds: adjacent nouns joined (대여+소 → 대여소), which keeps the thing asked for together;
- character bigrams of each run of nouns, for spacing, compounding and typos the analyser splits
  differently (대여쇼 still shares 대여).

The title and the sentences that ask (…해 주세요) weigh more than those that explain, and the
kinds of change asked for (more, less, cheaper …) are kept apart: they tell two proposals about
the same thing that want different things apart.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from proposal_svc.domain.civic_lexicon import ACTION_FAMILIES, STOPWORDS, synonym_table

NOUN_TAGS = frozenset({"NNG", "NNP", "SL", "SH"})
# Numbers join a compound (1인가구) but mean little alone.
RUN_TAGS = NOUN_TAGS | {"SN"}
LEMMA_TAGS = frozenset({"VV", "VA"})
ROOT_TAGS = frozenset({"XR"})
MAX_SPAN = 3  # nouns joined when looking up the synonym table


@dataclass(frozen=True)
class Morpheme:
    form: str
    tag: str  # the base tag: VV-I (irregular) → VV
    lemma: str
    start: int
    end: int


Tokenizer = Callable[[str], list[Morpheme]]
Features = dict[str, float]


@dataclass(frozen=True)
class Analysis:
    features: Features  # feature → sublinear weighted frequency (no IDF yet)
    actions: frozenset[str]  # the kinds of change it asks for (more, less, cheaper …), from its title and asks


@dataclass(frozen=True)
class Weights:
    """How much each layer and field counts. Chosen for general reasons, not fitted to one set:
    whole words carry meaning, compounds sharpen it, character bigrams only rescue near-misses
    of spelling; a title is what the proposal is about, a body adds context and noise."""

    word: float = 1.0
    compound: float = 0.6
    char: float = 0.25
    title: float = 2.0
    ask: float = 1.5  # a body sentence that asks (…해 주세요): the intent
    context: float = 0.7  # a body sentence that explains (why, where, since when)


DEFAULT_WEIGHTS = Weights()


def normalize(text: str) -> str:
    # NFKC folds full-width letters and compatibility jamo; Latin letters compare case-free (CCTV/cctv).
    return unicodedata.normalize("NFKC", text).lower()


class Analyzer:
    """Text → weighted features. Deterministic and pure given its tokenizer."""

    def __init__(self, tokenizer: Tokenizer, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self.tokenize = tokenizer
        self.weights = weights
        self.synonyms = synonym_table()

    def analyze(self, title: str, body: str = "") -> Analysis:
        """A proposal's features (the title and the asking sentences weighted above the rest,
        then made sublinear) and the actions it asks for."""
        w = self.weights
        counts: dict[str, float] = defaultdict(float)
        actions: set[str] = set()
        parts = [(title, w.title, True)] + [(s, w.ask if asks else w.context, asks) for s, asks in sentences(body)]
        for text, weight, asks in parts:
            features = self.field(text)
            for feature, count in features.items():
                counts[feature] += weight * count
            if asks:
                actions.update(ACTION_FAMILIES[f] for f in features if f in ACTION_FAMILIES)
        return Analysis({f: math.log1p(c) for f, c in counts.items()}, frozenset(actions))

    def field(self, text: str) -> Features:
        w = self.weights
        out: dict[str, float] = defaultdict(float)
        text = normalize(text)
        if not text.strip():
            return {}
        morphemes = self.tokenize(text)
        for run in _noun_runs(text, morphemes):
            forms = [m.form for m in run]
            for word in self._run_words(run):
                out[word] += w.word
            nouns = [self.synonyms.get(m.form, m.form) for m in run if m.tag != "SN"]
            for a, b in itertools.pairwise(nouns):
                out[f"+{a}{b}"] += w.compound
            joined = "".join(forms)
            for i in range(len(joined) - 1):
                out[f"#{joined[i : i + 2]}"] += w.char
        for m in morphemes:
            if m.tag in LEMMA_TAGS:
                word = self.synonyms.get(m.lemma, m.lemma)
            elif m.tag in ROOT_TAGS:
                word = self.synonyms.get(m.form, m.form)
            else:
                continue
            if word not in STOPWORDS:
                out[word] += w.word
        return dict(out)

    def _run_words(self, run: list[Morpheme]) -> list[str]:
        """The words of a run of nouns: each noun (its synonym group's term), plus the term of any
        2–3 noun compound the synonym table knows (공공+자전거 → 따릉이)."""
        forms = [m.form for m in run]
        words = []
        for n in range(2, MAX_SPAN + 1):
            for i in range(len(forms) - n + 1):
                head = self.synonyms.get("".join(forms[i : i + n]))
                if head:
                    words.append(head)
        for m in run:
            if m.tag == "SN":
                continue
            word = self.synonyms.get(m.form)
            # A lone syllable (소 of 대여소, 장 of 주차장) is a suffix more often than a word; the
            # compound and the bigrams keep it.
            if word is None and len(m.form) > 1:
                word = m.form
            if word and word not in STOPWORDS:
                words.append(word)
        return words


# How a Korean proposal asks: …해 주세요 / 주십시오 / 주시기 바랍니다 / 했으면 좋겠습니다 / 필요합니다.
ASK_MARKERS = re.compile(
    r"주세요|주십시오|주시기|주셨으면|주시면|주면|주었으면|줬으면|달라|바랍니다|좋겠|필요|해야|부탁|요청|원합니다|합시다"
)
SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")


def sentences(body: str) -> list[tuple[str, bool]]:
    """The body's sentences, each with whether it asks; with no asking sentence, the last one asks."""
    parts = [p.strip() for p in SENTENCE_END.split(body) if p.strip()]
    marked = [(p, bool(ASK_MARKERS.search(p))) for p in parts]
    if marked and not any(asks for _, asks in marked):
        marked[-1] = (marked[-1][0], True)
    return marked


def _noun_runs(text: str, morphemes: list[Morpheme]) -> list[list[Morpheme]]:
    """Maximal runs of adjacent nouns, separated at most by spaces (Korean spacing is optional
    inside compounds: 자전거 도로 = 자전거도로)."""
    runs: list[list[Morpheme]] = []
    current: list[Morpheme] = []
    for m in morphemes:
        if m.tag in RUN_TAGS and (not current or not text[current[-1].end : m.start].strip()):
            current.append(m)
            continue
        if current:
            runs.append(current)
        current = [m] if m.tag in RUN_TAGS else []
    if current:
        runs.append(current)
    return runs
