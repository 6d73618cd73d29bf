#!/usr/bin/env python3
"""Writes transformers_reference.safetensors: Transformers' own hidden states for the tiny
llama, mistral and qwen2 fixture models, the reference DecoderForwardTests compare against.

Run once (needs torch + transformers; the committed file makes the test independent of them):

    cd Tests/Fixtures/inference
    python3 make_transformers_reference.py ../../../../../shared/fixtures/models

For each MODEL in llama-base, mistral-base, qwen2-base and DTYPE in float32, bfloat16:
- MODEL/input_ids (I64, [S, T]) and MODEL/padding (I64, [S]): the prompts below encoded by the
  model's tokenizer with its special tokens, left-padded to the longest (the padding count of
  each sequence; padded positions have attention mask 0);
- MODEL/DTYPE/hidden_states ([L + 1, S, T, H], F32 for float32, BF16 for bfloat16 so the values are
  stored exactly): `output_hidden_states` of `AutoModel.from_pretrained(MODEL, dtype=DTYPE,
  attn_implementation="eager")` called with input_ids and attention_mask only (positions 0..T-1).
"""
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import AutoModel, AutoTokenizer

MODELS = ["llama-base", "mistral-base", "qwen2-base"]
PROMPTS = ["merge the weights of two models", "the kettle", "a + b"]
MAX_TOKENS = 8


def main():
    models_dir = sys.argv[1]
    out = {}
    for name in MODELS:
        path = os.path.join(models_dir, name)
        tokenizer = AutoTokenizer.from_pretrained(path)
        encoded = [tokenizer.encode(p)[:MAX_TOKENS] for p in PROMPTS]
        length = max(len(e) for e in encoded)
        padding = [length - len(e) for e in encoded]
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        ids = torch.tensor([[pad_id] * p + e for p, e in zip(padding, encoded)])
        mask = torch.tensor([[0] * p + [1] * len(e) for p, e in zip(padding, encoded)])
        out[f"{name}/input_ids"] = ids
        out[f"{name}/padding"] = torch.tensor(padding)
        for dtype in (torch.float32, torch.bfloat16):
            model = AutoModel.from_pretrained(path, dtype=dtype, attn_implementation="eager").eval()
            with torch.no_grad():
                states = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
            out[f"{name}/{str(dtype).replace('torch.', '')}/hidden_states"] = torch.stack(states).contiguous()
    metadata = {"transformers": transformers.__version__, "torch": torch.__version__,
                "prompts": " | ".join(PROMPTS), "attn_implementation": "eager"}
    save_file(out, "transformers_reference.safetensors", metadata=metadata)


if __name__ == "__main__":
    main()
