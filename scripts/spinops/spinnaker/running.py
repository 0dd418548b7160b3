"""Which Spinnaker services run for a halconfig, decided the way Halyard decided it.

Halyard (spinnaker/halyard v1.70.0, its last release; halyard-deploy/.../service/distributed/kubernetes/v2/) deploys a
service when its `isEnabled(DeploymentConfiguration)` says so; the default is true
(KubernetesV2Service.java:92-94). The exceptions, each read from its source:

- fiat:    security.authz.enabled                    (KubernetesV2FiatService.java:44-46)
- kayenta: canary.enabled                            (KubernetesV2KayentaService.java:42-44)
- igor:    providers.dockerRegistry.enabled, or any CI system enabled
                                                     (KubernetesV2IgorService.java:44-47; Cis.ciEnabled,
                                                      halyard-config/.../node/Cis.java:41-53, over the six
                                                      systems of Cis.java:34-39)
- keel:    managedDelivery.enabled. Halyard never deployed keel; kustomization-base adds its keel
           kustomization only when `managedDelivery.enabled` is true (spinnaker/kustomization-base
           README.md:181-189).

Everything else (clouddriver, deck, echo, front50, gate, orca, rosco) always runs, and so does the
Redis they share (kustomization-base core/service-discovery/spinnaker.yml:50-52 enables it).
"""

from __future__ import annotations

from spinops.spinnaker.services import SERVICES

#: service -> (the halconfig switch that turns it on, the upstream source of the rule)
OPTIONAL: dict[str, tuple[str, str]] = {
    "fiat": ("security.authz.enabled", "spinnaker/halyard KubernetesV2FiatService.java:44-46"),
    "igor": ("providers.dockerRegistry.enabled or any ci.<system>.enabled",
             "spinnaker/halyard KubernetesV2IgorService.java:44-47"),
    "kayenta": ("canary.enabled", "spinnaker/halyard KubernetesV2KayentaService.java:42-44"),
    "keel": ("managedDelivery.enabled", "spinnaker/kustomization-base README.md:181-189"),
}


def _on(hal: object, *keys: str) -> bool:
    """A halconfig switch that is set and true (unset reads as off, as in Halyard)."""
    for k in keys:
        hal = hal.get(k) if isinstance(hal, dict) else None
    return hal is True


#: The CI systems Halyard knows (halyard v1.70.0 halyard-config/.../node/Cis.java:34-39); `ciEnabled()` iterates these.
CI_SYSTEMS = ("jenkins", "travis", "wercker", "concourse", "gcb", "codebuild")


def _any_ci(hal: dict) -> bool:
    return any(_on(hal, "ci", system, "enabled") for system in CI_SYSTEMS)


def running(hal: dict) -> dict[str, bool]:
    """Every Spinnaker service -> whether it runs for this halconfig (sorted by name)."""
    on = {
        "fiat": _on(hal, "security", "authz", "enabled"),
        "igor": _on(hal, "providers", "dockerRegistry", "enabled") or _any_ci(hal),
        "kayenta": _on(hal, "canary", "enabled"),
        "keel": _on(hal, "managedDelivery", "enabled"),
    }
    return {svc: on.get(svc, True) for svc in sorted(SERVICES)}


def running_services(hal: dict) -> list[str]:
    return [svc for svc, on in running(hal).items() if on]
