#!/usr/bin/env python3
"""Loads tokenizers Alloy wrote with AutoTokenizer and checks they encode as their inputs do (tests only).

    check_tokenizer.py SPEC_JSON

SPEC_JSON is a list of tasks:
- {"task": "merge", "output": DIR, "inputs": [DIR...], "id_maps": [[merged id or null]...] (optional)}
    A merged tokenizer against each input tokenizer, on a fixed set of strings: every token an
    input produces must be in the merged vocabulary at the id the merge reported (`id_maps`, from
    merge-tokenizer --json; identity when absent), and the merged tokenizer must encode each string
    to those same ids (with and without special tokens).
- {"task": "same", "output": DIR, "reference": DIR}
    A copied tokenizer (transplant, --source MODEL) against the one it came from: same vocabulary,
    same ids for every string.
Prints a JSON list with one report per task.
"""
import json
import sys

from transformers import AutoTokenizer

from interop_common import Captured, report

STRINGS = [
    "The weather was cold on the morning",
    "merge the weights of two models",
    "def merge(a, b, t=0.5):\n    return (1 - t) * a + t * b",
    "Numbers matter: 0.5, 0.25, 2048, 4096",
    "  leading and trailing spaces  ",
    "naïve café — “quotes” 東京 🙂",
    "<|im_start|>user\nHello there<|im_end|>\n<|im_start|>assistant\n",
    "</s> <s> inside text",
    "",
]


def load(path):
    with Captured() as captured:
        tokenizer = AutoTokenizer.from_pretrained(path)
    return tokenizer, captured.messages


def merge_task(spec):
    output, warnings = load(spec["output"])
    vocab = output.get_vocab()
    out = {"task": "merge", "output": spec["output"], "load_warnings": warnings, "len": len(output), "inputs": []}
    for i, path in enumerate(spec["inputs"]):
        tokenizer, _ = load(path)
        id_map = spec["id_maps"][i] if spec.get("id_maps") else None
        mapped = (lambda ids: [id_map[j] if j < len(id_map) else None for j in ids]) if id_map else (lambda ids: list(ids))
        counts = {"strings": 0, "tokens": 0, "tokens_missing": 0, "tokens_at_other_id": 0,
                  "strings_same_ids": 0, "strings_same_ids_with_specials": 0}
        examples, differing = [], []
        for s in STRINGS:
            counts["strings"] += 1
            ids = tokenizer.encode(s, add_special_tokens=False)
            expected = mapped(ids)
            for token, merged_id in zip(tokenizer.convert_ids_to_tokens(ids), expected):
                counts["tokens"] += 1
                if token not in vocab:
                    counts["tokens_missing"] += 1
                elif vocab[token] != merged_id:
                    counts["tokens_at_other_id"] += 1
            got = output.encode(s, add_special_tokens=False)
            if got == expected:
                counts["strings_same_ids"] += 1
            else:
                differing.append(s)
                if len(examples) < 3:
                    examples.append({"string": s, "input": expected, "merged": got})
            if output.encode(s) == mapped(tokenizer.encode(s)):
                counts["strings_same_ids_with_specials"] += 1
        out["inputs"].append({"input": path, **counts, "differing_strings": differing, "examples": examples})
    return out


def same_task(spec):
    output, warnings = load(spec["output"])
    reference, _ = load(spec["reference"])
    same = sum(1 for s in STRINGS if output.encode(s) == reference.encode(s)
               and output.encode(s, add_special_tokens=False) == reference.encode(s, add_special_tokens=False))
    return {"task": "same", "output": spec["output"], "load_warnings": warnings, "strings": len(STRINGS),
            "strings_same_ids": same, "same_vocab": output.get_vocab() == reference.get_vocab(),
            "same_special_tokens": output.all_special_tokens == reference.all_special_tokens}


def main():
    tasks = {"merge": merge_task, "same": same_task}
    results = []
    for spec in json.loads(sys.argv[1]):
        try:
            results.append(tasks[spec["task"]](spec))
        except Exception as error:  # one task's failure is reported, the others still run
            results.append({"task": spec["task"], "error": f"{type(error).__name__}: {error}"})
    report(results)


if __name__ == "__main__":
    main()
