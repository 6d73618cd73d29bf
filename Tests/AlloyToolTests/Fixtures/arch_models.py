#!/usr/bin/env python3
"""Tiny random decoder models with the real tensor names and config.json keys of
several Hugging Face architectures, and a numpy reference for the merge methods the
architecture tests run. Needs numpy only.

  arch_models.py make OUTDIR               writes OUTDIR/<arch>-{base,ft1,ft2} for every arch
  arch_models.py check METHOD OUT IN...    compares OUT against numpy's METHOD over the inputs
                                           (linear | ties | slerp | passthrough); exit 1 on a mismatch
  arch_models.py load DIR...               loads each DIR with transformers and runs a forward pass;
                                           exit 1 on missing/unexpected weights or non-finite logits,
                                           77 when transformers is not installed
"""
import json
import os
import struct
import sys

import numpy as np

H, HEADS, KV, HD, I, V, L = 16, 2, 1, 8, 24, 32, 3


def llama_like_layer(extra=()):
    shapes = {
        "input_layernorm.weight": [H],
        "post_attention_layernorm.weight": [H],
        "self_attn.q_proj.weight": [HEADS * HD, H],
        "self_attn.k_proj.weight": [KV * HD, H],
        "self_attn.v_proj.weight": [KV * HD, H],
        "self_attn.o_proj.weight": [H, HEADS * HD],
        "mlp.gate_proj.weight": [I, H],
        "mlp.up_proj.weight": [I, H],
        "mlp.down_proj.weight": [H, I],
    }
    for name, shape in extra:
        shapes[name] = shape
    return shapes


def decoder(prefix, layer, head, pre=None, post=None):
    """Tensor name -> shape for a `PREFIX.layers.N` decoder."""
    tensors = dict(pre or {f"{prefix}.embed_tokens.weight": [V, H]})
    for n in range(L):
        for suffix, shape in layer.items():
            tensors[f"{prefix}.layers.{n}.{suffix}"] = shape
    tensors.update(post or {f"{prefix}.norm.weight": [H]})
    if head:
        tensors["lm_head.weight"] = [V, H]
    return tensors


COMMON = {
    "hidden_size": H, "intermediate_size": I, "num_attention_heads": HEADS, "num_key_value_heads": KV,
    "head_dim": HD, "num_hidden_layers": L, "vocab_size": V, "max_position_embeddings": 64,
    "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "bos_token_id": 1, "eos_token_id": 2,
    "pad_token_id": 0, "initializer_range": 0.02, "attention_bias": False, "torch_dtype": "float32",
}
GEMMA2_NORMS = (("pre_feedforward_layernorm.weight", [H]), ("post_feedforward_layernorm.weight", [H]))
QK_NORMS = (("self_attn.q_norm.weight", [HD]), ("self_attn.k_norm.weight", [HD]))

ARCHS = {
    "qwen3": (decoder("model", llama_like_layer(QK_NORMS), head=True), dict(
        COMMON, architectures=["Qwen3ForCausalLM"], model_type="qwen3", hidden_act="silu",
        tie_word_embeddings=False, use_sliding_window=False, sliding_window=None, max_window_layers=L,
        layer_types=["full_attention"] * L)),
    "gemma": (decoder("model", llama_like_layer(), head=False), dict(
        COMMON, architectures=["GemmaForCausalLM"], model_type="gemma", hidden_act="gelu_pytorch_tanh",
        hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True)),
    "gemma2": (decoder("model", llama_like_layer(GEMMA2_NORMS), head=False), dict(
        COMMON, architectures=["Gemma2ForCausalLM"], model_type="gemma2", hidden_activation="gelu_pytorch_tanh",
        query_pre_attn_scalar=HD, sliding_window=16, final_logit_softcapping=30.0, attn_logit_softcapping=50.0,
        cache_implementation="hybrid", tie_word_embeddings=True,
        layer_types=["sliding_attention" if n % 2 == 0 else "full_attention" for n in range(L)])),
    "gemma3": (decoder("model", llama_like_layer(GEMMA2_NORMS + QK_NORMS), head=False), dict(
        COMMON, architectures=["Gemma3ForCausalLM"], model_type="gemma3_text", hidden_activation="gelu_pytorch_tanh",
        query_pre_attn_scalar=HD, sliding_window=16, rope_local_base_freq=10000.0, final_logit_softcapping=None,
        attn_logit_softcapping=None, tie_word_embeddings=True,
        layer_types=["sliding_attention", "sliding_attention", "full_attention"])),
    "phi3": (decoder("model", {
        "input_layernorm.weight": [H], "post_attention_layernorm.weight": [H],
        "self_attn.qkv_proj.weight": [(HEADS + 2 * KV) * HD, H], "self_attn.o_proj.weight": [H, HEADS * HD],
        "mlp.gate_up_proj.weight": [2 * I, H], "mlp.down_proj.weight": [H, I]}, head=True), dict(
        COMMON, architectures=["Phi3ForCausalLM"], model_type="phi3", hidden_act="silu", rope_scaling=None,
        original_max_position_embeddings=64, resid_pdrop=0.0, embd_pdrop=0.0, attention_dropout=0.0,
        partial_rotary_factor=1.0, sliding_window=None, tie_word_embeddings=False)),
    "gpt2": ({**{"transformer.wte.weight": [V, H], "transformer.wpe.weight": [64, H]},
              **{f"transformer.h.{n}.{k}": s for n in range(L) for k, s in {
                  "ln_1.weight": [H], "ln_1.bias": [H], "attn.c_attn.weight": [H, 3 * H], "attn.c_attn.bias": [3 * H],
                  "attn.c_proj.weight": [H, H], "attn.c_proj.bias": [H], "ln_2.weight": [H], "ln_2.bias": [H],
                  "mlp.c_fc.weight": [H, 4 * H], "mlp.c_fc.bias": [4 * H], "mlp.c_proj.weight": [4 * H, H],
                  "mlp.c_proj.bias": [H]}.items()},
              "transformer.ln_f.weight": [H], "transformer.ln_f.bias": [H]}, {
        "architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": H, "n_head": HEADS, "n_layer": L,
        "n_positions": 64, "n_inner": None, "vocab_size": V, "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-5, "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": True,
        "torch_dtype": "float32"}),
    # A multimodal-style layout: the decoder under model.language_model, a small vision tower beside it.
    "nested": ({**decoder("model.language_model", llama_like_layer(), head=True),
                **{f"model.vision_tower.layers.{n}.fc.weight": [H, H] for n in range(2)},
                "model.multi_modal_projector.linear.weight": [H, H]}, {
        "architectures": ["NestedForConditionalGeneration"], "model_type": "nested", "torch_dtype": "float32",
        "text_config": dict(COMMON, model_type="llama", tie_word_embeddings=False),
        "vision_config": {"num_hidden_layers": 2, "hidden_size": H}}),
}


def write_safetensors(path, tensors):
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(directory):
    with open(os.path.join(directory, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    read_safetensors.dtypes = {n: i["dtype"] for n, i in header.items() if n != "__metadata__"}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        kind = {"F32": "<f4", "BF16": "<u2", "F16": "<f2"}[info["dtype"]]
        values = np.frombuffer(data[start:end], dtype=kind)
        if info["dtype"] == "BF16":
            values = (values.astype(np.uint32) << 16).view(np.float32)
        out[name] = values.astype(np.float32).reshape(info["shape"])
    return out


def make(outdir):
    for arch, (shapes, config) in ARCHS.items():
        rng = np.random.default_rng(sum(map(ord, arch)))
        base = {n: rng.standard_normal(s).astype(np.float32) * 0.5 for n, s in shapes.items()}
        for variant in ("base", "ft1", "ft2"):
            directory = os.path.join(outdir, f"{arch}-{variant}")
            os.makedirs(directory, exist_ok=True)
            tensors = base if variant == "base" else {
                n: (t + rng.standard_normal(t.shape).astype(np.float32) * 0.1) for n, t in base.items()}
            write_safetensors(os.path.join(directory, "model.safetensors"), tensors)
            with open(os.path.join(directory, "config.json"), "w") as f:
                json.dump(config, f, indent=2)


def ties(base, xs, weights, density):
    deltas = []
    for x in xs:
        d = (x - base).ravel()
        k = int(density * d.size)
        keep = np.argsort(-np.abs(d), kind="stable")[:k]
        m = np.zeros_like(d)
        m[keep] = d[keep]
        deltas.append(m.reshape(base.shape))
    w = np.array(weights, dtype=np.float32).reshape([-1] + [1] * base.ndim)
    weighted = np.stack(deltas) * w
    sign = np.where(weighted.sum(0) >= 0, 1.0, -1.0).astype(np.float32)
    mask = np.sign(weighted) == sign
    merged = (weighted * mask).sum(0)
    divisor = (w * mask).sum(0)
    divisor[divisor == 0] = 1
    return base + merged / divisor


def slerp(t, v0, v1):
    a, b = v0.astype(np.float64).ravel(), v1.astype(np.float64).ravel()
    u0 = a / np.linalg.norm(a) if np.linalg.norm(a) > 1e-8 else a
    u1 = b / np.linalg.norm(b) if np.linalg.norm(b) > 1e-8 else b
    dot = float(np.sum(u0 * u1))
    if abs(dot) > 0.9995:
        return (1 - t) * v0 + t * v1
    theta = np.arccos(dot)
    s0, s1 = np.sin(theta - theta * t) / np.sin(theta), np.sin(theta * t) / np.sin(theta)
    return (s0 * a + s1 * b).reshape(v0.shape)


def expected(method, inputs, out_names):
    """The numpy result for every output tensor name. Conventions of the architecture tests:
    linear: inputs ft1, ft2 with weights 0.3, 0.7; ties: base, ft1 (w 1.0), ft2 (w 0.5), density 0.5;
    slerp: base, ft1, t 0.4; passthrough: slices ft1 layers [0, 2) then ft2 layers [1, 3)."""
    result = {}
    for name in out_names:
        if method == "passthrough":
            parts = name.split(".")
            idx = next((i for i, p in enumerate(parts) if p.isdigit()), None)
            layered = idx is not None and name.startswith(("model.layers.", "transformer.h.", "model.language_model.layers."))
            if layered:
                n = int(parts[idx])
                src, i = (inputs[0], n) if n < 2 else (inputs[1], n - 1)
                result[name] = src[".".join(parts[:idx] + [str(i)] + parts[idx + 1:])]
            elif "embed" in name or "wte" in name or "wpe" in name:
                result[name] = inputs[0][name]
            else:
                result[name] = inputs[1][name]
        elif method == "linear":
            result[name] = (0.3 * inputs[0][name] + 0.7 * inputs[1][name]) / (0.3 + 0.7)
        elif method == "ties":
            result[name] = ties(inputs[0][name], [inputs[1][name], inputs[2][name]], [1.0, 0.5], 0.5)
        elif method == "slerp":
            result[name] = slerp(0.4, inputs[0][name], inputs[1][name])
        else:
            raise SystemExit(f"unknown method {method}")
    return result


def check(method, out, ins):
    got = read_safetensors(out)
    dtypes = read_safetensors.dtypes
    inputs = [read_safetensors(d) for d in ins]
    want = expected(method, inputs, list(got))
    worst = 0.0
    for name, value in want.items():
        if value.shape != got[name].shape:
            print(f"{name}: shape {got[name].shape}, numpy {value.shape}")
            return 1
        diff = float(np.max(np.abs(value.astype(np.float64) - got[name]))) if value.size else 0.0
        scale = float(np.max(np.abs(value))) or 1.0
        worst = max(worst, diff / scale)
        tolerance = 8e-3 if dtypes[name] == "BF16" else 1e-5  # bfloat16 keeps 8 significant bits
        if diff > tolerance * scale + 1e-6:
            print(f"{name}: max |alloy - numpy| = {diff:.3g}")
            return 1
    print(f"{len(want)} tensors match numpy (worst relative difference {worst:.2g})")
    return 0


def load(directories):
    try:
        import torch
        import transformers
    except ImportError:
        return 77
    transformers.logging.set_verbosity_error()
    status = 0
    for d in directories:
        model, info = transformers.AutoModelForCausalLM.from_pretrained(d, output_loading_info=True, dtype=torch.float32)
        problems = {k: v for k, v in info.items() if v}
        logits = model(torch.tensor([[1, 5, 7, 9]])).logits
        if problems or not bool(torch.isfinite(logits).all()):
            print(f"{d}: {problems or 'non-finite logits'}")
            status = 1
    return status


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "load":
        sys.exit(load(sys.argv[2:]))
    elif len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) >= 5 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4:]))
    else:
        sys.exit(__doc__)
