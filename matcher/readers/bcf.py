"""BCF (binary VCF) -> the VCF text htslib writes for it, then the VCF reader.

pysam (htslib) decodes the records; it is a dependency of the ``server`` extra and imported only
here, when a BCF arrives: without it a BCF is refused (exit 2 / 400) with what to install.
Line numbers in problems and warnings are those of the equivalent VCF text
(``bcftools view file.bcf``): the header lines, then one line per record.
"""

from __future__ import annotations

import os
import tempfile

from matcher.errors import FileFormatError, PayloadTooLarge, Problem
from matcher.readers.options import ReadOptions

BCF_MAGIC = b"BCF\x02"


def bcf_as_vcf(data: bytes | None, path: str | None, options: ReadOptions,
               name: str | None) -> bytes:
    """The VCF text of a BCF (bytes or a path), within ``options.max_decompressed_bytes``."""
    try:
        import pysam
    except ImportError:
        raise FileFormatError(
            f"{name or 'input'}: BCF needs htslib (pysam), which is not installed",
            [Problem("BCF is read through pysam, which is not installed", source=name,
                     expected="pip install 'matcher[server]', or convert with "
                              "'bcftools view file.bcf > file.vcf'")]) from None
    tmp = None
    if path is None:
        fd, tmp = tempfile.mkstemp(suffix=".bcf")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data or b"")
        path = tmp
    limit = options.max_decompressed_bytes
    quiet = pysam.set_verbosity(0)  # htslib would print "could not retrieve index" to stderr
    try:
        try:
            with pysam.VariantFile(path, "r") as vf:
                parts = [str(vf.header).encode()]
                total = len(parts[0])
                for record in vf:
                    line = str(record).encode()
                    total += len(line)
                    if total > limit:
                        raise PayloadTooLarge(
                            f"{name or 'BCF'}: decoded size over the limit of {limit} bytes",
                            [Problem(f"decodes to more than {limit} bytes of VCF text",
                                     expected="a smaller file (or raise "
                                              "max_decompressed_bytes)")])
                    parts.append(line)
        except PayloadTooLarge:
            raise
        except Exception as exc:  # htslib on a corrupt file: OSError, ValueError, NotImplemented…
            raise FileFormatError(f"{name or 'input'}: unreadable BCF ({exc})", [Problem(
                f"htslib cannot read this BCF: {exc}", source=name,
                expected="a BCF 2 file as bcftools writes it")]) from None
    finally:
        pysam.set_verbosity(quiet)
        if tmp is not None:
            os.unlink(tmp)
    return b"".join(parts)
