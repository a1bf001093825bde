"""OncoTree tumor types: codes, names, ancestry, solid versus haematologic.

The tree is the flat table ``knowledgebase/reference/oncotree.tsv`` (OncoTree 2025-10-03,
CC BY 4.0, "OncoTree, Memorial Sloan Kettering Cancer Center"), loaded once and never changed.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable
from pathlib import Path

from matcher.errors import KnowledgeBaseError, Problem, UnknownTumorTypeError
from matcher.model import TumorType
from matcher.paths import default_reference_dir  # noqa: F401  (re-exported)

ROOT = "TISSUE"
SOLID = "SOLID"  # scope token: every tumor type outside the haematologic tissues
HAEMATOLOGIC_TISSUES = frozenset({"Myeloid", "Lymphoid"})
ONCOTREE_FILE = "oncotree.tsv"
HISTORY_FILE = "oncotree_history.tsv"  # retired code -> current code, kind (OncoTree's history)
_COLUMNS = ("code", "parent", "name", "main_type", "tissue", "level")
_FILLER = frozenset({"cancer", "tumor", "tumour", "neoplasm", "the", "and", "with", "nos"})


def _fold(name: str) -> str:
    """Case- and whitespace-insensitive form of a name."""
    return " ".join(name.split()).casefold()


class OncoTree:
    """The OncoTree tumor-type tree with lookups by code and name."""

    def __init__(self, types: Iterable[TumorType], parents: dict[str, str | None],
                 history: Iterable[tuple[str, str, str]] = ()):
        self._types: dict[str, TumorType] = {}
        for t in types:
            if t.code in self._types:
                raise KnowledgeBaseError(f"OncoTree: code {t.code!r} appears twice",
                                         [Problem("duplicate code", field="code", source=t.code)])
            self._types[t.code] = t
        self._parent = dict(parents)
        self._by_name: dict[str, list[str]] = {}
        for t in self._types.values():
            self._by_name.setdefault(_fold(t.name), []).append(t.code)
        self._ancestors: dict[str, tuple[str, ...]] = {}
        # in_scope answers by (code, include, exclude): the engine asks the same few questions
        # for every evidence item and trial of every report (a fifth of a match's time)
        self._scope_memo: dict[tuple, bool] = {}
        for code in self._types:
            self._ancestors[code] = self._walk_up(code)
        # retired code (upper case) -> ((current code, kind), …); current codes never retired
        self._retired: dict[str, list[tuple[str, str]]] = {}
        for old, new, kind in history:
            if old.upper() not in {c.upper() for c in self._types} and new in self._types:
                self._retired.setdefault(old.upper(), []).append((new, kind))

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, reference_dir: Path | None = None) -> OncoTree:
        """Read ``oncotree.tsv`` from ``reference_dir`` (default: :func:`default_reference_dir`)."""
        path = Path(reference_dir or default_reference_dir()) / ONCOTREE_FILE
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                reader = csv.DictReader(fh, delimiter="\t")
                missing = [c for c in _COLUMNS if c not in (reader.fieldnames or ())]
                if missing:
                    raise KnowledgeBaseError(
                        f"{path}: missing columns {', '.join(missing)}",
                        [Problem("missing column", field=c, source=str(path)) for c in missing])
                types, parents = [], {}
                for row in reader:
                    code = row["code"].strip()
                    if not code:
                        raise KnowledgeBaseError(
                            f"{path}: empty code",
                            [Problem("empty code", line=reader.line_num, field="code",
                                     source=str(path))])
                    types.append(TumorType(code=code, name=row["name"].strip(),
                                           main_type=row["main_type"].strip() or None,
                                           tissue=row["tissue"].strip() or None))
                    parents[code] = row["parent"].strip() or None
        except OSError as exc:
            raise KnowledgeBaseError(f"cannot read OncoTree table {path}: {exc}") from exc
        history_path = path.parent / HISTORY_FILE
        history = []
        if history_path.exists():
            with history_path.open(encoding="utf-8", newline="") as fh:
                history = [(r["code"], r["current"], r["kind"])
                           for r in csv.DictReader(fh, delimiter="\t")]
        return cls(types, parents, history)

    def _walk_up(self, code: str) -> tuple[str, ...]:
        chain = [code]
        while (parent := self._parent.get(chain[-1])) is not None:
            if parent in chain or parent not in self._types:
                raise KnowledgeBaseError(
                    f"OncoTree: broken parent chain at {chain[-1]!r} (parent {parent!r})",
                    [Problem("parent is unknown or a cycle", field="parent",
                             source=chain[-1])])
            chain.append(parent)
        return tuple(chain)

    # ------------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return len(self._types)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.exists(code)

    def _code(self, code: str) -> str | None:
        """The stored code for ``code`` in any letter case, or None."""
        if code in self._types:
            return code
        upper = code.strip().upper()
        return upper if upper in self._types else None

    def get(self, code: str) -> TumorType | None:
        """The tumor type with this code (any letter case), or None."""
        found = self._code(code)
        return self._types[found] if found else None

    def exists(self, code: str) -> bool:
        """True if ``code`` is an OncoTree code (any letter case)."""
        return self._code(code) is not None

    def codes(self) -> list[str]:
        """Every code, in table order."""
        return list(self._types)

    def retired(self, code: str) -> tuple[tuple[str, str], ...]:
        """(current code, kind) for a code OncoTree retired (``GBM`` → ``(("GB", "revoked"),)``;
        kind is previous, precursor or revoked); () for a current or unknown code."""
        return tuple(self._retired.get((code or "").strip().upper(), ()))

    def resolve(self, text: str) -> TumorType:
        """Tumor type for an OncoTree code or exact name (case-insensitive), or a retired code
        OncoTree's history maps to exactly one current code (see :meth:`retired`); else raise."""
        query = (text or "").strip()
        found = self._code(query) if query else None
        if found:
            return self._types[found]
        replaced = self.retired(query)
        if len(replaced) == 1:
            return self._types[replaced[0][0]]
        if len(replaced) > 1:
            codes = [c for c, _ in replaced]
            options = ", ".join(f"{c} ({self._types[c].name})" for c in codes)
            raise UnknownTumorTypeError(
                f"OncoTree code {query!r} was retired and split into {options}; give the "
                "current code",
                [Problem(f"retired OncoTree code {query!r}", field="tumor_type",
                         expected=f"one of the codes {', '.join(codes)}")])
        by_name = self._by_name.get(_fold(query), []) if query else []
        if len(by_name) == 1:
            return self._types[by_name[0]]
        if len(by_name) > 1:
            options = [f"{c} ({self._types[c].tissue})" for c in by_name]
            raise UnknownTumorTypeError(
                f"tumor type {query!r} is the name of {len(by_name)} OncoTree types; "
                f"give the code: {', '.join(options)}",
                [Problem(f"{query!r} is ambiguous", field="tumor_type",
                         expected=f"one of the codes {', '.join(by_name)}")])
        suggestions = self.suggest(query)
        hint = f"; closest: {', '.join(suggestions)}" if suggestions else ""
        raise UnknownTumorTypeError(
            f"tumor type {query!r} is not an OncoTree code or name{hint}",
            [Problem(f"unknown tumor type {query!r}", field="tumor_type",
                     expected="an OncoTree code or name"
                     + (f", e.g. {', '.join(suggestions)}" if suggestions else ""))])

    def suggest(self, text: str, limit: int = 5) -> list[str]:
        """Codes closest to ``text`` (difflib on codes and names, words in names), best first."""
        query = text.strip()
        if not query:
            return []
        scores: dict[str, float] = {}
        upper, folded = query.upper(), query.casefold()
        for code in difflib.get_close_matches(upper, self._types, n=limit, cutoff=0.5):
            scores[code] = difflib.SequenceMatcher(None, upper, code).ratio() + 0.01
        names = list(self._by_name)
        for name in difflib.get_close_matches(folded, names, n=limit, cutoff=0.6):
            ratio = difflib.SequenceMatcher(None, folded, name).ratio()
            for code in self._by_name[name]:
                scores[code] = max(scores.get(code, 0.0), ratio)
        # Every significant word in the name or main type ('Thyroid Cancer', 'glioblastoma'):
        # broader types first, since the user did not name a subtype.
        words = [w for w in re.findall(r"[a-z0-9]+", folded) if len(w) > 2 and w not in _FILLER]
        if words:
            for code, t in self._types.items():
                name = set(re.findall(r"[a-z0-9]+", t.name.casefold()))
                text = name | set(re.findall(r"[a-z0-9]+", (t.main_type or "").casefold()))
                if all(w in text for w in words):
                    base = 0.95 if all(w in name for w in words) else 0.9
                    score = base - 0.01 * len(self._ancestors[code]) - 0.0005 * len(t.name)
                    scores[code] = max(scores.get(code, 0.0), score)
        ranked = sorted(scores, key=lambda c: (-scores[c], c))
        # The best guess's parent is the safe broader choice (THA -> THAP, then THYROID).
        if ranked and (parent := self._parent[ranked[0]]) not in (None, ROOT):
            if parent in ranked:
                ranked.remove(parent)
            ranked.insert(1, parent)
        return ranked[:limit]

    def search(self, q: str, limit: int = 20) -> list[TumorType]:
        """Tumor types whose code or name contains ``q``: code hits first, then name hits."""
        needle = q.strip().casefold()
        if not needle:
            return []
        exact = [c for c in self._types if c.casefold() == needle]
        by_code = [c for c in self._types if needle in c.casefold() and c not in exact]
        by_code.sort(key=lambda c: (len(c), c))
        seen = set(exact) | set(by_code)
        by_name = [c for c in self._types
                   if c not in seen and needle in self._types[c].name.casefold()]
        by_name.sort(key=lambda c: (len(self._types[c].name), self._types[c].name))
        return [self._types[c] for c in (exact + by_code + by_name)[:limit]]

    # ------------------------------------------------------------------ tree
    def _known(self, code: str) -> str:
        found = self._code(code)
        if found is None:
            raise UnknownTumorTypeError(
                f"{code!r} is not an OncoTree code",
                [Problem(f"unknown OncoTree code {code!r}", field="tumor_type",
                         expected="an OncoTree code")])
        return found

    def parent(self, code: str) -> str | None:
        """The parent code, or None for the root."""
        return self._parent[self._known(code)]

    def ancestors(self, code: str) -> list[str]:
        """``code`` and its ancestors, self first, up to TISSUE."""
        return list(self._ancestors[self._known(code)])

    def is_within(self, code: str, scope_code: str) -> bool:
        """True if ``code`` is ``scope_code`` or one of its descendants."""
        scope = self._code(scope_code)
        return scope is not None and scope in self._ancestors[self._known(code)]

    def is_solid(self, code: str) -> bool:
        """True for every tumor type outside the Myeloid and Lymphoid tissues (not the root)."""
        found = self._known(code)
        return found != ROOT and self._types[found].tissue not in HAEMATOLOGIC_TISSUES

    def in_scope(self, code: str, include: Iterable[str], exclude: Iterable[str] = ()) -> bool:
        """True if ``code`` falls under an ``include`` code (or SOLID) and under no ``exclude``."""
        key = (code, tuple(include), tuple(exclude))
        try:
            return self._scope_memo[key]
        except KeyError:
            pass
        except TypeError:  # unhashable scope items: answer without the memo
            return self._in_scope(code, key[1], key[2])
        found = self._in_scope(code, key[1], key[2])
        if len(self._scope_memo) > 100_000:  # bounded: codes and scopes are finite in practice
            self._scope_memo.clear()
        self._scope_memo[key] = found
        return found

    def _in_scope(self, code: str, include: tuple, exclude: tuple) -> bool:
        found = self._known(code)

        def covers(scope: str) -> bool:
            if scope.strip().upper() == SOLID:
                return self.is_solid(found)
            return self.is_within(found, scope)

        return any(covers(s) for s in include) and not any(covers(s) for s in exclude)

    def descendants(self, code: str) -> list[str]:
        """``code`` and every code below it, in table order."""
        found = self._known(code)
        return [c for c, chain in self._ancestors.items() if found in chain]
