"""The sentence encoder's cost per search call: numpy (ours) vs onnxruntime fp32 and int8.

    python bench/encoder_speed.py [--queries bench/queries_tenth.yaml] [--calls 60] [--rounds 2]
                                  [--numpy-only]

Needs `pip install onnxruntime==1.31.1 onnx==1.23.2` (benchmark only: podquote does not use
them, see "Measured" below). The ONNX graph is built here from our own checked
`model.safetensors` (no downloaded graph), with onnxruntime's fused BERT operators; int8
is onnxruntime's dynamic quantization of its weights (per tensor, and per channel with 7-bit
weights, the form that avoids AVX2's saturation).

1. Searches every query of the file with each backend plugged into `Searcher` (the calls
   `bot.search.ranking` really makes: the query and the words around the best 5 moments) and
   reports the relevance figures of bench/search_relevance.py plus how many outcomes
   (confident, unsure, nothing, and the moments shown, in order) equal numpy's.
2. Agreement: the cosine between each backend's vector and numpy's, per text of those calls.
3. Cost: the first `--calls` calls, each timed once per round with every backend in turn (CPU
   time of the process and wall time; medians and p95), in two child processes: BLAS as the
   machine sets it, and OPENBLAS_NUM_THREADS=1 (onnxruntime fp32 with 1 and 2 intra-op
   threads, int8 with 1). `--numpy-only` searches with numpy alone (no relevance table for
   the others: quicker when only 2 and 3 are wanted).

Measured at 41a83f4 (2026-12-05, 2-core AMD EPYC with AVX2 and no VNNI, shared with other
jobs; queries_tenth.yaml, 93 calls of a median 227 tokens, 60 of them timed twice):
- outcomes equal to numpy's: ort fp32 140/140 (hit@1 0.83, hit@3 0.86, confident right
  89/91, off-topic confident 0/20, as numpy); int8 118/140 (confident right 87/89), int8
  per-channel 129/140 (88/91). Cosine with numpy: fp32 min 1.000000; int8 min 0.867 median
  0.959; int8 per-channel min 0.975 median 0.991.
- CPU ms per call, p50 (p95), with numpy's BLAS at 1 thread: numpy 231 (429), ort fp32 1
  thread 230 (417), 2 threads 338 (500), int8 272 (385), int8 per-channel 210 (292): no
  backend is even 1.2× cheaper (int8's kernels are no faster than fp32's on this CPU, and
  int8 changes outcomes), so podquote keeps numpy.
- With BLAS as the machine sets it (2 threads): numpy 779 (872), 3.4× the CPU of the same
  numpy at 1 thread. The encoder's many small matrix products pay for OpenBLAS's thread
  hand-offs, on a nearly idle machine too (load 0.8; one 6-text call timed alone: 685 ms
  CPU with the default, 153-205 ms with OPENBLAS_NUM_THREADS=1; the vectors differ by at
  most 9e-8). That, not the engine, is the cost to cut.
- Making the graph: 0.66 s CPU; quantizing it 1.3 s (per channel 4.7 s); opening a session
  0.05-0.16 s. Installed: onnxruntime 68 MB, onnx 31 MB, protobuf 2.7 MB, ml_dtypes 2.2 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_weights

try:
    from onnx import ModelProto, TensorProto, helper, numpy_helper
except ImportError:
    raise SystemExit("bench/encoder_speed.py needs: pip install onnxruntime onnx") from None

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_library import corpus_library
from search_relevance import Query, Reply, _reply, is_hit, load_queries

from bot.search.index import SearchIndex, build_index
from bot.search.meaning import Encoder, find_model, load_meaning
from bot.search.ranking import Outcome, Searcher

HERE = Path(__file__).resolve().parent
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
MS = "com.microsoft"  # onnxruntime's own operators
OPSET = 17
IR_VERSION = 9  # what onnxruntime 1.17+ reads (onnx writes its newest by default)
LAYER_NORM_EPS = 1e-12
INPUT_IDS = "input_ids"  # int32 (texts, tokens), padded with 0 after each text's [SEP]
MASK = "mask"  # int32 (texts, tokens): 1 for a text's tokens, 0 for padding
POOLED = "pooled"  # float32 (texts, width): the mean of each text's tokens


def build_graph(weights: dict[str, np.ndarray], heads: int) -> ModelProto:
    """The encoder's graph with `weights` (all-MiniLM-L6-v2's, by their BERT names) inside."""
    inits: list[TensorProto] = []
    nodes: list[helper.NodeProto] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    w = weights
    positions = (
        w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
    )
    nodes.append(
        helper.make_node(
            "EmbedLayerNormalization",
            [
                INPUT_IDS,
                "",
                const("word_embeddings", w["embeddings.word_embeddings.weight"]),
                const("position_embeddings", positions),
                "",
                const("embed_gamma", w["embeddings.LayerNorm.weight"]),
                const("embed_beta", w["embeddings.LayerNorm.bias"]),
                MASK,
            ],
            ["x0", "mask_index"],
            domain=MS,
            epsilon=LAYER_NORM_EPS,
        )
    )
    x = "x0"
    i = 0
    while f"encoder.layer.{i}.attention.self.query.weight" in w:
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        qkv = np.concatenate([w[att + n + ".weight"] for n in ("query", "key", "value")]).T
        qkv_bias = np.concatenate([w[att + n + ".bias"] for n in ("query", "key", "value")])
        nodes.append(
            helper.make_node(
                "Attention",
                [x, const(f"l{i}.qkv", qkv), const(f"l{i}.qkv_bias", qkv_bias), "mask_index"],
                [f"l{i}.att"],
                domain=MS,
                num_heads=heads,
            )
        )
        nodes.append(
            helper.make_node(
                "MatMul",
                [f"l{i}.att", const(f"l{i}.out", w[p + "attention.output.dense.weight"].T)],
                [f"l{i}.att_out"],
            )
        )
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [
                    f"l{i}.att_out",
                    x,
                    const(f"l{i}.norm1_gamma", w[p + "attention.output.LayerNorm.weight"]),
                    const(f"l{i}.norm1_beta", w[p + "attention.output.LayerNorm.bias"]),
                    const(f"l{i}.out_bias", w[p + "attention.output.dense.bias"]),
                ],
                [f"l{i}.x1"],
                domain=MS,
                epsilon=LAYER_NORM_EPS,
            )
        )
        nodes.append(
            helper.make_node(
                "MatMul",
                [f"l{i}.x1", const(f"l{i}.up", w[p + "intermediate.dense.weight"].T)],
                [f"l{i}.up_out"],
            )
        )
        nodes.append(
            helper.make_node(
                "BiasGelu",
                [f"l{i}.up_out", const(f"l{i}.up_bias", w[p + "intermediate.dense.bias"])],
                [f"l{i}.hidden"],
                domain=MS,
            )
        )
        nodes.append(
            helper.make_node(
                "MatMul",
                [f"l{i}.hidden", const(f"l{i}.down", w[p + "output.dense.weight"].T)],
                [f"l{i}.down_out"],
            )
        )
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [
                    f"l{i}.down_out",
                    f"l{i}.x1",
                    const(f"l{i}.norm2_gamma", w[p + "output.LayerNorm.weight"]),
                    const(f"l{i}.norm2_beta", w[p + "output.LayerNorm.bias"]),
                    const(f"l{i}.down_bias", w[p + "output.dense.bias"]),
                ],
                [f"l{i}.x2"],
                domain=MS,
                epsilon=LAYER_NORM_EPS,
            )
        )
        x = f"l{i}.x2"
        i += 1
    # Mean pooling over each text's own tokens: sum(x · mask) / sum(mask).
    nodes += [
        helper.make_node("Cast", [MASK], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", const("axis_last", np.array([2]))], ["mask_3"]),
        helper.make_node("Mul", [x, "mask_3"], ["masked"]),
        helper.make_node(
            "ReduceSum", ["masked", const("axis_tokens", np.array([1]))], ["summed"], keepdims=0
        ),
        helper.make_node("ReduceSum", ["mask_3", "axis_tokens"], ["counts"], keepdims=0),
        helper.make_node("Div", ["summed", "counts"], [POOLED]),
    ]
    width = w["embeddings.word_embeddings.weight"].shape[1]
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info(INPUT_IDS, TensorProto.INT32, ["texts", "tokens"]),
            helper.make_tensor_value_info(MASK, TensorProto.INT32, ["texts", "tokens"]),
        ],
        [helper.make_tensor_value_info(POOLED, TensorProto.FLOAT, ["texts", width])],
        inits,
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid(MS, 1)],
        producer_name="podquote",
        ir_version=IR_VERSION,
    )


class OnnxEncoder:
    """`Encoder.encode_many` run by onnxruntime: a padded batch, the same unit vectors."""

    def __init__(self, tokenizer: object, graph: bytes, threads: int) -> None:
        import onnxruntime as ort  # noqa: PLC0415 - after the graph is built (bench only)

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # no shape-merge warnings
        self.tokenizer = tokenizer
        self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])

    def encode_many(self, texts: list[str]) -> np.ndarray:
        ids = [self.tokenizer.encode(text) for text in texts]  # type: ignore[attr-defined]
        batch = np.zeros((len(ids), max(len(i) for i in ids)), dtype=np.int32)
        mask = np.zeros_like(batch)
        for row, text_ids in enumerate(ids):
            batch[row, : len(text_ids)] = text_ids
            mask[row, : len(text_ids)] = 1
        pooled = self.session.run([POOLED], {INPUT_IDS: batch, MASK: mask})[0]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: np.ndarray = pooled / np.where(norms > 0, norms, 1.0)
        return unit


def graphs(folder: Path) -> tuple[dict[str, bytes], dict[str, float]]:
    """The fp32 graph and its int8 forms, with the CPU seconds each took to make."""
    from onnxruntime.quantization import QuantType, quantize_dynamic  # noqa: PLC0415

    took: dict[str, float] = {}
    began = time.process_time()
    weights = load_weights((folder / "model.safetensors").read_bytes())
    heads = json.loads((folder / "config.json").read_text())["num_attention_heads"]
    made = {"ort fp32": build_graph(weights, heads).SerializeToString()}
    took["build fp32 graph"] = time.process_time() - began
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "fp32.onnx"
        plain.write_bytes(made["ort fp32"])
        for name, per_channel in (("ort int8", False), ("ort int8 per-channel", True)):
            began = time.process_time()
            out = Path(tmp) / "int8.onnx"
            quantize_dynamic(
                plain,
                out,
                weight_type=QuantType.QInt8,
                per_channel=per_channel,
                reduce_range=per_channel,
                extra_options={"DefaultTensorType": TensorProto.FLOAT},
            )
            made[name] = out.read_bytes()
            took[f"quantize {name}"] = time.process_time() - began
    return made, took


class Recorder:
    """An encoder that hands each call to another and keeps the texts it was given."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.calls: list[list[str]] = []

    def encode_many(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode_many(texts)


def _shown(outcome: Outcome) -> tuple[str, tuple[tuple[str, int], ...]]:
    moments = outcome.matches or outcome.closest
    return outcome.kind, tuple((m.episode.id, m.position) for m in moments)


def decisions(index: SearchIndex, queries: list[Query], encoders: dict[str, object]) -> None:
    """Relevance per backend (search_relevance's figures) and outcomes equal to numpy's."""
    print(
        f"{'backend':<24}{'hit@1':>7}{'hit@3':>7}{'in reply':>10}{'conf. right':>13}"
        f"{'off-topic conf.':>17}{'same outcome as numpy':>23}"
    )
    answerable = [q for q in queries if q.kind != "offtopic"]
    offtopic = [q for q in queries if q.kind == "offtopic"]
    reference: list[tuple[str, tuple[tuple[str, int], ...]]] = []
    for name, encoder in encoders.items():
        searcher = Searcher(index, encoder)  # type: ignore[arg-type]
        outcomes = [searcher.search(q.text, limit=3) for q in [*answerable, *offtopic]]
        shown = [_shown(o) for o in outcomes]
        reference = reference or shown
        replies: list[Reply] = [_reply(o) for o in outcomes]
        ranks = [
            next((i + 1 for i, h in enumerate(r.hits) if is_hit(q, h)), None)
            for q, r in zip(answerable, replies, strict=False)
        ]
        confident = [(r, rank) for r, rank in zip(replies, ranks, strict=False) if r.confident]
        n = len(answerable) or 1
        same = sum(a == b for a, b in zip(shown, reference, strict=True))
        print(
            f"{name:<24}{sum(r == 1 for r in ranks) / n:>7.2f}"
            f"{sum(r is not None and r <= 3 for r in ranks) / n:>7.2f}"
            f"{sum(r is not None for r in ranks) / n:>10.2f}"
            f"{sum(rank == 1 for _, rank in confident):>9}/{len(confident):<3}"
            f"{sum(bool(r.confident) for r in replies[len(answerable) :]):>13}/{len(offtopic):<3}"
            f"{same:>19}/{len(shown)}"
        )


def agreement(calls: list[list[str]], encoders: dict[str, object]) -> None:
    """The cosine between each backend's vectors and numpy's, over every text of the calls."""
    numpy_encoder = encoders["numpy"]
    reference = [numpy_encoder.encode_many(texts) for texts in calls]  # type: ignore[attr-defined]
    for name, encoder in encoders.items():
        if name == "numpy":
            continue
        cosines = np.concatenate(
            [
                (encoder.encode_many(texts) * ref).sum(axis=1)  # type: ignore[attr-defined]
                for texts, ref in zip(calls, reference, strict=True)
            ]
        )
        print(
            f"{name:<24} cosine with numpy over {len(cosines)} texts: "
            f"min {cosines.min():.6f}  median {np.median(cosines):.6f}"
        )


def _p95(values: list[float]) -> float:
    return sorted(values)[min(len(values) - 1, int(0.95 * len(values)))]


def timing(calls: list[list[str]], rounds: int) -> None:
    """Per call, CPU and wall ms of each backend, the backends interleaved call by call."""
    folder = find_model()
    numpy_encoder = load_meaning(folder=folder).encoder
    assert folder is not None and numpy_encoder is not None
    made, _ = graphs(folder)
    tokenizer = numpy_encoder.tokenizer
    runs: dict[str, Callable[[list[str]], object]] = {"numpy": numpy_encoder.encode_many}
    for name, graph in made.items():
        for threads in (1, 2) if name == "ort fp32" else (1,):
            runs[f"{name} {threads}t"] = OnnxEncoder(tokenizer, graph, threads).encode_many
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    wall: dict[str, list[float]] = {name: [] for name in runs}
    for texts in calls[:5]:  # warm
        for run in runs.values():
            run(texts)
    for _ in range(rounds):
        for texts in calls:
            for name, run in runs.items():
                c0, w0 = time.process_time(), time.perf_counter()
                run(texts)
                cpu[name].append((time.process_time() - c0) * 1000)
                wall[name].append((time.perf_counter() - w0) * 1000)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "as the machine sets it")
    tokens = statistics.median(sum(len(tokenizer.encode(t)) for t in texts) for texts in calls)
    print(
        f"\n{len(calls)} calls × {rounds} rounds, median {tokens:.0f} tokens a call; "
        f"numpy's BLAS threads: {blas}"
    )
    print(f"{'backend':<28}{'CPU p50':>9}{'CPU p95':>9}{'wall p50':>10}{'wall p95':>10}{'×':>6}")
    base = statistics.median(cpu["numpy"])
    for name in runs:
        print(
            f"{name:<28}{statistics.median(cpu[name]):>9.1f}{_p95(cpu[name]):>9.1f}"
            f"{statistics.median(wall[name]):>10.1f}{_p95(wall[name]):>10.1f}"
            f"{base / statistics.median(cpu[name]):>6.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=Path, default=HERE / "queries_tenth.yaml")
    parser.add_argument("--calls", type=int, default=60, help="calls timed")
    parser.add_argument("--rounds", type=int, default=2, help="times each call is timed")
    parser.add_argument(
        "--numpy-only", action="store_true", help="search with numpy only (the calls, no table)"
    )
    parser.add_argument("--timing", type=Path, help=argparse.SUPPRESS)  # a child: calls file
    args = parser.parse_args()
    if args.timing:
        timing(json.loads(args.timing.read_text()), args.rounds)
        return
    folder = find_model()
    meaning = load_meaning(folder=folder)
    if folder is None or meaning.encoder is None:
        raise SystemExit(meaning.status)
    made, took = graphs(folder)
    recorder = Recorder(meaning.encoder)
    encoders: dict[str, object] = {"numpy": recorder}
    for name, graph in made.items():
        began = time.process_time()
        encoders[name] = OnnxEncoder(meaning.encoder.tokenizer, graph, 1)
        took[f"open session {name}"] = time.process_time() - began
    print("model load, CPU s: " + ", ".join(f"{k} {v:.2f}" for k, v in took.items()))
    queries = load_queries(args.queries)
    index = build_index(corpus_library())
    print(f"\n== {args.queries.name}: {len(queries)} queries over {index.size:,} segments")
    decisions(index, queries, {"numpy": recorder} if args.numpy_only else encoders)
    calls = recorder.calls
    encoders["numpy"] = meaning.encoder
    print(f"\n== agreement over the {len(calls)} calls search made")
    agreement(calls, encoders)
    with tempfile.TemporaryDirectory() as tmp:
        calls_file = Path(tmp) / "calls.json"
        calls_file.write_text(json.dumps(calls[: args.calls]))
        for blas in (None, "1"):
            env = {k: v for k, v in os.environ.items() if k not in BLAS_THREADS}
            if blas:
                env.update(dict.fromkeys(BLAS_THREADS, blas))
            argv = [sys.executable, __file__, "--timing", str(calls_file)]
            sys.stdout.flush()
            subprocess.run([*argv, "--rounds", str(args.rounds)], env=env, check=True)


if __name__ == "__main__":
    main()
