"""Shell completion (bash, zsh) through argcomplete, with environment names completed from the overlays.

Registration, once per shell: `eval "$(register-python-argcomplete spinops)"` (bash and zsh alike). The
shell then runs `spinops` with _ARGCOMPLETE set; `cli.main` hands over here before parsing anything.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import argcomplete

from spinops.layout import Repo


def environments(prefix: str, parsed_args=None, **_) -> list[str]:
    """The environments of the repository the command line names (--repo, default .): its overlays."""
    repo = getattr(parsed_args, "repo", None) or "."
    return [e for e in Repo(Path(repo)).envs() if e.startswith(prefix)]


def complete(parser) -> None:
    """Answer the shell's completion request and exit (argcomplete does nothing when none is pending)."""
    for action in _actions(parser):
        if action.dest == "env":
            action.completer = environments
    argcomplete.autocomplete(parser)


def _actions(parser):
    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _actions(sub)
