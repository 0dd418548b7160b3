"""The cluster seam: every `kubectl` call spinops makes against a Kubernetes cluster lives here.

    argv.py       the field manager and the argument lists (server-side apply head, server-side diff)
    runner.py     Kubectl: runs kubectl, logs each command, masks everything it echoes
    differ.py     the one writer of KUBECTL_EXTERNAL_DIFF wrapper scripts
    changes.py    the plan's differ program: which objects a server-side dry run creates, changes, deletes
    applyset.py   the environment's ApplySet (KEP-3659): parent, id, member label, pruned objects
    live_diff.py  `spinops diff --live`: kubectl diff with `spinops external-diff` as the differ

`spinops.deploy` (the apply steps) and `spinops diff --live` use it; nothing here imports either.
"""
