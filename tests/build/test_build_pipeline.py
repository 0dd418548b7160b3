"""The build as a pipeline (spinops.build): inputs read first with every problem at once, then pure
stages over ConfigFile items, each tested alone here; Deck's files are one kind with one serializer."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinops import profiles, yamlio
from spinops.build import build_env, deck, pipeline
from spinops.build.files import DECK, DISCOVERY, PROFILE, RENDERED, ConfigFile
from spinops.build.inputs import read_inputs
from spinops.build.output import serialize
from spinops.build.timing import Timings
from spinops.errors import InputError
from spinops.layout import Repo
from spinops.patch import parse_patch
from spinops.spinnaker.services import SERVICES

SPRING = set(SERVICES) - {"deck"}


def _repo(tmp_path: Path) -> Path:
    overlay = tmp_path / "kustomize" / "overlays" / "dev"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yml").write_text("namespace: spinnaker\n")
    (tmp_path / "halconfig").mkdir()
    (tmp_path / "halconfig" / "halconfig.yml").write_text("version: 1.36.1\n")
    return tmp_path


def _patch(text: str):
    return parse_patch(yamlio.load(text, "halconfig/patches/p.yml"))


def test_every_input_problem_is_reported_at_once(tmp_path):
    """Before the pipeline, the build stopped at the first input that failed (here: the halconfig)."""
    repo = _repo(tmp_path)
    (repo / "halconfig" / "halconfig.yml").write_text("version: 1.36.1\nnotAHalconfigKey: 1\n")
    (repo / "halconfig" / "profiles").mkdir()
    (repo / "halconfig" / "profiles" / "gate-locale.yml").write_text("a: 1\n")
    (repo / "halconfig" / "patches").mkdir()
    (repo / "halconfig" / "patches" / "p.yml").write_text("kind: strategic\ntarget: gate.yml\npatch: {}\n")
    (repo / "kustomize" / "overlays" / "dev" / "kustomization.yml").write_text(
        "namespace: spinnaker\nresources: base\n"
    )
    with pytest.raises(InputError) as e:
        build_env(repo, "dev")
    files = [Path(p.file).name for p in e.value.problems]
    assert "halconfig.yml" in files and "gate-locale.yml" in files and "p.yml" in files and "kustomization.yml" in files
    codes = {p.code for p in e.value.problems}
    assert {"profile-name", "patch-kind"} <= codes


def test_an_unknown_environment_stops_before_reading_anything(tmp_path):
    repo = _repo(tmp_path)
    (repo / "halconfig" / "halconfig.yml").write_text("notAHalconfigKey: 1\n")
    with pytest.raises(InputError) as e:
        read_inputs(Repo(repo), "prod")
    assert [p.code for p in e.value.problems] == ["unknown-env"]


def test_inputs_of_a_minimal_repo(tmp_path):
    inputs = read_inputs(Repo(_repo(tmp_path)), "dev")
    assert (inputs.namespace, inputs.ha, inputs.patches, inputs.notes) == ("spinnaker", False, [], [])
    assert inputs.hal.data == {"version": "1.36.1"}


def test_render_gives_each_file_its_service_and_kind():
    files = pipeline.render_files({"version": "1.36.1"})
    kinds = {f.name: (f.service, f.kind, f.origin) for f in files}
    assert kinds["gate.yml"] == ("gate", RENDERED, "halconfig")
    assert kinds["settings.js"] == ("deck", DECK, "halconfig") and kinds["deck.env"][1] == DECK
    assert kinds["spinnaker-monitoring.yml"][0] == "monitoring"  # a patch target; it does not ship
    assert len(files) == 13


def test_profiles_add_every_patch_target_with_its_origin():
    prof = profiles.Profiles(data={"gate-local.yml": {"a": 1}}, deck_js="window.x = 1;\n")
    files = pipeline.add_profiles([], prof)
    by_name = {f.name: f for f in files}
    assert by_name["gate-local.yml"] == ConfigFile(
        "gate", "gate-local.yml", PROFILE, {"a": 1}, "halconfig/profiles/gate-local.yml", hand_written=True
    )
    assert by_name["echo-local.yml"].data == {}  # empty unless shipped, so "*-local.yml" patches reach it
    assert by_name["spinnaker-local.yml"].service is None  # every Spring service
    assert by_name["settings-local.js"].kind == DECK and by_name["settings-local.js"].text == "window.x = 1;\n"
    assert "clouddriver-caching.yml" not in by_name  # a shard profile is a target only when shipped


def test_patches_mark_what_they_change_and_only_what_ships_stays():
    files = pipeline.add_profiles(pipeline.render_files({"version": "1.36.1"}), profiles.Profiles())
    shared = _patch("kind: merge\ntarget: spinnaker-local.yml\npatch: {logging: {level: {root: WARN}}}\n")
    gate = _patch("kind: merge\ntarget: gate.yml\npatch: {server: {port: 8085}}\n")
    out, applied = pipeline.apply_patches(files, [shared, gate], "1.36.1")
    assert [a.changed for a in applied] == [("spinnaker-local.yml",), ("gate.yml",)]
    shipped = {(f.service, f.name): f for f in out}
    assert {svc for svc, name in shipped if name == "spinnaker-local.yml"} == SPRING
    assert all(shipped[(svc, "spinnaker-local.yml")].hand_written for svc in SPRING)
    assert shipped[("gate", "gate.yml")].hand_written and not shipped[("echo", "echo.yml")].hand_written
    # empty: dropped
    assert not any(name.endswith("-local.yml") and name != "spinnaker-local.yml" for _, name in shipped)
    assert not any(f.service == "monitoring" for f in out)
    assert ("deck", "settings-local.js") not in shipped  # no text, no overrides
    assert "server" not in next(f for f in files if f.name == "gate.yml").data  # the input items are left as they were


def test_discovery_goes_to_every_spring_service_that_runs():
    everything = {"version": "1.36.1", "security": {"authz": {"enabled": True}}, "canary": {"enabled": True},
                  "managedDelivery": {"enabled": True}, "ci": {"jenkins": {"enabled": True}}}
    out = pipeline.add_discovery([], "ns", everything)
    assert {f.service for f in out} == SPRING and {f.kind for f in out} == {DISCOVERY}
    assert out[0].data["services"]["gate"]["baseUrl"].startswith("http://gate.ns:")
    core = pipeline.add_discovery([], "ns", {"version": "1.36.1"})  # fiat, igor, kayenta, keel do not run
    assert {f.service for f in core} == SPRING - {"fiat", "igor", "kayenta", "keel"}


def test_deck_is_one_kind_with_its_own_serializer():
    env = ConfigFile(
        "deck",
        deck.ENV,
        DECK,
        {"DECK_CERT": "/var/secrets/tls/cert.pem", "PASSPHRASE": "${DECK_PASSPHRASE}"},
        "halconfig",
    )
    local = ConfigFile(
        "deck", deck.LOCAL, DECK, {"feature": {"x": True}}, "halconfig/profiles/settings-local.js", text="// mine\n"
    )
    configmap, text = deck.serialize(env)
    assert configmap == "env" and text == "DECK_CERT=/var/secrets/tls/cert.pem\n"
    configmap, text = deck.serialize(local)
    assert configmap == "config" and text.startswith("// mine\n") and '"feature"' in text
    assert deck.wire_data(local) == ["// mine\n", {"feature": {"x": True}}]
    configs, env_files = serialize([env, local, ConfigFile("gate", "spinnaker.yml", DISCOVERY, {"a": 1}, "spinops")])
    assert set(configs["deck"]) == {deck.LOCAL} and configs["gate"] == {"spinnaker.yml": "a: 1\n"}
    assert env_files == {"deck": ("deck.env", "DECK_CERT=/var/secrets/tls/cert.pem\n")}


def test_timings_wrap_stages_also_when_they_fail():
    t = Timings()
    assert t.run("render", lambda x: x + 1, 1) == 2
    with pytest.raises(ZeroDivisionError):
        t.run("patch", lambda: 1 / 0)
    t.run("render", lambda: None)
    assert set(t.total()) == {"render", "patch", "total"}
