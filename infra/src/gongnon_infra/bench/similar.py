"""`./dev bench similar`: how well similar-proposal hints (유사제안) find duplicates, in Korean.

Builds the index from a corpus through the same domain code proposal-svc serves with, then:
- hit_rate_at_5: share of queries whose labelled duplicate is among the five most similar
  proposals (the query itself excluded);
- auc: probability that a query scores higher with its duplicate than with a near-miss (words in
  common, another intent), by Mann–Whitney over all (duplicate, near-miss) score pairs — across
  queries, so it also says whether one threshold on the score works for every query. Also
  reported per kind of near-miss: same subject asking for something else (auc_near_misses,
  the hardest: 따릉이 대여소 vs 따릉이 요금) and another subject sharing words
  (auc_shared_words: 지하철역 엘리베이터 설치 vs 아파트 엘리베이터 교체);
- auc_halves: the auc on each half of the groups (alternate groups of each category), the check
  against overfitting: a choice made looking at one half must hold on the other;
- query latency (analysis + search) over the corpus, p50 / p99 in ms.

Data: proposal-svc/tests/data/similar_pairs.py (GROUPS, distractors()) plus the demo proposals;
`--data FILE.json` evaluates another labelled set: {"groups": [{"id", "category"?, "query":
[title, body], "duplicate": [title, body], "near_misses": [[title, body], ...],
"shared_word_misses"?: [[title, body], ...]}, ...], "distractors": [[title, body], ...]}.
Usage: ./dev bench similar [--data FILE] [--no-demo] [--lexical] [--verbose]"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from gongnon_infra.bench import write_results
from gongnon_infra.infra import ROOT
from proposal_svc.adapters.language_models import korean_tokenizer, sentence_encoder
from proposal_svc.domain.korean_text import Analyzer
from proposal_svc.domain.similarity import LEXICAL_SHARE, SEMANTIC_FLOOR, Reader, SimilarityIndex

DEFAULT_DATA = ROOT / "proposal-svc" / "tests" / "data" / "similar_pairs.py"
TOP_K = 5
# Measured with the sentence encoder: hit 1.0, auc 0.92, auc_near_misses 0.89 (see domain/similarity.py).
TARGETS = {"hit_rate_at_5": 0.95, "auc": 0.88, "auc_near_misses": 0.85}

Text = tuple[str, str]


@dataclass
class Dataset:
    groups: list[dict[str, Any]]
    distractors: list[Text]


@dataclass
class Report:
    pairs: int
    near_misses: int
    corpus: int
    hit_rate_at_5: float
    auc: float
    auc_near_misses: float  # same subject, another ask
    auc_shared_words: float  # another subject sharing words
    auc_halves: dict[str, float]
    mrr: float
    duplicate_score_median: float
    near_miss_score_median: float
    query_latency_ms: dict[str, float]
    index_build_s: float
    per_category_hit_rate: dict[str, float]
    misses: list[dict[str, Any]] = field(default_factory=list)
    inversions: list[dict[str, Any]] = field(default_factory=list)


def load_dataset(path: Path = DEFAULT_DATA, with_demo: bool = True) -> Dataset:
    if path.suffix == ".json":
        raw = json.loads(path.read_text())
        groups = raw["groups"]
        distractors = [tuple(t) for t in raw.get("distractors", [])]
    else:
        spec = importlib.util.spec_from_file_location("similar_pairs_data", path)
        if spec is None or spec.loader is None:
            raise ValueError(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        groups = module.GROUPS
        distractors = list(module.distractors())
    for g in groups:
        g["query"], g["duplicate"] = tuple(g["query"]), tuple(g["duplicate"])
        g["near_misses"] = [tuple(n) for n in g["near_misses"]]
        g["shared_word_misses"] = [tuple(n) for n in g.get("shared_word_misses", [])]
    if with_demo:
        from gongnon_infra.demo.proposals import PROPOSALS

        distractors += [(title, body) for title, _, _, _, body, _ in PROPOSALS]
    return Dataset(groups, [(str(t), str(b)) for t, b in distractors])


def corpus(data: Dataset) -> dict[str, Text]:
    docs: dict[str, Text] = {}
    for g in data.groups:
        docs[f"{g['id']}:query"] = g["query"]
        docs[f"{g['id']}:duplicate"] = g["duplicate"]
        for i, n in enumerate(g["near_misses"]):
            docs[f"{g['id']}:near{i}"] = n
        for i, n in enumerate(g["shared_word_misses"]):
            docs[f"{g['id']}:shared{i}"] = n
    for i, d in enumerate(data.distractors):
        docs[f"distractor:{i}"] = d
    return docs


def auc(positives: list[float], negatives: list[float]) -> float:
    """Mann–Whitney U / (|P|·|N|): the chance a random positive outscores a random negative (ties ½)."""
    if not positives or not negatives:
        return float("nan")
    wins = 0.0
    for p in positives:
        for n in negatives:
            wins += 1.0 if p > n else 0.5 if p == n else 0.0
    return wins / (len(positives) * len(negatives))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def default_reader(lexical_only: bool = False) -> Reader:
    return Reader(Analyzer(korean_tokenizer()), None if lexical_only else sentence_encoder())


def evaluate(data: Dataset, reader: Reader | None = None) -> Report:
    """Index the corpus as the service does, then ask every query."""
    reader = reader or default_reader()
    docs = corpus(data)
    index = SimilarityIndex()
    t0 = time.perf_counter()
    index.add_many((doc_id, reader.analysis(title, body)) for doc_id, (title, body) in docs.items())
    for doc_id, (title, body) in docs.items():
        vector = reader.vector(title, body)
        if vector is not None:
            index.set_vector(doc_id, vector)
    build_s = time.perf_counter() - t0

    hits: list[bool] = []
    by_half: dict[str, tuple[list[float], list[float]]] = {"a": ([], []), "b": ([], [])}
    seen: dict[str, int] = {}
    reciprocal: list[float] = []
    latencies: list[float] = []
    positives: list[float] = []
    negatives: list[float] = []
    shared_negatives: list[float] = []
    by_category: dict[str, list[bool]] = {}
    misses: list[dict[str, Any]] = []
    inversions: list[dict[str, Any]] = []
    for g in data.groups:
        qid, did = f"{g['id']}:query", f"{g['id']}:duplicate"
        t = time.perf_counter()
        query = reader.query(*g["query"])
        found = index.search(query, limit=TOP_K, exclude={qid})
        latencies.append((time.perf_counter() - t) * 1000)
        dup_score = index.similarity(query, did)
        rank = 1 + sum(1 for d in docs if d not in (qid, did) and index.similarity(query, d) > dup_score)
        hit = any(m.id == did for m in found)
        hits.append(hit)
        by_category.setdefault(g.get("category", "-"), []).append(hit)
        reciprocal.append(1 / rank)
        positives.append(dup_score)
        near_scores = [index.similarity(query, f"{g['id']}:near{i}") for i in range(len(g["near_misses"]))]
        negatives += near_scores
        shared_scores = [index.similarity(query, f"{g['id']}:shared{i}") for i in range(len(g["shared_word_misses"]))]
        shared_negatives += shared_scores
        near_scores += shared_scores
        category = g.get("category", "-")
        half = by_half["ab"[seen.get(category, 0) % 2]]
        seen[category] = seen.get(category, 0) + 1
        half[0].append(dup_score)
        half[1].extend(near_scores)
        if not hit:
            misses.append(
                {
                    "group": g["id"],
                    "rank": rank,
                    "score": round(dup_score, 3),
                    "top": [(m.id, round(m.score, 3)) for m in found],
                }
            )
        if any(n >= dup_score for n in near_scores):
            inversions.append(
                {"group": g["id"], "duplicate": round(dup_score, 3), "near": [round(n, 3) for n in near_scores]}
            )
    return Report(
        pairs=len(data.groups),
        near_misses=len(negatives) + len(shared_negatives),
        corpus=len(docs),
        hit_rate_at_5=round(sum(hits) / len(hits), 4),
        auc=round(auc(positives, negatives + shared_negatives), 4),
        auc_near_misses=round(auc(positives, negatives), 4),
        auc_shared_words=round(auc(positives, shared_negatives), 4),
        auc_halves={h: round(auc(p, n), 4) for h, (p, n) in by_half.items()},
        mrr=round(statistics.fmean(reciprocal), 4),
        duplicate_score_median=round(statistics.median(positives), 3),
        near_miss_score_median=round(statistics.median(negatives + shared_negatives), 3),
        query_latency_ms={"p50": round(percentile(latencies, 0.5), 2), "p99": round(percentile(latencies, 0.99), 2)},
        index_build_s=round(build_s, 2),
        per_category_hit_rate={c: round(sum(v) / len(v), 3) for c, v in sorted(by_category.items())},
        misses=misses,
        inversions=inversions,
    )


def met(report: Report, targets: dict[str, float] = TARGETS) -> bool:
    """Whether a report meets the targets (those of them it is given)."""
    measured = {"hit_rate_at_5": report.hit_rate_at_5, "auc": report.auc, "auc_near_misses": report.auc_near_misses}
    return all(measured[k] >= v for k, v in targets.items())


def run(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="./dev bench similar")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="labelled set (.py or .json)")
    parser.add_argument("--no-demo", action="store_true", help="leave the demo proposals out of the corpus")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every miss and inversion")
    parser.add_argument("--lexical", action="store_true", help="without sentence vectors (lexical scoring only)")
    opts = parser.parse_args(args)

    data = load_dataset(opts.data, with_demo=not opts.no_demo)
    t0 = time.perf_counter()
    reader = default_reader(opts.lexical)
    load_s = time.perf_counter() - t0
    report = evaluate(data, reader)
    figures = {
        **asdict(report),
        "targets": TARGETS,
        "met": met(report),
        "analyzer": f"kiwipiepy {version('kiwipiepy')} (model {version('kiwipiepy-model')})",
        "encoder": reader.encoder.name if reader.encoder else None,
        "models_load_s": round(load_s, 2),
        "weights": {
            **asdict(reader.analyzer.weights),
            "lexical_share": LEXICAL_SHARE,
            "semantic_floor": SEMANTIC_FLOOR,
            "draft_vector": "mean of the body's sentence vectors (the title's without a body)",
        },
        "data": str(opts.data.relative_to(ROOT) if opts.data.is_relative_to(ROOT) else opts.data),
    }
    path = write_results("similar", figures)
    print(
        f"similar: {report.pairs} pairs ({report.near_misses} near-misses) in a corpus of {report.corpus}\n"
        f"  hit_rate_at_5 {report.hit_rate_at_5:.3f} (target ≥ {TARGETS['hit_rate_at_5']})   "
        f"auc {report.auc:.3f} (target ≥ {TARGETS['auc']})   mrr {report.mrr:.3f}\n"
        f"  near-miss auc (same subject, another ask) {report.auc_near_misses:.3f} "
        f"(target ≥ {TARGETS['auc_near_misses']}); other subject sharing words {report.auc_shared_words:.3f}\n"
        f"  auc on each half of the groups: {report.auc_halves['a']:.3f}, {report.auc_halves['b']:.3f}\n"
        f"  scores: duplicates median {report.duplicate_score_median}, near-misses median "
        f"{report.near_miss_score_median}\n"
        f"  query latency p50 {report.query_latency_ms['p50']} ms, p99 {report.query_latency_ms['p99']} ms; "
        f"index built in {report.index_build_s} s (models loaded in {load_s:.1f} s)\n"
        f"  scoring: {'lexical + ' + reader.encoder.name if reader.encoder else 'lexical only'}\n"
        f"  misses: {', '.join(m['group'] for m in report.misses) or 'none'}\n"
        f"  → {path}"
    )
    if opts.verbose:
        for m in report.misses:
            print("  miss", json.dumps(m, ensure_ascii=False))
        for i in report.inversions:
            print("  inversion", json.dumps(i, ensure_ascii=False))
    return 0 if figures["met"] else 1
