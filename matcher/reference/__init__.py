"""Reference data: pure lookups over the data shipped in ``knowledgebase/reference/``.

HGNC gene symbols (:mod:`.genes`), OncoTree tumor types (:mod:`.tumors`), MANE transcripts
(:mod:`.transcripts`) and their exons (:mod:`.exons`), cancer hotspots and gene spans
(:mod:`.hotspots`), protein/cDNA nomenclature (:mod:`.protein`) and fusion names
(:mod:`.fusion_names`). Each loads its table once and answers questions; none holds evidence.

May import: the base modules (``matcher.model``, ``matcher.errors``, ``matcher.paths``) and each
other. Imported by: ``kb``, the core (readers, normalize, engine), ``service``, ``commands``.
Never imports ``kb``, the core, ``service``, Flask or SQLAlchemy (tests/test_layout.py).
"""
