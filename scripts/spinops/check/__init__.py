"""`spinops check`: schema validation and lint of Kubernetes manifests, with findings where reviewers look.

Modules: `source` (the input and its lines), `validate_k8s` (cached kubernetes-validate schemas),
`engine` (kube-lint rule files), `rules/` (built-in Spinnaker rules, one module each), `optout`,
`trace` (back to kustomize/halconfig files), `runner` (one run -> `findings.Report`) and
`output/` (text, json, github, sarif).
"""
