#!/usr/bin/env python3
"""Writes a tiny seeded Qwen3 family (a base and two fine-tunes) for the Qwen3-MoE interop check.

    make_qwen3_family.py TOKENIZER_MODEL_DIR OUT_DIR

The fixtures have no Qwen3 models, and merge-moe builds Qwen3 MoE only from Qwen3 experts. The
models are built by Transformers' own Qwen3ForCausalLM (so the tensors and config.json are what
Transformers writes), in bfloat16, with the tokenizer files of TOKENIZER_MODEL_DIR.
Writes OUT_DIR/qwen3-base, OUT_DIR/qwen3-ft1, OUT_DIR/qwen3-ft2 and prints [{"models": [paths]}].
"""
import os
import shutil
import sys

import torch
from transformers import Qwen3Config, Qwen3ForCausalLM

from interop_common import report


def main():
    tokenizer_dir, out = sys.argv[1], sys.argv[2]
    config = Qwen3Config(vocab_size=400, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=256,
                         tie_word_embeddings=False, bos_token_id=1, eos_token_id=2, pad_token_id=3)
    torch.manual_seed(1234)
    base = Qwen3ForCausalLM(config).to(torch.bfloat16)
    weights = {k: v.clone() for k, v in base.state_dict().items()}
    written = []
    for name, seed in (("qwen3-base", None), ("qwen3-ft1", 1), ("qwen3-ft2", 2)):
        if seed is not None:
            generator = torch.Generator().manual_seed(seed)
            for k, v in base.state_dict().items():
                if k.endswith("proj.weight"):
                    v.copy_(weights[k] + 0.02 * torch.randn(v.shape, generator=generator).to(v.dtype))
        path = os.path.join(out, name)
        base.save_pretrained(path)
        for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            if os.path.exists(os.path.join(tokenizer_dir, f)):
                shutil.copy(os.path.join(tokenizer_dir, f), path)
        written.append(path)
    report([{"models": written}])


if __name__ == "__main__":
    main()
