"""The ``matcher`` command line: a click group whose sub-commands live in ``matcher.commands``.

Exit codes: 0 success, 2 bad input (problems listed on stderr), 1 internal error.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from matcher import __version__
from matcher.commands import MODULES
from matcher.errors import InputError, MatcherError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="matcher")
def cli() -> None:
    """Match a tumor's molecular report to targeted therapies and clinical trials."""


for _name in MODULES:
    try:
        _module = importlib.import_module(f"matcher.commands.{_name}")
    except ModuleNotFoundError as exc:
        # An area not built yet, or one whose dependencies are not installed (the plain client
        # install has `submit` but not `match` or `serve`: pip install 'matcher[server]').
        if exc.name != f"matcher.commands.{_name}" and (exc.name or "").startswith("matcher"):
            raise
        continue
    for _command in getattr(_module, "COMMANDS", ()):
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: run the group, map Matcher errors to exit codes 2 (input) and 1."""
    try:
        # Outside standalone mode click *returns* the code of a command's ``raise Exit(n)`` /
        # ``ctx.exit(n)`` (it raises only from the group's own parsing): keep it, or a failed
        # `kb import-civic --check` would exit 0. Commands return None on success.
        code = cli.main(args=argv, prog_name="matcher", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2 if isinstance(exc, click.UsageError) else exc.exit_code
    except InputError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    except MatcherError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    except Exception as exc:  # a bug: one line for the user, the traceback only on request
        if os.environ.get("MATCHER_DEBUG"):
            raise
        click.echo(f"internal error: {type(exc).__name__}: {exc} "
                   "(set MATCHER_DEBUG=1 for the traceback; please report it)", err=True)
        return 1
    return code if isinstance(code, int) and not isinstance(code, bool) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
