#!/usr/bin/env python3
"""Build knowledgebase/reference/mane_transcripts.tsv.gz from the MANE v1.0 summary.

Usage::

    python scripts/make_transcripts.py [--source /work/shared/data] [--out knowledgebase/reference]

One row per MANE transcript: gene, status (MANE Select / MANE Plus Clinical), RefSeq and Ensembl
transcript and protein ids. Byte-reproducible (gzip mtime 0). Source: MANE v1.0, NCBI/EMBL-EBI.
"""

from __future__ import annotations

import argparse
import gzip
import io
from pathlib import Path

HEADER = ("gene", "status", "refseq_nuc", "refseq_prot", "ensembl_nuc", "ensembl_prot")


def main() -> None:
    """Read the MANE summary, write the slim table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--out", type=Path, default=Path("knowledgebase/reference"))
    args = ap.parse_args()
    rows = []
    with gzip.open(args.source / "transcripts" / "MANE.GRCh38.v1.0.summary.txt.gz", "rt") as fh:
        cols = fh.readline().lstrip("#").rstrip("\n").split("\t")
        for line in fh:
            r = dict(zip(cols, line.rstrip("\n").split("\t")))
            rows.append((r["symbol"], r["MANE_status"], r["RefSeq_nuc"], r["RefSeq_prot"],
                         r["Ensembl_nuc"], r["Ensembl_prot"]))
    rows.sort()
    text = "\t".join(HEADER) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0) as gz:
        gz.write(text.encode())
    (args.out / "mane_transcripts.tsv.gz").write_bytes(buf.getvalue())
    print(f"{len(rows)} MANE transcripts")


if __name__ == "__main__":
    main()
