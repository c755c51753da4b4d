"""The `kundresa` command line.

Each subcommand lives in its own module with two functions, ``configure(parser)`` and
``execute(args) -> int``; this file only lists them, so heavy imports happen only for the
subcommand that runs.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("orchestration.sources.simulator.command", "write simulated landing files"),
    "run": ("orchestration.commands.run", "materialise every asset in-process"),
    "ui": ("orchestration.commands.ui", "start the Dagster UI on 127.0.0.1"),
    "bench": ("orchestration.benchmarks.command", "time each stage and write a report"),
    "identity": ("orchestration.identity.command", "resolve identities in a records file"),
    "attribute": ("orchestration.attribution.command", "attribute conversions on a paths file"),
}


class _Parser(argparse.ArgumentParser):
    """Argument errors end with one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"kundresa {self.prog.split()[-1]}: error: {message}\n")
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _Parser(prog="kundresa", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(_module=module_name)
        # configure only the chosen subcommand: the others' imports stay unpaid
        if argv and argv[0] == name:
            importlib.import_module(module_name).configure(sub)
    args = parser.parse_args(argv)
    module = importlib.import_module(args._module)
    try:
        return int(module.execute(args) or 0)
    except KeyboardInterrupt:
        sys.stderr.write("kundresa: interrupted\n")
        return 130
    except UserError as error:
        sys.stderr.write(f"kundresa {args.command}: error: {error}\n")
        return 2


class UserError(Exception):
    """A problem with what the user asked for: printed as one line, exit status 2."""
