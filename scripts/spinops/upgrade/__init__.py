"""`spinops upgrade`: which Spinnaker releases an environment may move to, the one-line edits that move it, and
the upgrade report (services, defaults, runtime contract, revert safety, manifests diff). docs/upgrade.md."""
