"""Shared helpers for Alloy's Hugging Face interoperability checks (tests only).

Every check prints one JSON report on stdout; the Swift tests assert on its numbers.
"""
import json
import logging
import os
import sys
import warnings

import torch
from safetensors.torch import load_file


def report(payload):
    """Prints the check's JSON report (the only thing on stdout)."""
    json.dump(payload, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    sys.stdout.flush()


def state_dict(directory):
    """Every tensor of a model or adapter directory (single file or shards + index)."""
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        files = sorted(set(json.load(open(index))["weight_map"].values()))
    else:
        files = [f for f in sorted(os.listdir(directory)) if f.endswith(".safetensors")]
    tensors = {}
    for f in files:
        tensors.update(load_file(os.path.join(directory, f)))
    return tensors


def max_abs_diff(a, b):
    return float((a.double() - b.double()).abs().max()) if a.numel() else 0.0


MANTISSA_BITS = {torch.bfloat16: 7, torch.float16: 10, torch.float32: 23, torch.float64: 52}


def scaled_ulps(ours, theirs):
    """Largest difference of two same-dtype tensors in units in the last place of the dtype at the
    scale of the tensor's largest magnitude: rounding differences between summation orders stay
    at or below about 1, a wrong term is orders of magnitude above."""
    if not theirs.is_floating_point() or theirs.numel() == 0:
        return 0.0 if torch.equal(ours, theirs) else float("inf")
    scale = float(theirs.double().abs().max())
    if scale == 0:
        return 0.0 if torch.equal(ours, theirs) else float("inf")
    ulp = 2.0 ** (torch.frexp(torch.tensor(scale)).exponent.item() - 1 - MANTISSA_BITS[theirs.dtype])
    return max_abs_diff(ours, theirs) / ulp


class Captured:
    """Collects Python warnings and transformers/peft log records of level WARNING or above."""

    def __init__(self):
        self.messages = []

    def __enter__(self):
        self._warnings = warnings.catch_warnings(record=True)
        self._records = self._warnings.__enter__()
        warnings.simplefilter("always")
        self._handler = logging.Handler(logging.WARNING)
        self._handler.emit = lambda record: self.messages.append(record.getMessage())
        for name in ("transformers", "peft"):
            logging.getLogger(name).addHandler(self._handler)
        return self

    def __exit__(self, *exc):
        for name in ("transformers", "peft"):
            logging.getLogger(name).removeHandler(self._handler)
        self.messages += [str(w.message) for w in self._records]
        self._warnings.__exit__(*exc)
        return False

    def matching(self, *needles):
        return [m for m in self.messages if any(n in m.lower() for n in needles)]


PROMPTS = [
    "The weather was cold on the morning",
    "merge the weights of two models",
    "def merge(a, b, t=0.5):",
]
