"""Property-based: no input a user controls ends in anything but a result or a located InputError
(issue 11 item 9: about forty inputs ended as "internal error" with exit 1 or 3).

hypothesis generates texts, bytes and YAML documents (keys of every scalar type, dates, binary,
huge integers, nesting) for each input type and feeds them to the reader that `spinops` uses.
"""

from __future__ import annotations

import datetime

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinops.errors import InputError

SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30), st.floats(allow_nan=True),
    st.text(max_size=20), st.dates(), st.binary(max_size=8),
)
keys = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.booleans(),
    st.none(),
    st.sampled_from(
        ["kind", "target", "patch", "op", "path", "value", "secrets", "env", "apiVersion", "metadata", "items", "<<"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


def dump(data) -> str:
    try:
        return yaml.dump(data, Dumper=yaml.SafeDumper, allow_unicode=True)
    except yaml.YAMLError:
        return "{}"


texts = st.one_of(
    st.text(max_size=300),
    values.map(dump),
    st.binary(max_size=300).map(lambda b: b.decode("utf-8", "replace")),
    st.lists(
        st.sampled_from(
            [
                "a: 1",
                "- x",
                "  b: [1, {c: 2}]",
                "--- ",
                "&a x",
                "*a",
                "? k",
                "!!binary aGk=",
                "k: !!set {a}",
                "\t",
                "'q",
                '"\\x00"',
                "kind: List",
                "items: [1]",
                "<<: *a",
                "\ufeff",
                "%YAML 1.1",
                "k: 2001-02-03",
            ]
        ),
        max_size=12,
    ).map("\n".join),
)


def only_input_errors(fn, *args):
    try:
        fn(*args)
    except InputError as e:
        assert e.problems and all(p.message for p in e.problems)


def _patch_files(tmp, text):
    from spinops.patch import load_patches

    d = tmp / "halconfig" / "patches"
    d.mkdir(parents=True)
    (d / "p.yml").write_text(text, encoding="utf-8", errors="surrogatepass")
    load_patches(d, tmp)


ops = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["add", "replace", "remove", "move", "copy", "test"]),
        "path": st.sampled_from(
            ["", "/", "/x", "/slack", "/slack/enabled", "/services/0", "/services/-", "/a~1b", "/API_HOST"]
        ),
    },
    optional={"value": values, "from": st.sampled_from(["", "/slack", "/x"])},
)
programs = st.sampled_from(
    [
        ".",
        ".a = 1",
        "{}",
        "[.]",
        ".x = 5",
        "error(.x)",
        "del(.)",
        "1",
        "null",
        ".x |= now",
        ".a = 1e400",
        "to_entries | from_entries",
        "{(1|tostring): 1}",
        ". + {a: [.[]]}",
        "limit(3; repeat(1))",
    ]
)


@SETTINGS
@given(
    kind=st.sampled_from(["merge", "json-patch", "jq"]),
    target=st.sampled_from(
        ["*", "echo.yml", "deck.env", "settings-local.js", "settings.js", "gate-local.yml", "*.yml", "nope.yml"]
    ),
    payload=values,
    json_ops=st.lists(ops, max_size=3),
    program=programs,
)
def test_patches_through_the_build_stages(kind, target, payload, json_ops, program):
    """parse -> apply over the rendered files and profiles -> serialize every shipped file (build's stages)."""
    from spinops.build import output, pipeline
    from spinops.patch import parse_patch
    from spinops.profiles import Profiles
    from spinops.yamlio import load

    body = {"merge": payload, "json-patch": json_ops, "jq": program}[kind]
    doc = {"kind": kind, "target": target, "patch": body}

    def run():
        files = pipeline.add_profiles(pipeline.render_files({"version": "1.36.1"}), Profiles())
        patched, _ = pipeline.apply_patches(files, [parse_patch(load(dump(doc), "p.yml"))], "1.36.1")
        output.serialize(patched)
    only_input_errors(run)


def _profiles(tmp, text):
    from spinops.profiles import load_profiles

    d = tmp / "halconfig" / "profiles"
    d.mkdir(parents=True)
    (d / "gate-local.yml").write_text(text, encoding="utf-8", errors="surrogatepass")
    (d / "settings-local.js").write_text(text, encoding="utf-8", errors="surrogatepass")
    load_profiles(tmp)


@SETTINGS
@given(
    text=st.one_of(texts, st.dictionaries(st.text(max_size=20), values, max_size=3).map(lambda s: dump({"secrets": s})))
)
def test_secrets_file(tmp_path_factory, text):
    from spinops.credentials import load_secrets

    root = tmp_path_factory.mktemp("repo")
    (root / "halconfig").mkdir()
    (root / "halconfig" / "secrets.yml").write_text(text, encoding="utf-8", errors="surrogatepass")
    only_input_errors(load_secrets, root)


@SETTINGS
@given(
    text=st.one_of(
        texts,
        st.lists(
            st.dictionaries(
                st.sampled_from(["name", "kind", "field", "operator", "value", "valueType", "tags", "severity"]),
                values,
                max_size=8,
            ),
            max_size=3,
        ).map(dump),
    )
)
def test_rule_files(tmp_path_factory, text):
    from spinops.check.engine import load_rule_file

    f = tmp_path_factory.mktemp("rules") / "rules.yml"
    f.write_text(text, encoding="utf-8", errors="surrogatepass")
    only_input_errors(load_rule_file, f)


@SETTINGS
@given(text=st.one_of(texts, st.lists(values, max_size=3).map(lambda docs: "".join("---\n" + dump(d) for d in docs))))
def test_check_manifests(text):
    from spinops.check.runner import Options, run_check
    from spinops.check.source import parse_manifest

    def run():
        run_check(parse_manifest(text, "m.yaml"), Options(validate=False))
    only_input_errors(run)


def _apply_manifests(tmp, text):
    from spinops.manifests import load_documents

    load_documents(text, "m.yaml")


def _halconfig(tmp, text):
    from spinops.halconfig.load import load_halconfig

    (tmp / "halconfig.yml").write_text(text, encoding="utf-8", errors="surrogatepass")
    load_halconfig(tmp)


def _halyard_config(tmp, text):
    from spinops.migrate.source import parse_yaml

    parse_yaml(text, "config")


@pytest.mark.parametrize(
    "reader",
    [_patch_files, _profiles, _apply_manifests, _halconfig, _halyard_config],
    ids=lambda f: f.__name__.strip("_"),
)
@SETTINGS
@given(text=texts)
def test_text_readers(tmp_path_factory, reader, text):
    only_input_errors(reader, tmp_path_factory.mktemp("in"), text)


@SETTINGS
@given(text=texts)
def test_overlay_files(tmp_path_factory, text):
    from spinops.bundle import overlay_problems

    o = tmp_path_factory.mktemp("overlay")
    (o / "kustomization.yml").write_text("resources: [a.yml]\n")
    (o / "a.yml").write_text(text, encoding="utf-8", errors="surrogatepass")
    overlay_problems(o)  # returns problems; must not raise
    (o / "kustomization.yml").write_text(text, encoding="utf-8", errors="surrogatepass")
    only_input_errors(overlay_problems, o)


def test_dates_and_datetimes_are_values_of_the_strategy():
    # the strategies above include dates (YAML timestamps) and binary (!!binary): keep it so
    assert datetime.date(2001, 2, 3).isoformat() in dump({"k": datetime.date(2001, 2, 3)})
