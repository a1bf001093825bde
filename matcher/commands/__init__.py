"""CLI sub-commands, one module per area; each module exports ``COMMANDS`` (click commands/groups).

``matcher.cli`` registers every module listed in ``MODULES``. Keeping areas in separate modules
lets the service, knowledge-base and matching commands grow without touching each other.
"""

MODULES = ("match", "kb", "service", "trials")
