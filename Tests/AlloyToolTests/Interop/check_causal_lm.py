#!/usr/bin/env python3
"""Loads an Alloy output directory with Transformers the way a user would, and checks it works.

    check_causal_lm.py MODEL_DIR...
    check_causal_lm.py --spec '[{"model": DIR, "compare_with": OTHER_DIR, "state_dict_reference": false}, ...]'

- AutoTokenizer and AutoModelForCausalLM.from_pretrained (default dtype, which must be the
  config's) load it; the loading info lists no missing, unexpected or mismatched keys;
- a chat template, if there is one, renders and encodes a conversation;
- a forward pass over a left-padded batch, and greedy `generate` of a few tokens, run;
- the float32 logits equal those of a model built from config.json alone whose weights are set
  with `load_state_dict` from the safetensors files (so no tensor was dropped, renamed, transposed
  or re-initialised on the way in), and the default-dtype logits are close to the float32 ones;
- with "compare_with", the float32 logits equal those of another output directory (e.g. the same
  MoE written with the other expert layout).
Prints a JSON list with one report of numbers per model (one process: Torch is imported once).
"""
import argparse
import json

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

from interop_common import PROMPTS, Captured, report, state_dict


def batch_for(tokenizer):
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer(PROMPTS, return_tensors="pt", padding=True)


def masked_max_diff(a, b, mask):
    keep = mask.bool()
    return float((a.double() - b.double()).abs()[keep].max())


def check(path, compare_with=None, state_dict_reference=True, new_tokens=5):
    torch.manual_seed(0)
    out = {"model": path}
    with Captured() as captured:
        tokenizer = AutoTokenizer.from_pretrained(path)
        config = AutoConfig.from_pretrained(path)
        model, info = AutoModelForCausalLM.from_pretrained(path, output_loading_info=True)
    out["model_class"] = type(model).__name__
    out["config_dtype"] = str(config.dtype).replace("torch.", "")
    out["loaded_dtype"] = str(model.dtype).replace("torch.", "")
    for key in ("missing_keys", "unexpected_keys", "mismatched_keys"):
        out[key] = sorted(str(k) for k in info.get(key, []))
    out["load_warnings"] = captured.matching("missing", "unexpected", "mismatch", "newly initialized", "not used")
    out["tokenizer_len"] = len(tokenizer)
    out["vocab_size"] = config.vocab_size
    out["embedding_rows"] = model.get_input_embeddings().weight.shape[0]

    out["chat_template"] = bool(tokenizer.chat_template)
    if tokenizer.chat_template:
        chat = [{"role": "user", "content": PROMPTS[0]}, {"role": "assistant", "content": PROMPTS[1]},
                {"role": "user", "content": PROMPTS[2]}]
        ids = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_dict=True)["input_ids"]
        out["chat_prompt_max_id"] = max(ids)
        out["chat_prompt_added_token_ids"] = sorted({i for i in ids if i in tokenizer.added_tokens_decoder})

    batch = batch_for(tokenizer)
    mask = batch["attention_mask"]
    out["max_input_id"] = int(batch["input_ids"].max())
    model.eval()
    with torch.no_grad():
        model32 = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
        logits32 = model32(**batch).logits
        logits = model(**batch).logits
        out["logit_scale"] = float(logits32.abs()[mask.bool()].max())
        out["max_logit_diff_default_dtype"] = masked_max_diff(logits, logits32, mask)
        out["finite"] = bool(torch.isfinite(logits).all())

        generated = model.generate(**batch, max_new_tokens=new_tokens, do_sample=False,
                                   pad_token_id=tokenizer.pad_token_id)
        out["generated_new_tokens"] = int(generated.shape[1] - batch["input_ids"].shape[1])
        out["generated_text"] = tokenizer.batch_decode(generated[:, batch["input_ids"].shape[1]:])

        if state_dict_reference:
            reference = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
            weights = {k: v.float() for k, v in state_dict(path).items()}
            result = reference.load_state_dict(weights, strict=False)
            tied = {"lm_head.weight"} if config.tie_word_embeddings else set()
            out["reference_missing_keys"] = sorted(set(result.missing_keys) - tied)
            out["reference_unexpected_keys"] = sorted(result.unexpected_keys)
            if config.tie_word_embeddings:
                reference.tie_weights()
            out["max_logit_diff_state_dict"] = masked_max_diff(reference(**batch).logits, logits32, mask)

        if compare_with:
            other = AutoModelForCausalLM.from_pretrained(compare_with, dtype=torch.float32).eval()
            out["max_logit_diff_other"] = masked_max_diff(other(**batch).logits, logits32, mask)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="*")
    parser.add_argument("--spec", help="JSON list of {model, compare_with, state_dict_reference}")
    args = parser.parse_args()
    specs = [{"model": m} for m in args.models] + (json.loads(args.spec) if args.spec else [])
    report([check(s["model"], s.get("compare_with"), s.get("state_dict_reference", True)) for s in specs])


if __name__ == "__main__":
    main()
