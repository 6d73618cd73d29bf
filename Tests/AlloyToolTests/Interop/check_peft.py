#!/usr/bin/env python3
"""Checks Alloy's LoRA tools against PEFT itself (tests only).

    check_peft.py SPEC_JSON

SPEC_JSON is a list of tasks, run in one process (Torch and PEFT are imported once):
- {"task": "apply", "base": DIR, "adapter": DIR, "alloy": DIR, "resize_to": N (optional)}
    PEFT's PeftModel.from_pretrained(base, adapter).merge_and_unload() state dict (base loaded in
    its config dtype) against apply-lora's output: key sets, dtypes, largest difference in units in
    the last place at the scale of the tensor's largest value, and in value.
- {"task": "load", "base": DIR, "adapter": DIR, "resize_to": N (optional)}
    PeftModel.from_pretrained on an adapter Alloy wrote (after resizing the base's embeddings to N
    rows, as a user must for an adapter made for another vocabulary size): warnings about
    missing/unexpected keys, and the adapter state dict PEFT ends up with
    (get_peft_model_state_dict) against the file.
- {"task": "weighted", "base": DIR, "adapters": [DIR...], "kwargs": {add_weighted_adapter kwargs},
   "alloy": DIR, "compare_factors": bool}
    PEFT's add_weighted_adapter on the same adapters (base in float32) against merge-lora's output:
    the merged lora_A/lora_B factors (when compare_factors) and every module's product
    scaling·B·A, plus the merged config's r and lora_alpha.
- {"task": "ia3_weighted", "base": DIR, "adapters": [DIR...], "weights": [w...], "alloy": DIR}
    PEFT's IA3Model.add_weighted_adapter (base in float32) against merge-lora's (IA)³ output:
    module sets, the largest difference of the ia3_l vectors, and the unioned config lists.
Prints a JSON list with one report per task; a task that raises reports {"error": message}.
"""
import json
import sys

import torch
from peft import PeftModel
from peft.utils import get_peft_model_state_dict
from transformers import AutoModelForCausalLM

from interop_common import Captured, max_abs_diff, report, scaled_ulps, state_dict


def apply_task(spec):
    base = AutoModelForCausalLM.from_pretrained(spec["base"])
    if spec.get("resize_to"):
        base.resize_token_embeddings(spec["resize_to"])
    merged = PeftModel.from_pretrained(base, spec["adapter"]).merge_and_unload()
    ours = state_dict(spec["alloy"])
    theirs = {k: v for k, v in merged.state_dict().items()}
    if getattr(merged.config, "tie_word_embeddings", False):
        theirs.pop("lm_head.weight", None)
    original = state_dict(spec["base"])
    out = {"task": "apply", "adapter": spec["adapter"],
           "keys_only_peft": sorted(set(theirs) - set(ours)), "keys_only_alloy": sorted(set(ours) - set(theirs))}
    shared = sorted(set(ours) & set(theirs))
    out["dtype_mismatches"] = [k for k in shared if ours[k].dtype != theirs[k].dtype]
    out["shape_mismatches"] = [k for k in shared if ours[k].shape != theirs[k].shape]
    comparable = [k for k in shared if k not in out["dtype_mismatches"] and k not in out["shape_mismatches"]]
    ulps = {k: scaled_ulps(ours[k], theirs[k]) for k in comparable}
    out["max_diff_in_tensor_ulps"] = max(ulps.values(), default=0.0)
    out["tensors_over_one_ulp"] = sorted(k for k, u in ulps.items() if u > 1)
    out["max_abs_diff"] = max((max_abs_diff(ours[k], theirs[k]) for k in comparable), default=0.0)
    out["differing_elements"] = int(sum(int((ours[k] != theirs[k]).sum()) for k in comparable))
    out["elements"] = int(sum(ours[k].numel() for k in comparable))
    out["tensors_changed_by_peft"] = sum(1 for k in comparable if k in original and not torch.equal(original[k], theirs[k]))
    out["worst_tensor_ulps"] = {k: ulps[k] for k in out["tensors_over_one_ulp"][:8]}
    return out


def load_adapter(base_dir, adapter_dir, dtype=None, resize_to=None):
    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=dtype) if dtype else AutoModelForCausalLM.from_pretrained(base_dir)
    if resize_to:
        base.resize_token_embeddings(resize_to)
    with Captured() as captured:
        model = PeftModel.from_pretrained(base, adapter_dir)
    return model, captured


def load_task(spec):
    model, captured = load_adapter(spec["base"], spec["adapter"], resize_to=spec.get("resize_to"))
    # save_embedding_layers=False: only what the adapter holds, not base embeddings PEFT would add on saving.
    loaded = get_peft_model_state_dict(model, save_embedding_layers=False)
    saved = state_dict(spec["adapter"])
    out = {"task": "load", "adapter": spec["adapter"],
           "warnings": captured.matching("missing", "unexpected", "mismatch", "not found", "could not"),
           "keys_only_loaded": sorted(set(loaded) - set(saved)), "keys_only_file": sorted(set(saved) - set(loaded))}
    shared = sorted(set(loaded) & set(saved))
    out["max_abs_diff"] = max((max_abs_diff(loaded[k].float(), saved[k].float()) for k in shared), default=0.0)
    out["tensors"] = len(shared)
    out["lora_modules"] = sum(1 for k in shared if ".lora_A." in k or ".lora_embedding_A" in k)
    return out


def modules(tensors):
    """{module: (A, B)} for PEFT-named factor tensors (lora_A/lora_B or lora_embedding_A/B)."""
    out = {}
    for name, t in tensors.items():
        for a, b in ((".lora_A.weight", ".lora_B.weight"), (".lora_embedding_A", ".lora_embedding_B")):
            if name.endswith(a) and name[: -len(a)] + b in tensors:
                out[name[: -len(a)]] = (t.float(), tensors[name[: -len(a)] + b].float(), a)
    return out


def product(a, b, kind):
    return b @ a if kind == ".lora_A.weight" else (b @ a).T


def weighted_task(spec):
    names = [f"in{i}" for i in range(len(spec["adapters"]))]
    model, _ = load_adapter(spec["base"], spec["adapters"][0], dtype=torch.float32)
    for name, path in zip(names[1:], spec["adapters"][1:]):
        model.load_adapter(path, adapter_name=name)
    # PeftModel.from_pretrained names the first adapter "default".
    names[0] = "default"
    kwargs = dict(spec["kwargs"])
    model.add_weighted_adapter(names, adapter_name="merged", **kwargs)
    config = model.peft_config["merged"]
    theirs = modules(get_peft_model_state_dict(model, adapter_name="merged"))
    ours = modules(state_dict(spec["alloy"]))
    ours_config = json.load(open(spec["alloy"] + "/adapter_config.json"))
    scaling_theirs = config.lora_alpha / config.r
    scaling_ours = ours_config["lora_alpha"] / ours_config["r"]
    out = {"task": "weighted", "method": kwargs.get("combination_type"),
           "r": [config.r, ours_config["r"]], "lora_alpha": [config.lora_alpha, ours_config["lora_alpha"]],
           "modules_only_peft": sorted(set(theirs) - set(ours)), "modules_only_alloy": sorted(set(ours) - set(theirs)),
           "modules": len(set(theirs) & set(ours))}
    factor_diff, product_diff, product_scale, shape_mismatches = 0.0, 0.0, 0.0, []
    for m in sorted(set(theirs) & set(ours)):
        (ta, tb, kind), (oa, ob, _) = theirs[m], ours[m]
        pt, po = scaling_theirs * product(ta, tb, kind), scaling_ours * product(oa, ob, kind)
        if pt.shape != po.shape:
            shape_mismatches.append(m)
            continue
        product_diff = max(product_diff, max_abs_diff(pt, po))
        product_scale = max(product_scale, float(pt.abs().max()))
        if spec.get("compare_factors"):
            if ta.shape != oa.shape or tb.shape != ob.shape:
                shape_mismatches.append(m)
                continue
            factor_diff = max(factor_diff, max_abs_diff(ta, oa), max_abs_diff(tb, ob))
    out.update(shape_mismatches=shape_mismatches, max_product_diff=product_diff, product_scale=product_scale)
    if spec.get("compare_factors"):
        out["max_factor_diff"] = factor_diff
    return out


def ia3_weighted_task(spec):
    names = [f"in{i}" for i in range(len(spec["adapters"]))]
    model, _ = load_adapter(spec["base"], spec["adapters"][0], dtype=torch.float32)
    for name, path in zip(names[1:], spec["adapters"][1:]):
        model.load_adapter(path, adapter_name=name)
    names[0] = "default"
    model.add_weighted_adapter(names, spec["weights"], "merged")
    config = model.peft_config["merged"]
    strip = lambda d: {k: v for k, v in d.items() if k.endswith(".ia3_l")}
    theirs = strip(get_peft_model_state_dict(model, adapter_name="merged"))
    ours = strip(state_dict(spec["alloy"]))
    ours_config = json.load(open(spec["alloy"] + "/adapter_config.json"))
    shared = sorted(set(theirs) & set(ours))
    as_list = lambda v: sorted(v) if not isinstance(v, str) else v
    return {"task": "ia3_weighted", "modules_only_peft": sorted(set(theirs) - set(ours)),
            "modules_only_alloy": sorted(set(ours) - set(theirs)), "modules": len(shared),
            "shape_mismatches": [k for k in shared if theirs[k].shape != ours[k].shape],
            "max_abs_diff": max((max_abs_diff(theirs[k], ours[k]) for k in shared if theirs[k].shape == ours[k].shape), default=0.0),
            "target_modules": [as_list(config.target_modules), as_list(ours_config["target_modules"])],
            "feedforward_modules": [as_list(config.feedforward_modules), as_list(ours_config["feedforward_modules"])]}


def main():
    torch.manual_seed(0)
    tasks = {"apply": apply_task, "load": load_task, "weighted": weighted_task, "ia3_weighted": ia3_weighted_task}
    results = []
    for spec in json.loads(sys.argv[1]):
        try:
            results.append(tasks[spec["task"]](spec))
        except Exception as error:  # one task's failure is reported, the others still run
            results.append({"task": spec["task"], "error": f"{type(error).__name__}: {error}"})
    report(results)


if __name__ == "__main__":
    main()
