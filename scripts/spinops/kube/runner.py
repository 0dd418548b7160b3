"""Kubectl: runs kubectl against the cluster of the current context, for the apply steps.

Each command is logged before it runs (argv never holds a secret: manifests with values arrive on
stdin); everything kubectl prints is masked before it is echoed or returned, and echoed inside
GitHub's stop-commands so a line from the cluster cannot act as a workflow command.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence

from spinops import gha


class Kubectl:
    """Runs kubectl; logs each command and masks everything it echoes (`mask`: text -> masked text)."""

    def __init__(self, binary: str, mask: Callable[[str], str], log=None, hide_env: Sequence[str] = ()):
        self.binary = binary
        self.mask = mask
        self.log = log or sys.stdout
        self.hide_env = set(hide_env)  # secret-holding variables: kubectl does not need them

    def _announce(self, args: Sequence[str], stdin: str | None, env: Mapping[str, str] | None) -> None:
        prefix = "".join(f"{k}={v} " for k, v in (env or {}).items() if k == "KUBECTL_APPLYSET")
        stdin_note = " < (manifest on stdin)" if stdin is not None else ""
        print(f"+ {prefix}kubectl {shlex.join(args)}{stdin_note}", file=self.log)
        self.log.flush()

    def _env(self, env: Mapping[str, str] | None) -> dict[str, str]:
        return {**{k: v for k, v in os.environ.items() if k not in self.hide_env}, **(env or {})}

    def run(
        self,
        args: Sequence[str],
        *,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        quiet: bool = False,
    ) -> subprocess.CompletedProcess:
        self._announce(args, stdin, env)
        proc = subprocess.run(
            [self.binary, *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=self._env(env),
        )
        proc.stdout = self.mask(proc.stdout)
        proc.stderr = self.mask(proc.stderr)
        if not quiet:
            self.echo(proc.stdout + proc.stderr)
        return proc

    def run_parallel(self, argvs: Sequence[Sequence[str]]) -> list[subprocess.CompletedProcess]:
        """Start every command at once, wait for all; outputs come back masked, in order, not echoed."""
        procs = []
        for args in argvs:
            self._announce(args, None, None)
            procs.append(
                (
                    list(args),
                    subprocess.Popen(
                        [self.binary, *args],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                        env=self._env(None),
                    ),
                )
            )
        done = []
        for args, p in procs:
            out, err = p.communicate()
            done.append(subprocess.CompletedProcess([self.binary, *args], p.returncode, self.mask(out), self.mask(err)))
        return done

    def echo(self, text: str) -> None:
        text = text.rstrip("\n")
        if not text:
            return
        with gha.stop_commands(self.log):
            for line in text.splitlines():
                print(f"  {line}", file=self.log)
        self.log.flush()
