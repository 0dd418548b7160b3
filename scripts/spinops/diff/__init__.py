"""`spinops diff`: compare two sets of manifests resource by resource, masked and normalised.

- `compare(old_docs, new_docs)` (spinops.diff.compare): pairing by (group, kind, namespace, name)
  with generated names paired by stem, noise stripped, secrets masked, unified diffs;
- `impact.analyse(...)`: the halconfig sections a change touches and the services that read them;
- `kubectl_dirs.read_dir(...)`: the LIVE/MERGED directories `kubectl diff` hands its differ;
- `trees`: the git worktree and the two builds of `spinops diff --base` (the I/O edge).
"""

from spinops.diff.compare import ADDED, CHANGED, OTHER, REMOVED, DiffResult, ResourceChange, compare

__all__ = ["ADDED", "CHANGED", "OTHER", "REMOVED", "DiffResult", "ResourceChange", "compare"]
