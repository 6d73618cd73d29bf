#!/usr/bin/env python3
"""Makes the LoHa and LoKr fixtures of LyCORISFoldTests (run by hand; tests never run it).

    /work/pyenv/bin/python make_lycoris.py [FIXTURES_DIR]

For ../../../../../shared/fixtures/models/llama-base (loaded in float32), with fixed seeds:
- loha/: a PEFT LoHa adapter on q_proj and v_proj of layers 0 and 2 (r 4, alpha 8;
  rank_pattern gives v_proj r 2, alpha_pattern gives layer 2's q_proj alpha 3), factors
  initialised randomly (init_weights=False) so the delta is not zero.
- lokr/: a PEFT LoKr adapter on k_proj and o_proj of layers 0 and 2 (r 4, alpha 6,
  decompose_both; rank_pattern gives o_proj r 2, so o_proj has the low-rank w1_a/w1_b and
  w2_a/w2_b factors and k_proj the full w1/w2 ones).
- loha-merged.safetensors, lokr-merged.safetensors: the adapted weights (float32) of
  PeftModel.from_pretrained(base, adapter).merge_and_unload(), the reference.
"""
import os
import sys

import torch
from peft import LoHaConfig, LoKrConfig, PeftModel, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.normpath(os.path.join(HERE, "../../../../../shared/fixtures/models/llama-base"))
OUT = sys.argv[1] if len(sys.argv) > 1 else HERE


def base():
    return AutoModelForCausalLM.from_pretrained(BASE, dtype=torch.float32)


def make(name, config, targets):
    torch.manual_seed({"loha": 1, "lokr": 2}[name])
    model = get_peft_model(base(), config)
    # PEFT's LoKr initialises w2 to zero; give every factor small random values instead.
    with torch.no_grad():
        for n, p in model.named_parameters():
            if ("hada_" in n or "lokr_" in n) and p.requires_grad:
                p.copy_(torch.randn_like(p) * 0.3)
    adapter_dir = os.path.join(OUT, name)
    model.save_pretrained(adapter_dir)
    merged = PeftModel.from_pretrained(base(), adapter_dir).merge_and_unload().state_dict()
    keep = {k: v.contiguous() for k, v in merged.items() if any(f".{t}." in k for t in targets)
            and (".layers.0." in k or ".layers.2." in k)}
    save_file(keep, os.path.join(OUT, f"{name}-merged.safetensors"), metadata={"format": "pt"})
    os.remove(os.path.join(adapter_dir, "README.md"))
    print(name, sorted(keep))


make("loha", LoHaConfig(r=4, alpha=8, target_modules=["q_proj", "v_proj"], layers_to_transform=[0, 2],
                        rank_pattern={"v_proj": 2}, alpha_pattern={"layers.2.self_attn.q_proj": 3},
                        init_weights=False), ["q_proj", "v_proj"])
make("lokr", LoKrConfig(r=4, alpha=6, target_modules=["k_proj", "o_proj"], layers_to_transform=[0, 2],
                        rank_pattern={"o_proj": 2}, decompose_both=True, init_weights=False),
     ["k_proj", "o_proj"])
