"""Reads ``knowledgebase/`` YAML into a :class:`~matcher.kb.knowledge.KnowledgeBase`, collecting
every problem (file, entry, field) before refusing to load."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import yaml

from matcher.errors import MatcherError
from matcher.kb.criteria import COMPOSITE, Criterion, parse_criterion
from matcher.kb.knowledge import (
    ANNOTATION_KINDS,
    DIRECTIONS,
    EVIDENCE_KEYS,
    EVIDENCE_TYPES,
    NCT_RE,
    OPEN_ROLES,
    ROLES,
    Annotation,
    Evidence,
    GeneEntry,
    KnowledgeBase,
    OpenTrial,
    Trial,
    TrialCriterion,
    citation_of,
    content_hash,
    raise_problems,
    status_code,
)
from matcher.paths import default_kb_dir
from matcher.reference.exons import SitesResolver
from matcher.reference.hotspots import TERT_PROMOTER

TERT_PROMOTER_NAMES = frozenset(TERT_PROMOTER.values())
# libyaml's loader when PyYAML was built with it (PyPI wheels are): ~10x faster, same result.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _canonical_change(text: str) -> str:
    """Canonical protein change for a KB criterion (TERT promoter names kept as written)."""
    if text in TERT_PROMOTER_NAMES:
        return text
    from matcher.reference.protein import parse_protein_change

    try:
        return parse_protein_change(text).canonical
    except Exception as exc:  # InvalidChange is a ValueError; anything else is a bad entry too
        raise ValueError(str(exc)) from None


class Loader:
    """One load of one KB folder."""

    def __init__(self, kb_dir: Path, imported: bool = True):
        self.dir = kb_dir
        self.imported = imported
        self.problems: list[str] = []
        self.therapy_refs: list[tuple[str, str]] = []  # (where, drug)
        self.trial_refs: list[tuple[str, str]] = []
        self.code_refs: list[tuple[str, str]] = []
        self.gene_refs: list[tuple[str, str]] = []
        # exon_skipping criteria: SkipSites from reference/ (tables read on the first one)
        self._exon_sites = SitesResolver(kb_dir / "reference")

    # ------------------------------------------------------------------ plumbing
    def _yaml(self, path: Path) -> object:
        try:
            return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        except FileNotFoundError:
            self.problems.append(f"{self._rel(path)}: missing")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            self.problems.append(f"{self._rel(path)}{where}: not valid YAML ({exc})")
        return None

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.dir).as_posix()
        except ValueError:
            return str(path)

    def load(self) -> KnowledgeBase:
        """Load everything, validate, raise KnowledgeBaseError listing every problem."""
        from matcher.reference.genes import GeneIndex
        from matcher.reference.tumors import OncoTree

        if not self.dir.is_dir():
            raise_problems([f"{self.dir}: no knowledge base folder"], self.dir)
        meta = self._yaml(self.dir / "kb.yaml") or {}
        version = str(meta.get("version", "")) if isinstance(meta, dict) else ""
        if not version:
            self.problems.append("kb.yaml: 'version' is required")
        ref = self.dir / "reference"
        try:
            hgnc = GeneIndex.load(ref / "hgnc_genes.tsv.gz")
            oncotree = OncoTree.load(ref)
        except MatcherError as exc:
            self.problems.append(f"reference: {exc.message}")
            raise_problems(self.problems, self.dir)

        genes = self._load_genes(self.dir / "genes", "curated")
        signatures = self._load_evidence_file(self.dir / "signatures.yaml", None, "curated")
        therapies = self._load_therapies(self.dir / "therapies.yaml")
        trials = self._load_trials(self.dir / "trials.yaml")
        dropped: list[str] = []
        excluded_trials: set[str] = set()
        civic_dir = self.dir / "civic"
        if civic_dir.is_dir() and self.imported:
            civic_genes = self._load_genes(civic_dir / "genes", "civic")
            for path in ("therapies.yaml",):
                if (civic_dir / path).exists():
                    for k, v in self._load_therapies(civic_dir / path).items():
                        therapies.setdefault(k, v)
            excluded = {g for g, e in genes.items() if e.imported_evidence == "exclude"}
            if (civic_dir / "trials.yaml").exists():
                for k, v in self._load_trials(civic_dir / "trials.yaml", False).items():
                    genes_of = {x for g, c in v.biomarkers for x in c.genes(g)}
                    if k not in trials and genes_of and genes_of <= excluded:
                        excluded_trials.add(k)  # cited only by evidence the curator excluded
                    trials.setdefault(k, v)
            genes, dropped = _merge_civic(genes, civic_genes)
        approvals_dir = self.dir / "approvals"
        if approvals_dir.is_dir():
            signatures += self._load_approvals(approvals_dir, genes, therapies, trials)

        trials = self._fill_from_registry(trials)
        open_trials = self._load_open_trials(self.dir / "ctgov" / "trials.yaml")
        self._check_refs(therapies, trials, hgnc, oncotree)
        self._check_unique_ids([e for g in genes.values() for e in g.evidence] + signatures)
        raise_problems(self.problems, self.dir)
        trials = {k: v for k, v in trials.items() if k not in excluded_trials}
        released = meta.get("released") if isinstance(meta, dict) else None
        kb = KnowledgeBase(
            path=self.dir, version=version, released=str(released or ""),
            title=str(meta.get("title", "")) if isinstance(meta, dict) else "",
            hash=content_hash(self.dir, () if self.imported else ("civic",)), genes=genes,
            signatures=tuple(signatures),
            therapies=therapies, trials=trials, hgnc=hgnc, oncotree=oncotree,
            dropped_civic=tuple(dropped), open_trials=open_trials)
        if self._exon_sites.tables is not None:
            # read for exon_skipping criteria: the KB's lazy properties need not read them again
            kb.__dict__["protein_exons"], kb.__dict__["transcripts"] = self._exon_sites.tables
        return kb

    def _load_approvals(self, folder: Path, genes: dict[str, GeneEntry], therapies: dict,
                        trials: dict) -> list[Evidence]:
        """Add the approval layer (approvals/, docs/approvals.md) to ``genes`` in place; return
        its signature evidence. After the CIViC merge: imported items are never dropped as
        duplicates of an approval (they become its supporting citations in the engine)."""
        for k, v in self._load_therapies(folder / "therapies.yaml").items():
            therapies.setdefault(k, v)
        for k, v in self._load_trials(folder / "trials.yaml", False).items():
            trials.setdefault(k, v)
        for symbol, entry in self._load_genes(folder / "genes", "approvals").items():
            base = genes.get(symbol)
            if base is None:
                genes[symbol] = entry
            else:
                genes[symbol] = GeneEntry(base.symbol, base.role, base.summary,
                                          base.no_therapy_reason, base.evidence + entry.evidence,
                                          base.annotations, base.file, base.imported_evidence)
        return self._load_evidence_file(folder / "signatures.yaml", None, "approvals")

    # ------------------------------------------------------------------ genes
    def _load_genes(self, folder: Path, source: str) -> dict[str, GeneEntry]:
        genes: dict[str, GeneEntry] = {}
        if not folder.is_dir():
            if source == "curated":
                self.problems.append(f"{self._rel(folder)}: missing")
            return genes
        for path in sorted(folder.glob("*.yaml")):
            entry = self._load_gene(path, source)
            if entry is not None:
                genes[entry.symbol] = entry
        return genes

    def _load_gene(self, path: Path, source: str) -> GeneEntry | None:
        rel = self._rel(path)
        raw = self._yaml(path)
        if not isinstance(raw, dict):
            if raw is not None:
                self.problems.append(f"{rel}: expected a mapping at the top level")
            return None
        symbol = raw.get("gene")
        if symbol != path.stem:
            self.problems.append(f"{rel}: 'gene' must equal the file name ({path.stem})")
            symbol = path.stem
        self.gene_refs.append((rel, symbol))
        role = raw.get("role", "oncogene" if source != "curated" else None)
        if role not in ROLES:
            self.problems.append(f"{rel}: role: expected one of {', '.join(ROLES)}")
        extra = set(raw) - {"gene", "role", "summary", "no_therapy_reason", "annotations",
                            "evidence", "imported_evidence"}
        imported = raw.get("imported_evidence", "include")
        if imported not in ("include", "exclude"):
            self.problems.append(f"{rel}: imported_evidence: expected include or exclude")
        if imported == "exclude" and source != "curated":
            self.problems.append(f"{rel}: imported_evidence belongs in curated gene files")
        if extra:
            self.problems.append(f"{rel}: unexpected key(s) {', '.join(sorted(extra))}")
        evidence = self._evidence_list(raw.get("evidence") or [], rel, symbol, source)
        annotations = []
        for i, a in enumerate(raw.get("annotations") or []):
            ann = self._annotation(a, f"{rel}: annotations[{i}]", symbol)
            if ann:
                annotations.append(ann)
        return GeneEntry(symbol=symbol, role=role or "oncogene",
                         summary=str(raw.get("summary") or "").strip(),
                         no_therapy_reason=(str(raw["no_therapy_reason"]).strip()
                                            if raw.get("no_therapy_reason") else None),
                         evidence=tuple(evidence), annotations=tuple(annotations), file=rel,
                         imported_evidence=imported)

    def _load_evidence_file(self, path: Path, gene: str | None, source: str) -> list[Evidence]:
        raw = self._yaml(path)
        rel = self._rel(path)
        if raw is None:
            return []
        if not isinstance(raw, dict) or not isinstance(raw.get("evidence"), list):
            self.problems.append(f"{rel}: expected a mapping with an 'evidence' list")
            return []
        return self._evidence_list(raw["evidence"], rel, gene, source)

    def _evidence_list(self, items: object, rel: str, gene: str | None,
                       source: str) -> list[Evidence]:
        if not isinstance(items, list):
            self.problems.append(f"{rel}: evidence: expected a list")
            return []
        out = []
        for i, item in enumerate(items):
            ev = self._evidence(item, rel, i, gene, source)
            if ev is not None:
                out.append(ev)
        return out

    def _evidence(self, item: object, rel: str, i: int, gene: str | None,
                  source: str) -> Evidence | None:
        where = f"{rel}: evidence[{i}]"
        if not isinstance(item, dict):
            self.problems.append(f"{where}: expected a mapping")
            return None
        eid = item.get("id")
        if isinstance(eid, str) and eid:
            where = f"{rel}: {eid}"
        else:
            self.problems.append(f"{where}.id: required (a stable string id)")
        extra = set(item) - EVIDENCE_KEYS
        if extra:
            self.problems.append(f"{where}: unexpected key(s) {', '.join(sorted(extra))}")
        n = len(self.problems)
        crit = parse_criterion(item.get("alteration"), f"{where}.alteration", self.problems,
                               _canonical_change, gene, self._exon_sites)
        if crit is not None:
            self._check_criterion_placement(crit, gene, where)
        therapy = item.get("therapy")
        if not (isinstance(therapy, list) and therapy and all(isinstance(t, str) for t in therapy)):
            self.problems.append(f"{where}.therapy: expected a non-empty list of drug names")
            therapy = []
        for t in therapy:
            self.therapy_refs.append((where, t))
        self._enum(item, "direction", DIRECTIONS, where)
        self._enum(item, "evidence_type", EVIDENCE_TYPES, where)
        scope = self._codes(item.get("scope"), f"{where}.scope")
        exclude = self._codes(item.get("exclude") or [], f"{where}.exclude")
        disease = item.get("disease")
        if not scope and not disease:
            self.problems.append(f"{where}.scope: at least one OncoTree code (or SOLID) required")
        statement = str(item.get("statement") or "").strip()
        if not statement:
            self.problems.append(f"{where}.statement: required (our own words)")
        citations = self._citations(item.get("citations"), where)
        trials = item.get("trials") or []
        if not isinstance(trials, list):
            self.problems.append(f"{where}.trials: expected a list of NCT ids")
            trials = []
        for t in trials:
            self.trial_refs.append((where, t))
        approval_date = item.get("approval_date")
        if isinstance(approval_date, dt.date):
            approval_date = approval_date.isoformat()
        if approval_date is not None and not (isinstance(approval_date, str) and re.fullmatch(
                r"\d{4}-\d{2}-\d{2}", approval_date)):
            self.problems.append(f"{where}.approval_date: expected a date (YYYY-MM-DD)")
        if approval_date is not None and item.get("evidence_type") != "fda":
            self.problems.append(f"{where}.approval_date: only for evidence_type fda")
        year = item.get("approval_year")
        if year is not None and not (isinstance(year, int) and 1938 <= year <= 2100):
            self.problems.append(f"{where}.approval_year: expected a year")
        if year is not None and item.get("evidence_type") != "fda":
            self.problems.append(f"{where}.approval_year: only for evidence_type fda")
        reviewed = item.get("last_reviewed")
        if source == "curated" and not isinstance(reviewed, dt.date):
            self.problems.append(f"{where}.last_reviewed: expected a date (YYYY-MM-DD)")
        if len(self.problems) > n or crit is None:
            return None
        return Evidence(
            id=eid, gene=gene, criterion=crit, therapy=tuple(therapy),
            direction=item["direction"], evidence_type=item["evidence_type"],
            scope=tuple(scope), exclude=tuple(exclude), statement=statement,
            citations=tuple(citations), trials=tuple(trials),
            source=str(item.get("source") or source), approval_year=year,
            disease=str(disease) if disease else None,
            last_reviewed=reviewed.isoformat() if isinstance(reviewed, dt.date)
            else (str(reviewed) if reviewed else None),
            file=rel, approval_date=approval_date)

    def _check_criterion_placement(self, crit: Criterion, gene: str | None, where: str) -> None:
        if gene is None and crit.type != "signature":
            self.problems.append(f"{where}.alteration: only signature criteria belong here")
        if gene is not None and crit.type == "signature":
            self.problems.append(f"{where}.alteration: signature criteria go in signatures.yaml")
        self._gene_refs(crit, where)

    def _gene_refs(self, crit: Criterion, where: str) -> None:
        """Genes a criterion names besides its own (fusion partners, all_of/any_of parts)."""
        if crit.partner:
            self.gene_refs.append((where, crit.partner))
        for g, sub in crit.items:
            self.gene_refs.append((where, g))
            if sub.partner and crit.type == "any_of":
                # any_of parts are checked like single criteria (the importer resolves their
                # partners); all_of parts' partners are not checked yet (CIVIC-EID10913 names
                # SEPTIN14, which the shipped HGNC set knows as SEPT14).
                self.gene_refs.append((where, sub.partner))

    def _annotation(self, a: object, where: str, gene: str) -> Annotation | None:
        if not isinstance(a, dict) or not a.get("id"):
            self.problems.append(f"{where}: expected a mapping with an id")
            return None
        where = where.split(":")[0] + f": {a['id']}"
        n = len(self.problems)
        crit = parse_criterion(a.get("alteration"), f"{where}.alteration", self.problems,
                               _canonical_change, gene, self._exon_sites)
        if crit is not None and crit.type in COMPOSITE:
            # Shown beside one alteration of this gene: a combination or alternative of genes
            # would never be found from it.
            self.problems.append(f"{where}.alteration.type: {crit.type} is for evidence; an "
                                 "annotation takes one criterion of its gene")
        elif crit is not None:
            self._gene_refs(crit, where)
        self._enum(a, "kind", ANNOTATION_KINDS, where)
        scope = self._codes(a.get("scope") or [], f"{where}.scope")
        statement = str(a.get("statement") or "").strip()
        if not statement:
            self.problems.append(f"{where}.statement: required")
        citations = self._citations(a.get("citations"), where)
        if len(self.problems) > n or crit is None:
            return None
        return Annotation(a["id"], gene, crit, a["kind"], tuple(scope), statement,
                          tuple(citations))

    # ------------------------------------------------------------------ small validators
    def _enum(self, item: dict, key: str, allowed, where: str) -> None:
        if item.get(key) not in allowed:
            self.problems.append(f"{where}.{key}: expected one of {', '.join(allowed)}"
                                 f" (got {item.get(key)!r})")

    def _codes(self, raw: object, where: str) -> list[str]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
            self.problems.append(f"{where}: expected a list of OncoTree codes")
            return []
        for c in raw:
            self.code_refs.append((where, c))
        return list(raw)

    def _citations(self, raw: object, where: str) -> list:
        if not isinstance(raw, list) or not raw:
            self.problems.append(f"{where}.citations: at least one citation is required")
            return []
        out = []
        for j, c in enumerate(raw):
            try:
                out.append(citation_of(c))
            except ValueError as exc:
                self.problems.append(f"{where}.citations[{j}]: {exc}")
        return out

    # ------------------------------------------------------------------ therapies, trials
    def _load_therapies(self, path: Path) -> dict[str, dict]:
        raw = self._yaml(path)
        rel = self._rel(path)
        if raw is None:
            return {}
        if not isinstance(raw, dict) or not isinstance(raw.get("therapies"), dict):
            self.problems.append(f"{rel}: expected a mapping with a 'therapies' mapping")
            return {}
        out = {}
        for name, info in raw["therapies"].items():
            if not isinstance(info, dict):
                self.problems.append(f"{rel}: {name}: expected a mapping (class, synonyms)")
                continue
            out[str(name)] = info
        return out

    def _load_trials(self, path: Path, title_required: bool = True) -> dict[str, Trial]:
        """A trials.yaml; ``title_required=False`` for the importers' files, whose sources name
        no title (an empty title: unknown until `matcher trials refresh`)."""
        raw = self._yaml(path)
        rel = self._rel(path)
        if raw is None:
            return {}
        if not isinstance(raw, dict) or not isinstance(raw.get("trials"), list):
            self.problems.append(f"{rel}: expected a mapping with a 'trials' list")
            return {}
        out: dict[str, Trial] = {}
        for i, t in enumerate(raw["trials"]):
            where = f"{rel}: trials[{i}]"
            if not isinstance(t, dict) or not NCT_RE.match(str(t.get("nct_id", ""))):
                self.problems.append(f"{where}.nct_id: expected an id like NCT01234567")
                continue
            nct = t["nct_id"]
            where = f"{rel}: {nct}"
            if nct in out:
                self.problems.append(f"{where}: listed twice")
            biomarkers = []
            for j, b in enumerate(t.get("biomarkers") or []):
                if not isinstance(b, dict) or not isinstance(b.get("gene"), str):
                    self.problems.append(f"{where}.biomarkers[{j}]: expected {{gene, alteration}}")
                    continue
                crit = parse_criterion(b.get("alteration"), f"{where}.biomarkers[{j}].alteration",
                                       self.problems, _canonical_change, b["gene"],
                                       self._exon_sites)
                self.gene_refs.append((where, b["gene"]))
                if crit:
                    self._gene_refs(crit, f"{where}.biomarkers[{j}]")
                    biomarkers.append((b["gene"], crit))
            tumor_types = self._codes(t.get("tumor_types") or [], f"{where}.tumor_types")
            verified = t.get("status_verified")
            out[nct] = Trial(
                nct_id=nct, title=str(t.get("title") or "").strip(),
                phase=str(t["phase"]) if t.get("phase") is not None else None,
                biomarkers=tuple(biomarkers), tumor_types=tuple(tumor_types),
                status=t.get("status"),
                status_verified=verified.isoformat() if isinstance(verified, dt.date)
                else (str(verified) if verified else None),
                source=t.get("source"))
            if not out[nct].title and title_required:
                self.problems.append(f"{where}.title: required")
        return out

    def _fill_from_registry(self, trials: dict[str, Trial]) -> dict[str, Trial]:
        """Cited trials with the registry facts of registry/registry.tsv (`matcher kb
        import-registry`) where the KB gives none; absent: unchanged. A row whose trial the KB
        does not load (a folder left out) is unused; `import-registry --check` finds stale rows."""
        from matcher.kb import registry

        path = self.dir / registry.FOLDER / registry.OUTPUT
        if not path.exists():
            return trials
        rows = registry.read_registry(path, self.problems, self._rel(path))
        return registry.fill(trials, rows)

    def _load_open_trials(self, path: Path) -> dict[str, OpenTrial]:
        """knowledgebase/ctgov/trials.yaml (`matcher kb import-trials`); absent: none."""
        if not path.exists():
            return {}
        raw = self._yaml(path)
        rel = self._rel(path)
        if not isinstance(raw, dict) or not isinstance(raw.get("trials"), list):
            self.problems.append(f"{rel}: expected a mapping with a 'trials' list")
            return {}
        out: dict[str, OpenTrial] = {}
        for i, t in enumerate(raw["trials"]):
            if not isinstance(t, dict) or not NCT_RE.match(str(t.get("nct_id", ""))):
                self.problems.append(f"{rel}: trials[{i}].nct_id: expected an id like NCT01234567")
                continue
            where = f"{rel}: {t['nct_id']}"
            if t.get("role") not in OPEN_ROLES:
                self.problems.append(f"{where}.role: expected one of {', '.join(OPEN_ROLES)}")
                continue
            date = t.get("status_date")
            date = date.isoformat() if isinstance(date, dt.date) else str(date or "")
            try:
                dt.date.fromisoformat(date)
            except ValueError:
                self.problems.append(f"{where}.status_date: expected an ISO date")
            lists = {k: self._trial_criteria(t.get(k), f"{where}.{k}")
                     for k in ("requires", "excludes")}
            if t["role"] == "biomarker" and not lists["requires"]:
                self.problems.append(f"{where}.requires: a biomarker trial needs at least one")
            out[t["nct_id"]] = OpenTrial(
                nct_id=t["nct_id"], title=str(t.get("title") or "").strip(),
                phase=str(t["phase"]) if t.get("phase") is not None else None,
                status=status_code(str(t.get("status") or "")), status_date=date,
                role=t["role"], reason=t.get("reason"), requires=lists["requires"],
                excludes=lists["excludes"],
                therapy_criteria=tuple(str(q) for q in t.get("therapy_criteria") or []),
                tumor_types=tuple(self._codes(t.get("tumor_types") or [], f"{where}.tumor_types")),
                drugs=tuple(str(d) for d in t.get("drugs") or []), sponsor=t.get("sponsor"),
                conditions=str(t.get("conditions") or ""),
                eligibility_truncated=bool(t.get("eligibility_truncated")),
                source=str(t.get("source") or ""), reviewed=bool(t.get("reviewed")))
        return out

    def _trial_criteria(self, raw: object, where: str) -> tuple[TrialCriterion, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problems.append(f"{where}: expected a list of {{gene, alteration, quote}}")
            return ()
        out = []
        for j, item in enumerate(raw):
            path = f"{where}[{j}]"
            if not isinstance(item, dict) or not isinstance(item.get("quote"), str) \
                    or not item["quote"].strip():
                self.problems.append(f"{path}: expected {{gene, alteration, quote}} with a quote")
                continue
            gene = item.get("gene")
            crit = parse_criterion(item.get("alteration"), f"{path}.alteration", self.problems,
                                   _canonical_change, gene, self._exon_sites)
            if crit is None:
                continue
            if gene is None and crit.type != "signature":
                self.problems.append(f"{path}.gene: required for a {crit.type} criterion")
                continue
            if gene is not None:
                self.gene_refs.append((path, gene))
                self._gene_refs(crit, path)
            quote_from = item.get("quote_from", "eligibility")
            if quote_from not in ("eligibility", "title"):
                self.problems.append(f"{path}.quote_from: expected 'eligibility' or 'title'")
                continue
            out.append(TrialCriterion(gene, crit, item["quote"], quote_from))
        return tuple(out)

    def _check_unique_ids(self, evidence: list[Evidence]) -> None:
        seen: dict[str, str] = {}
        for e in evidence:
            if e.id in seen:
                self.problems.append(f"{e.file}: {e.id}: id already used in {seen[e.id]}")
            seen[e.id] = e.file

    def _check_refs(self, therapies, trials, hgnc, oncotree) -> None:
        for where, drug in self.therapy_refs:
            if drug not in therapies:
                self.problems.append(f"{where}.therapy: {drug!r} is not in therapies.yaml")
        for where, nct in self.trial_refs:
            if nct not in trials:
                self.problems.append(f"{where}.trials: {nct!r} is not in trials.yaml")
        for where, code in self.code_refs:
            if code == "SOLID":
                continue
            found = oncotree.get(code)
            if found is None:
                self.problems.append(f"{where}: {code!r} is not an OncoTree code")
            elif found.code != code:
                # as OncoTree writes it: the engine tells pan-cancer scopes (TISSUE) by the code
                # as written, so 'tissue' would read as a named tumor type (levels.md)
                self.problems.append(f"{where}: {code!r} is written {found.code!r} in OncoTree")
        for where, symbol in self.gene_refs:
            if not hgnc.is_approved(symbol):
                self.problems.append(f"{where}: {symbol!r} is not an HGNC-approved symbol")


def _merge_civic(curated: dict[str, GeneEntry], civic: dict[str, GeneEntry]):
    """Add imported evidence to the curated genes; curated wins where both speak."""
    try:
        from matcher.kb.civic import dedupe_against_curated
    except ImportError:  # importer not installed: keep curated only
        return curated, [e.id for g in civic.values() for e in g.evidence]
    merged = dict(curated)
    dropped: list[str] = []
    for symbol, entry in civic.items():
        base = merged.get(symbol)
        if base is not None and base.imported_evidence == "exclude":
            dropped.extend(e.id for e in entry.evidence)  # the curator speaks for the whole gene
            continue
        kept, gone = dedupe_against_curated(list(base.evidence) if base else [],
                                            list(entry.evidence))
        dropped.extend(e.id for e in gone)
        if base is None:
            merged[symbol] = GeneEntry(symbol, entry.role, entry.summary, None, tuple(kept), (),
                                       entry.file)
        else:
            merged[symbol] = GeneEntry(base.symbol, base.role, base.summary,
                                       base.no_therapy_reason, base.evidence + tuple(kept),
                                       base.annotations, base.file, base.imported_evidence)
    return merged, dropped


def load_kb(path: str | Path | None = None, *, imported: bool | None = None) -> KnowledgeBase:
    """Load, validate and index the KB at ``path`` (default: :func:`default_kb_dir`).

    ``imported`` (default: $MATCHER_KB_IMPORTED, on unless set to 0) adds the evidence imported
    from CIViC under ``civic/``; curated entries win where both speak. The approval layer under
    ``approvals/`` (FDA labels, label limitations, NCCN rows) is reviewed content and always
    loaded. A cache of the loaded KB keyed by its content hash and the code
    (:mod:`matcher.kb.cache`; ``MATCHER_KB_CACHE=0`` turns it off) skips the parsing.
    """
    if imported is None:
        imported = os.environ.get("MATCHER_KB_IMPORTED", "1").lower() not in ("0", "false", "no")
    from matcher.kb.cache import cached_load
    kb_dir = Path(path) if path else default_kb_dir()
    return cached_load(kb_dir, imported, Loader(kb_dir, imported=imported).load)
