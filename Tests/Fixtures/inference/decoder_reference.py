#!/usr/bin/env python3
"""Independent NumPy reference for Alloy's decoder forward pass (tests only).

    decoder_reference.py MODEL_DIR < request.json > states.json

request: {"sequences": [[ids...], ...], "padding": [p0, p1, ...]} (left padding
counts). Prints {"states": [layer][sequence][position][hidden]} for the hidden
states Transformers reports with output_hidden_states (embeddings, the input of
every later layer, the final normed output), computed in float64 from the
checkpoint's weights, following LlamaModel / Qwen2Model / MistralModel
semantics: position ids 0..T-1, padded keys masked, fully masked queries give a
zero attention output, rotate-half RoPE (default rope type only).
"""
import json
import os
import struct
import sys

import numpy as np


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[b:e]
        if info["dtype"] == "BF16":
            a = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif info["dtype"] == "F16":
            a = np.frombuffer(raw, dtype="<f2")
        else:
            a = np.frombuffer(raw, dtype="<f4")
        out[name] = a.astype(np.float64).reshape(info["shape"])
    return out


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def main():
    model = sys.argv[1]
    cfg = json.load(open(os.path.join(model, "config.json")))
    W = load_safetensors(os.path.join(model, "model.safetensors"))
    req = json.load(sys.stdin)
    H, L = cfg["hidden_size"], cfg["num_hidden_layers"]
    nh, nkv = cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd = cfg.get("head_dim") or H // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta") or cfg.get("rope_parameters", {}).get("rope_theta", 10000.0)
    inv = 1.0 / theta ** (np.arange(0, hd, 2) / hd)
    states = []
    for ids, pad in zip(req["sequences"], req["padding"]):
        T = len(ids)
        x = W["model.embed_tokens.weight"][ids]
        seq_states = [x.copy()]
        ang = np.arange(T)[:, None] * inv[None, :]
        cos, sin = np.cos(ang), np.sin(ang)

        def rope(v):  # v: T x heads x hd
            a, b = v[..., : hd // 2], v[..., hd // 2:]
            c, s = cos[:, None, :], sin[:, None, :]
            return np.concatenate([a * c - b * s, b * c + a * s], axis=-1)

        def lin(h, name):
            y = h @ W[name + ".weight"].T
            return y + W[name + ".bias"] if name + ".bias" in W else y

        for l in range(L):
            p = f"model.layers.{l}."
            h = rms_norm(x, W[p + "input_layernorm.weight"], eps)
            q = rope(lin(h, p + "self_attn.q_proj").reshape(T, nh, hd))
            k = rope(lin(h, p + "self_attn.k_proj").reshape(T, nkv, hd))
            v = lin(h, p + "self_attn.v_proj").reshape(T, nkv, hd)
            out = np.zeros((T, nh, hd))
            for head in range(nh):
                g = head // (nh // nkv)
                s = q[:, head, :] @ k[:, g, :].T / np.sqrt(hd)
                for i in range(T):
                    if i < pad:
                        continue
                    row = s[i, pad: i + 1]
                    w = np.exp(row - row.max())
                    w /= w.sum()
                    out[i, head] = w @ v[pad: i + 1, g, :]
            x = x + lin(out.reshape(T, nh * hd), p + "self_attn.o_proj")
            h = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
            gate, up = lin(h, p + "mlp.gate_proj"), lin(h, p + "mlp.up_proj")
            x = x + lin(gate / (1 + np.exp(-gate)) * up, p + "mlp.down_proj")
            seq_states.append(x.copy())
        seq_states[-1] = rms_norm(x, W["model.norm.weight"], eps)
        states.append(seq_states)
    # [layer][sequence][position][hidden]
    json.dump({"states": [[s[l].tolist() for s in states] for l in range(L + 1)]}, sys.stdout)


if __name__ == "__main__":
    main()
