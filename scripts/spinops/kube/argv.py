"""The kubectl argument lists spinops sends to a cluster, and the field manager they share.

Every write (apply) and every dry run of one (diff) names the same field manager, so a live diff
shows exactly what the next apply would change (kubectl `--field-manager`, server-side apply).
"""

from __future__ import annotations

#: The server-side apply field manager of every apply and every live diff.
FIELD_MANAGER = "spinops"


def server_side_apply(force_conflicts: bool) -> list[str]:
    """`kubectl apply --server-side` as spinops' field manager, the head of every apply it runs."""
    return [
        "apply",
        "--server-side",
        f"--field-manager={FIELD_MANAGER}",
        *(["--force-conflicts"] if force_conflicts else []),
    ]


def diff_args(*, force_conflicts: bool) -> list[str]:
    """`kubectl diff --server-side` of the manifests on stdin, as spinops' field manager."""
    args = ["diff", "--server-side", f"--field-manager={FIELD_MANAGER}"]
    if force_conflicts:
        args.append("--force-conflicts")
    return [*args, "-f", "-"]
