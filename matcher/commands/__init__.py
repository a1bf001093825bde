"""CLI sub-commands, one module per area; each module exports ``COMMANDS`` (click commands/groups).

``matcher.cli`` registers every module listed in ``MODULES``. Keeping areas in separate modules
lets the service, knowledge-base and matching commands grow without touching each other.

The top layer: may import every other package; nothing imports it but ``matcher.cli``. A module
whose dependencies are not installed (a client-only install) is left out of ``matcher --help``.
"""

MODULES = ("match", "kb", "service", "trials", "cohort")
