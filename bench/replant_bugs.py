"""Re-plant the bugs of issue 18 ("Bugs that passed the whole suite") one at a time and check that
the tests catch each, without a browser or a database.

Each bug is a one-place source edit; the script applies it, runs the named test files (core tests:
none of them needs Chromium, and the PostgreSQL URL is removed from their environment), records
which test failed first, and restores the file whatever happens. The unchanged code must pass
the same tests first, so a "caught" is the bug and not an existing failure.

    .venv/bin/python bench/replant_bugs.py            # every bug, a Markdown table on stdout
    .venv/bin/python bench/replant_bugs.py --only 3   # one bug (1-based)

Results: docs/mutation-testing.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = ["tests/test_rules_levels.py", "tests/test_rules_precedence.py",
         "tests/test_rules_ranking.py", "tests/test_rules_matching.py",
         "tests/test_rules_criteria.py", "tests/test_rules_normalize.py",
         "tests/test_rules_properties.py"]
READERS = ["tests/test_rules_readers.py"]
STORE = ["tests/test_rules_store_normalize.py"]

# (issue's rule, file, text as it is, text with the bug, tests to run)
BUGS = [
    ("all_of evidence matched with one of its alterations missing", "matcher/engine.py",
     "            if not hits:\n                return []\n            found += hits[:1]",
     "            if not hits:\n                continue\n            found += hits[:1]", RULES),
    ("guideline evidence derived as level 1", "matcher/engine.py",
     '{"fda": "1", "guideline": "2"}', '{"fda": "1", "guideline": "1"}', RULES),
    ("TMB >= 10 changed to > 10", "matcher/engine.py",
     "float(s.value) >= crit.min", "float(s.value) > crit.min", RULES),
    ("PD-L1 > 0 changed to >= 0", "matcher/engine.py",
     "float(s.value) > crit.above", "float(s.value) >= crit.above", RULES),
    ("resistance precedence: tumor-agnostic R1 branch dropped", "matcher/engine.py",
     '(r.label_status == "on-label" or r.level == "R1")', '(r.label_status == "on-label")',
     RULES),
    ("resistance precedence: 'not preclinical' condition dropped", "matcher/engine.py",
     '                and r.evidence_type != "preclinical" \\\n', "", RULES),
    ("hotspot criterion met by a truncating or splice hotspot call", "matcher/engine.py",
     'if v.hotspot and cons in ("missense", "codon", "inframe_deletion", "inframe_insertion",\n'
     '                                  "inframe_delins"):',
     "if v.hotspot:", RULES),
    ("'any' criterion met by a synonymous call", "matcher/engine.py",
     'SMALL_VARIANT_EXCLUDED = frozenset({"synonymous", "other", "exon_loss"})',
     'SMALL_VARIANT_EXCLUDED = frozenset({"other", "exon_loss"})', RULES),
    ("codon criterion no longer accepts a codon-only call (V600)", "matcher/engine.py",
     'allowed = crit.consequences or {"missense", "codon"}',
     'allowed = crit.consequences or {"missense"}', RULES),
    ("region start made exclusive", "matcher/engine.py",
     "crit.start <= p.position <= crit.end", "crit.start < p.position <= crit.end", RULES),
    ("curated-before-imported ranking inverted", "matcher/engine.py",
     "SOURCE_RANK.get(m.source, 2), _date_key", "-SOURCE_RANK.get(m.source, 2), _date_key",
     RULES),
    ("biomarker-matched KB trials no longer before tumor-type trials", "matcher/engine.py",
     'key=lambda t: (t.reason != "biomarker", t.nct_id)', "key=lambda t: t.nct_id", RULES),
    ("biomarker-matched ClinicalTrials.gov trials no longer before tumor-type trials",
     "matcher/engine.py",
     "ranked.append(((1, _PHASE_ORDER", "ranked.append(((0, _PHASE_ORDER", RULES),
    ("normaliser: a codon-only call no longer flagged as a hotspot", "matcher/normalize.py",
     'if protein.consequence in ("missense", "codon"):',
     'if protein.consequence in ("missense",):', RULES),
    ("VCF: tumor and normal given as the same column accepted", "matcher/readers/vcf_records.py",
     "    if t == n:\n", "    if t == n and False:\n", READERS),
    ("VCF: a genotype allele index one past the ALT list accepted",
     "matcher/readers/vcf_records.py",
     'a != "." and int(a) > n_alts', 'a != "." and int(a) > n_alts + 1', READERS),
    ("lab JSON: a VAF at the minimum filtered", "matcher/readers/labjson.py",
     'v["vaf"] < options.min_vaf', 'v["vaf"] <= options.min_vaf', READERS),
    ("lab JSON: the caller's lab wins over the report's", "matcher/readers/labjson.py",
     'lab=d.get("lab") or options.lab', 'lab=options.lab or d.get("lab")', READERS),
    ("protein grammar: 'X' no longer read as a stop (Q1178X)", "matcher/reference/protein.py",
     'if token in ("*", "X") or', 'if token in ("*",) or', ["tests/test_protein.py"]),
    ("store: `since` made exclusive", "matcher/service/store.py",
     "reports.c.created_at >= since", "reports.c.created_at > since", STORE),
    ("criteria parsing: a one-residue region (start == end) refused", "matcher/kb/criteria.py",
     "0 < start <= end)", "0 < start < end)", RULES),
]


def pytest(files: list[str]) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MATCHER_TEST_POSTGRES_URL", "MATCHER_STRICT_SKIPS")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                           *files], cwd=ROOT, env=env, capture_output=True, text=True)
    failed = re.findall(r"^FAILED (\S+)", proc.stdout, re.M)
    return proc.returncode, failed[0] if failed else proc.stdout.strip().splitlines()[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", type=int, help="run this bug only (1-based)")
    args = ap.parse_args()
    chosen = [(i, b) for i, b in enumerate(BUGS, 1) if args.only in (None, i)]
    for files in {tuple(b[4]) for _, b in chosen}:
        code, last = pytest(list(files))
        if code != 0:
            print(f"the unchanged code fails {' '.join(files)}: {last}", file=sys.stderr)
            return 1
    print("| # | planted bug | file | caught | first failing test |")
    print("|---|---|---|---|---|")
    missed = 0
    for i, (what, rel, old, new, files) in chosen:
        path = ROOT / rel
        text = path.read_text()
        if text.count(old) != 1:
            print(f"bug {i}: the text to change is not found once in {rel}", file=sys.stderr)
            return 1
        try:
            path.write_text(text.replace(old, new))
            code, first = pytest(files)
        finally:
            path.write_text(text)
        caught = code != 0
        missed += not caught
        print(f"| {i} | {what} | `{rel}` | {'yes' if caught else '**no**'} | "
              f"{'`' + first + '`' if caught else ''} |", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
