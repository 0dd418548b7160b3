"""Which services run, as Halyard decided it (spinops.spinnaker.running; issue 10 "which services run")."""

from __future__ import annotations

import pytest

from spinops.spinnaker.running import running, running_services

ALWAYS = ["clouddriver", "deck", "echo", "front50", "gate", "orca", "rosco"]


def test_an_empty_halconfig_runs_the_core_only():
    assert running_services({}) == ALWAYS


@pytest.mark.parametrize(
    ("hal", "service"),
    [
        ({"security": {"authz": {"enabled": True}}}, "fiat"),  # KubernetesV2FiatService.java:44-46
        ({"canary": {"enabled": True}}, "kayenta"),  # KubernetesV2KayentaService.java:42-44
        ({"managedDelivery": {"enabled": True}}, "keel"),  # kustomization-base README.md:181-189
        ({"providers": {"dockerRegistry": {"enabled": True}}}, "igor"),  # KubernetesV2IgorService.java:44-47
        ({"ci": {"jenkins": {"enabled": True}}}, "igor"),
        ({"ci": {"gcb": {"enabled": True}}}, "igor"),
    ],
)
def test_each_switch_turns_its_service_on(hal, service):
    assert running(hal)[service] is True
    assert running_services(hal) == sorted([*ALWAYS, service])


@pytest.mark.parametrize(
    "hal",
    [
        {"canary": {"enabled": False}},
        {"ci": {"jenkins": {"enabled": False}}},
        {"providers": {"dockerRegistry": {"enabled": False}, "kubernetes": {"enabled": True}}},
        {"security": {"authz": {"enabled": "yes"}}},  # only a real true counts (validation rejects the rest)
    ],
)
def test_off_or_unset_switches_leave_optional_services_off(hal):
    assert running_services(hal) == ALWAYS


def test_only_halyards_ci_systems_run_igor():
    # halyard v1.70.0 Cis.java:34-39 (jenkins, travis, wercker, concourse, gcb, codebuild) is what ciEnabled()
    # iterates (Cis.java:41-53); another key under ci is no CI system Halyard knows
    assert running({"ci": {"gitlab": {"enabled": True}}})["igor"] is False
    for system in ("jenkins", "travis", "wercker", "concourse", "gcb", "codebuild"):
        assert running({"ci": {system: {"enabled": True}}})["igor"] is True
