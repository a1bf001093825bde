"""Queryable stored alterations: the rows of ``report_alterations`` and the queries over them.

:func:`alteration_rows` turns a stored result (``MatchResult.to_dict()``) into one row per
normalised alteration; :class:`~matcher.service.store.Store` writes them in the transaction that
stores the report. :func:`find_alterations` answers "which of this lab's reports carry BRAF
V600E in THAP or below"; :func:`backfill` fills the rows of reports stored before the table.
Every query takes the lab: a lab never sees another lab's rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select

from matcher.service import result_codec
from matcher.service.store_models import report_alterations, reports

_LIMITS = {"gene": 64, "change": 200, "label": 300, "consequence": 32, "oncogenicity": 32,
           "status": 32, "filter_reason": 200, "origin": 16, "alteration_id": 32, "kind": 16}


def _oncogenicity(alt: dict[str, Any], outcome: dict[str, Any]) -> str | None:
    """The oncogenicity call if the result carries one (a string, or a dict with the call)."""
    for holder in (alt, outcome):
        value = holder.get("oncogenicity")
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            for key in ("classification", "call", "class", "label"):
                if isinstance(value.get(key), str):
                    return value[key]
    return None


def _change(alt: dict[str, Any], gene: str | None) -> str:
    """What the alteration is, without the gene: 'V600E', 'EML4::ALK', 'amplification'."""
    gene = gene or ""
    variant = alt.get("variant") or {}
    protein = variant.get("protein") or {}
    if protein.get("canonical"):
        return protein["canonical"]
    if alt.get("copy_number"):
        return alt["copy_number"]["state"]
    label = alt.get("label") or alt.get("original") or ""
    if alt.get("kind") != "fusion" and gene and label.startswith(gene + " "):
        return label[len(gene) + 1:]
    return label


def alteration_rows(result: dict[str, Any], *, report_pk: int, lab: str, report_id: str,
                    version: int, is_current: bool, created_at: datetime) -> list[dict[str, Any]]:
    """The ``report_alterations`` rows of one stored result (every alteration, filtered too)."""
    tumor = result.get("tumor_type") or {}
    tumor_code = tumor.get("code") if isinstance(tumor, dict) else None
    rows = []
    for outcome in result.get("alterations") or []:
        alt = outcome.get("alteration") or {}
        gene = alt.get("gene") or (alt.get("signature") or {}).get("name")
        row = {
            "report_pk": report_pk, "lab": lab, "report_id": report_id, "version": version,
            "is_current": is_current, "alteration_id": str(alt.get("id") or ""),
            "kind": alt.get("kind") or "variant", "gene": gene, "change": _change(alt, gene),
            "label": alt.get("label") or "",
            "consequence": (alt.get("variant") or {}).get("consequence"),
            "oncogenicity": _oncogenicity(alt, outcome), "status": outcome.get("status"),
            "filter_reason": alt.get("filter_reason"), "origin": alt.get("origin"),
            "tumor_type": tumor_code, "created_at": created_at,
        }
        for key, size in _LIMITS.items():  # free text from lab files: keep within the columns
            if isinstance(row[key], str) and len(row[key]) > size:
                row[key] = row[key][:size]
        rows.append(row)
    return rows


INSERT_ROWS = insert(report_alterations)


@dataclass(frozen=True)
class AlterationQuery:
    """A lab's question: every field but ``lab`` optional; ``tumor_types`` already expanded."""

    lab: str
    gene: str | None = None
    changes: tuple[str, ...] = ()  # any of these spellings of the change ('V600E')
    tumor_types: tuple[str, ...] | None = None  # OncoTree code and its descendants
    kind: str | None = None
    consequence: str | None = None
    oncogenicity: str | None = None
    include_filtered: bool = False
    all_versions: bool = False


def _conditions(q: AlterationQuery) -> list[Any]:
    t = report_alterations.c
    conds = [t.lab == q.lab]
    if q.gene:
        conds.append(t.gene == q.gene)
    if q.changes:
        conds.append(t.change.in_(q.changes))
    if q.tumor_types is not None:
        conds.append(t.tumor_type.in_(q.tumor_types))
    if q.kind:
        conds.append(t.kind == q.kind)
    if q.consequence:
        conds.append(t.consequence == q.consequence)
    if q.oncogenicity:
        conds.append(t.oncogenicity == q.oncogenicity)
    if not q.include_filtered:
        conds.append(t.filter_reason.is_(None))
    if not q.all_versions:
        conds.append(t.is_current)
    return conds


_ITEM_COLUMNS = [c for c in report_alterations.c if c.name not in ("id", "report_pk", "lab")]


def find_alterations(store, q: AlterationQuery, *, limit: int = 50,
                     offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The lab's stored alterations matching ``q``, newest report first, and how many in all."""
    conds = _conditions(q)
    t = report_alterations.c
    # The page's ids first, from the index alone (it holds the date and the id: the sort needs
    # no table row), then only those rows; the total rides along in the same statement (one
    # round trip: on a busy server each one costs more than either query).
    page = (select(t.id).where(*conds).order_by(t.created_at.desc(), t.id.desc())
            .limit(limit).offset(offset).subquery())
    count = select(func.count()).select_from(report_alterations).where(*conds)
    stmt = (select(*_ITEM_COLUMNS, count.scalar_subquery().label("_total"))
            .join(page, page.c.id == t.id).order_by(t.created_at.desc(), t.id.desc()))
    with store.engine.connect() as conn:
        items = [dict(r._mapping) for r in conn.execute(stmt)]
        total = items[0]["_total"] if items else conn.execute(count).scalar_one()
    for item in items:
        del item["_total"]
    return items, total


def backfill(store, *, batch: int = 500, progress=None) -> int:  # noqa: ANN001
    """Fill the rows of stored report versions that have none; return how many were filled.

    Safe to run twice and while servers store reports: each report's rows are replaced in one
    transaction, and reports stored meanwhile already have theirs.
    """
    done = 0
    last = 0
    has_rows = select(report_alterations.c.report_pk).where(
        report_alterations.c.report_pk == reports.c.id).exists()
    while True:
        q = (select(reports.c.id, reports.c.lab, reports.c.report_id, reports.c.version,
                    reports.c.is_current, reports.c.created_at, reports.c.result,
                    reports.c.result_detail)
             .where(reports.c.id > last, ~has_rows).order_by(reports.c.id).limit(batch))
        with store.engine.connect() as conn:
            todo = conn.execute(q).all()
        if not todo:
            return done
        with store._write() as conn:
            for r in todo:
                full = result_codec.full_result(r.result or "{}", r.result_detail)
                rows = alteration_rows(full, report_pk=r.id, lab=r.lab,
                                       report_id=r.report_id, version=r.version,
                                       is_current=bool(r.is_current), created_at=r.created_at)
                conn.execute(delete(report_alterations)
                             .where(report_alterations.c.report_pk == r.id))
                if rows:
                    conn.execute(INSERT_ROWS, rows)
        done += len(todo)
        last = todo[-1].id
        if progress:
            progress(done)


def build_query(kb, lab: str, *, gene: str | None = None, alteration: str | None = None,  # noqa: ANN001
                tumor_type: str | None = None, field_prefix: str = "", **filters: Any,
                ) -> AlterationQuery:
    """An :class:`AlterationQuery` from what a user typed: gene aliases resolved (HGNC), the
    alteration spelled as stored ('p.Val600Glu' finds 'V600E'), the tumor type expanded to its
    OncoTree descendants. An unknown tumor type raises :class:`InputError` naming the field."""
    from matcher.errors import InputError, MatcherError, Problem
    from matcher.reference.protein import parse_protein_change

    text = (alteration or "").strip()
    if text and not gene and " " in text:  # 'BRAF V600E': the gene and the change
        gene, text = text.split(" ", 1)
    symbol = None
    if gene:
        symbol = gene.strip()
        try:
            symbol = kb.resolve_gene(symbol)
        except MatcherError:  # not an HGNC symbol: stored rows keep such genes as submitted
            pass
        for prefix in {gene.strip(), symbol}:  # 'BRAF V600E' with gene=BRAF: the change
            if text.upper().startswith(prefix.upper() + " "):
                text = text[len(prefix) + 1:].strip()
    changes: list[str] = []
    if text:
        changes.append(text)
        try:
            changes.append(parse_protein_change(text).canonical)
        except (MatcherError, ValueError):
            pass
    codes = None
    if tumor_type:
        try:
            code = kb.oncotree.resolve(tumor_type).code
        except MatcherError as exc:
            raise InputError(str(exc).splitlines()[0], [Problem(
                f"unknown tumor type {tumor_type!r}", field=f"{field_prefix}tumor_type",
                expected="an OncoTree code or name")]) from None
        codes = tuple(kb.oncotree.descendants(code))
    return AlterationQuery(lab=lab, gene=symbol, changes=tuple(dict.fromkeys(changes)),
                           tumor_types=codes, **filters)


def item_dict(row: dict[str, Any]) -> dict[str, Any]:
    """One row as the API and ``matcher find --json`` show it."""
    out = {k: row[k] for k in ("report_id", "version", "gene", "change", "label", "kind",
                               "consequence", "oncogenicity", "status", "filter_reason",
                               "origin", "tumor_type", "alteration_id")}
    out["current"] = bool(row["is_current"])
    created = row["created_at"]
    # SQLite hands datetimes back naive; everything stored is UTC (as the store's reports say).
    out["submitted_at"] = created.replace(tzinfo=UTC) if isinstance(created, datetime) \
        and created.tzinfo is None else created
    return out


def trial_reports(store, kb, lab: str, nct_id: str) -> list[dict[str, Any]]:  # noqa: ANN001
    """The lab's current reports that meet a KB trial's biomarkers, in a tumor type the trial
    is open to, newest first: {report_id, version, tumor_type, submitted_at, alterations}.

    Candidates come from the indexed rows (the biomarkers' genes, or signatures); each is then
    judged by the engine's own rule (:func:`matcher.engine.criterion_match`) on the stored
    normalised alteration, under the current KB. Raises :class:`NotFound` for a trial the KB does
    not know.
    """
    from matcher import model
    from matcher.engine import criterion_match
    from matcher.errors import NotFound
    from matcher.service.api.results import _build

    trial = kb.trials.get((nct_id or "").strip().upper())
    if trial is None:
        raise NotFound(f"no trial {nct_id!r} in the knowledge base", nct_id=nct_id)
    genes: set[str] = set()
    signatures = False
    for gene, crit in trial.biomarkers:
        if crit.type == "signature":
            signatures = True
        else:
            genes.update(g for g in crit.genes(gene) if g)
    t = report_alterations.c
    which = [t.gene.in_(sorted(genes))] if genes else []
    if signatures:
        which.append(t.kind == "signature")
    if not which:
        return []
    q = (select(t.report_pk, t.report_id, t.version, t.tumor_type, t.alteration_id,
                t.created_at)
         .where(t.lab == lab, t.is_current, t.filter_reason.is_(None), or_(*which))
         .order_by(t.created_at.desc(), t.report_pk.desc()))
    in_scope: dict[str | None, bool] = {}

    def open_to(code: str | None) -> bool:
        if code not in in_scope:
            in_scope[code] = (not trial.tumor_types or code is None or not kb.oncotree.exists(code)
                              or kb.oncotree.in_scope(code, list(trial.tumor_types), []))
        return in_scope[code]

    candidates: dict[int, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(q):
            if open_to(r.tumor_type):
                c = candidates.setdefault(r.report_pk, {
                    "report_id": r.report_id, "version": r.version, "tumor_type": r.tumor_type,
                    "submitted_at": r.created_at.replace(tzinfo=UTC)
                    if r.created_at.tzinfo is None else r.created_at, "ids": set()})
                c["ids"].add(r.alteration_id)
        pks = list(candidates)
        stored: dict[int, list] = {}
        for i in range(0, len(pks), 500):
            rows = conn.execute(select(reports.c.id, reports.c.alterations, reports.c.result)
                                .where(reports.c.id.in_(pks[i:i + 500])))
            for pk, alts, result in rows:
                found = json.loads(alts or "[]")
                if not found:  # older rows: the alterations inside the result
                    found = [o["alteration"] for o in json.loads(result).get("alterations", [])]
                stored[pk] = found
    out = []
    for pk, c in candidates.items():
        hits = []
        for raw in stored.get(pk, []):
            if raw.get("id") not in c["ids"]:
                continue
            alt = _build(model.Alteration, raw)
            if any(criterion_match(crit, gene, alt) for gene, crit in trial.biomarkers):
                hits.append(alt.label)
        if hits:
            out.append({"report_id": c["report_id"], "version": c["version"],
                        "tumor_type": c["tumor_type"], "submitted_at": c["submitted_at"],
                        "alterations": hits})
    return out
