"""Level-1, level-2 and R1 options of every sample report, to compare two versions by hand.

    PYTHONPATH=. .venv/bin/python bench/levels_by_sample.py vcf_samples > new.json
    (cd OLD_CHECKOUT && PYTHONPATH=. /path/to/.venv/bin/python /path/to/bench/levels_by_sample.py \
        /path/to/vcf_samples) > old.json
    .venv/bin/python bench/levels_by_sample.py --diff old.json new.json

Runs each file of the folder through ``pipeline.run`` with the default KB. Works on checkouts from
before the package layout (``matcher.knowledge.load_kb``) too.
"""

from __future__ import annotations

import json
import pathlib
import sys


def levels(folder: pathlib.Path) -> dict:
    from matcher.pipeline import run

    try:
        from matcher.kb.loader import load_kb
    except ImportError:  # before the layout move
        from matcher.knowledge import load_kb
    kb = load_kb()
    out: dict = {}
    for p in sorted(folder.iterdir()):
        if p.name.startswith("README") or not p.is_file() or p.suffix in (".tbi", ".csi", ".py"):
            continue
        try:
            results = run(p.read_bytes(), kb=kb, filename=p.name)
        except Exception as exc:  # noqa: BLE001 - a file either version refuses is listed as such
            out[p.name] = f"error: {type(exc).__name__}"
            continue
        for r in results:
            d = json.loads(r.to_json()) if hasattr(r, "to_json") else r.to_dict()
            by = {lv: sorted(o["name"] for o in d["therapy_options"] if o["level"] == lv)
                  for lv in ("1", "2")}
            out[f"{p.name}:{d.get('sample') or d['report_id']}"] = {
                "tumor": (d.get("tumor_type") or {}).get("code"), "L1": by["1"], "L2": by["2"],
                "R1": sorted({" + ".join(m["therapy"]) for m in d["resistance"]
                              if m["level"] == "R1"})}
    return out


def diff(old: dict, new: dict) -> list[str]:
    lines = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if not isinstance(a, dict) or not isinstance(b, dict):
            lines.append(f"{key}: {a} -> {b}")
            continue
        for field in ("L1", "L2", "R1"):
            lost, gained = set(a[field]) - set(b[field]), set(b[field]) - set(a[field])
            if lost or gained:
                lines.append(f"{key} [{b['tumor']}] {field}: lost {sorted(lost)} "
                             f"gained {sorted(gained)}")
    return lines


if __name__ == "__main__":
    if sys.argv[1] == "--diff":
        old, new = (json.loads(pathlib.Path(f).read_text()) for f in sys.argv[2:4])
        print("\n".join(diff(old, new)) or "no change")
    else:
        json.dump(levels(pathlib.Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=True)
