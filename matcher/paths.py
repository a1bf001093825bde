"""Where the shipped data lives: one answer for every module."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def default_kb_dir() -> Path:
    """The KB folder: $MATCHER_KB_DIR, else the installed copy, else the source tree's."""
    env = os.environ.get("MATCHER_KB_DIR")
    if env:
        return Path(env)
    installed = _PACKAGE / "knowledgebase"  # wheel installs map knowledgebase/ here
    if (installed / "kb.yaml").is_file():
        return installed
    return _PACKAGE.parent / "knowledgebase"


def default_reference_dir() -> Path:
    """Reference data (OncoTree, HGNC, hotspots, gene spans) of the default KB."""
    return default_kb_dir() / "reference"
