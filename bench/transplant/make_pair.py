#!/usr/bin/env python3
"""Writes a synthetic model/donor pair for benchmarking `merge-tokenizer transplant`.

    make_pair.py OUT_DIR [--shared N] [--model-only N] [--donor-only N]
                 [--model-hidden H] [--donor-hidden H] [--layers L]

OUT_DIR/model and OUT_DIR/donor get byte-level BPE tokenizers (random lower-case
tokens; `shared` of them in both vocabularies, in a different order), random float32
embeddings and LM heads, and `layers` extra H×H tensors to copy. Needs numpy; the
tokenizer layout is taken from ../shared/fixtures/models/llama-base.
"""
import argparse, json, os, random, shutil, struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "..", "..", "shared", "fixtures", "models", "llama-base")


def write_model(path, tokens, hidden, layers, seed):
    os.makedirs(path, exist_ok=True)
    tok = json.load(open(os.path.join(FIXTURE, "tokenizer.json")))
    tok["model"]["vocab"] = {t: i for i, t in enumerate(tokens)}
    tok["model"]["merges"] = []
    json.dump(tok, open(os.path.join(path, "tokenizer.json"), "w"))
    for f in ("tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(os.path.join(FIXTURE, f), path)
    cfg = json.load(open(os.path.join(FIXTURE, "config.json")))
    cfg.update(vocab_size=len(tokens), hidden_size=hidden, num_attention_heads=8, head_dim=hidden // 8,
               torch_dtype="float32", num_hidden_layers=layers)
    json.dump(cfg, open(os.path.join(path, "config.json"), "w"), indent=2)
    rng = np.random.default_rng(seed)
    tensors = [("model.embed_tokens.weight", (len(tokens), hidden)), ("lm_head.weight", (len(tokens), hidden))]
    tensors += [(f"model.layers.{i}.mlp.down_proj.weight", (hidden, hidden)) for i in range(layers)]
    header, offset = {}, 0
    for name, shape in tensors:
        n = int(np.prod(shape)) * 4
        header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(os.path.join(path, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for name, shape in tensors:
            f.write(rng.standard_normal(shape, dtype=np.float32).tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--shared", type=int, default=24000)
    ap.add_argument("--model-only", type=int, default=8000)
    ap.add_argument("--donor-only", type=int, default=8000)
    ap.add_argument("--model-hidden", type=int, default=512)
    ap.add_argument("--donor-hidden", type=int, default=384)
    ap.add_argument("--layers", type=int, default=4)
    a = ap.parse_args()
    random.seed(0)
    need = a.shared + a.model_only + a.donor_only
    pool = set()
    while len(pool) < need:
        pool.add("".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(random.randint(2, 8))))
    pool = sorted(pool)
    random.shuffle(pool)
    special = ["<unk>", "<s>", "</s>", "<pad>"]
    shared, model_only = pool[: a.shared], pool[a.shared : a.shared + a.model_only]
    donor_only = pool[a.shared + a.model_only :]
    write_model(os.path.join(a.out, "model"), special + shared + model_only, a.model_hidden, a.layers, 1)
    write_model(os.path.join(a.out, "donor"), special + shared[::-1] + donor_only, a.donor_hidden, a.layers, 2)


if __name__ == "__main__":
    main()
