"""The environment's ApplySet (spinops.kube.applyset): member label, parent, prune flags, pruned objects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spinops.errors import InputError
from spinops.kube.applyset import (
    APPLYSET_PART_OF,
    applyset_args,
    applyset_id,
    as_applied,
    manifest_namespace,
    pruned_from_output,
)


def test_pruned_lines():
    out = (
        "configmap/a serverside-applied\nconfigmap/b pruned\n"
        "deployment.apps/c pruned (server dry run)\nsecret/d unchanged\n"
    )
    assert pruned_from_output(out) == ["configmap/b", "deployment.apps/c"]


DOCS = [
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "a", "namespace": "spinnaker", "labels": {"x": "1"}},
    },
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "spinnaker"}},
]


def test_as_applied_labels_every_member_and_leaves_the_input_alone():
    sent = json.loads(as_applied(DOCS, "staging", "spinnaker"))
    assert sent["kind"] == "List"
    ident = applyset_id("spinops-staging", "spinnaker")
    assert [d["metadata"]["labels"] for d in sent["items"]] == [
        {"x": "1", APPLYSET_PART_OF: ident},
        {APPLYSET_PART_OF: ident},
    ]
    assert DOCS[0]["metadata"]["labels"] == {"x": "1"} and "labels" not in DOCS[1]["metadata"]


def test_applyset_args_scope_pruning_to_the_environments_parent():
    assert applyset_args("prod", "spin") == ["--prune", "--applyset=configmaps/spinops-prod", "--namespace", "spin"]


def test_manifest_namespace_is_the_one_namespace_or_explicit():
    assert manifest_namespace(DOCS, None, Path("m.yaml")) == "spinnaker"
    assert manifest_namespace(DOCS, "other", Path("m.yaml")) == "other"
    with pytest.raises(InputError, match="set no namespace"):
        manifest_namespace([{"kind": "X", "metadata": {}}], None, Path("m.yaml"))
    with pytest.raises(InputError, match="several namespaces: a, b"):
        manifest_namespace([{"metadata": {"namespace": "b"}}, {"metadata": {"namespace": "a"}}], None, Path("m.yaml"))
