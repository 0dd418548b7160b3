"""Secret values never appear in any output: structural masks plus the text safety net."""

from __future__ import annotations

import base64
import json

from diff_helpers import configmap, deployment, secret

from spinops.credentials import Masker as Redactor
from spinops.diff import compare
from spinops.diff.mask import MASK, MASK_AFTER, MASK_BEFORE, mask_pair
from spinops.report import render
from spinops.report.markdown import SUMMARY_BUDGET, render_markdown

CANARY_OLD = "CANARY-old-9f8e7d6c5b4a"
CANARY_NEW = "CANARY-new-1a2b3c4d5e6f"
CANARY_KEEP = "CANARY-kept-0a0b0c0d0e"
CANARY_STRING = "CANARY-stringdata-77aa88bb"


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def forms(*values: str) -> list[str]:
    return [f for v in values for f in (v, b64(v))]


def all_outputs(result) -> dict[str, str]:
    return {fmt: render(result, fmt) for fmt in ("text", "json", "markdown")} | {
        "full": render_markdown(result, budget=SUMMARY_BUDGET)
    }


def test_mask_pair_follows_kubectl():
    a = {"apiVersion": "v1", "kind": "Secret", "data": {"same": "x", "changed": "1", "gone": "g"}}
    b = {"apiVersion": "v1", "kind": "Secret", "data": {"same": "x", "changed": "2", "new": "n"}}
    mask_pair(a, b)
    assert a["data"] == {"same": MASK, "changed": MASK_BEFORE, "gone": MASK}
    assert b["data"] == {"same": MASK, "changed": MASK_AFTER, "new": MASK}


def test_mask_pair_leaves_configmaps_alone():
    a, b = configmap("c", {"k": "v1"}), configmap("c", {"k": "v2"})
    mask_pair(a, b)
    assert a["data"] == {"k": "v1"} and b["data"] == {"k": "v2"}


def test_no_canary_in_any_format_for_data_stringdata_and_annotations():
    old_s = secret("creds", {"token": CANARY_OLD, "keep": CANARY_KEEP}, "echo", string_data={"extra": CANARY_STRING})
    new_s = secret(
        "creds", {"token": CANARY_NEW, "keep": CANARY_KEEP}, "echo", string_data={"extra": CANARY_STRING + "x"}
    )
    # client-side apply embeds the whole Secret in an annotation; a custom annotation does too
    for s in (old_s, new_s):
        emb = json.dumps({"apiVersion": "v1", "kind": "Secret", "data": s["data"], "stringData": s["stringData"]})
        s["metadata"]["annotations"] = {
            "kubectl.kubernetes.io/last-applied-configuration": emb,
            "example.com/copy": emb,
        }
    r = compare([old_s, deployment("echo")], [new_s, deployment("echo")])
    assert len(r.changes) == 1
    outputs = all_outputs(r)
    for name, text in outputs.items():
        for f in forms(CANARY_OLD, CANARY_NEW, CANARY_KEEP, CANARY_STRING):
            assert f not in text, (name, f)
    diff = r.changes[0].diff
    assert "-  token: '*** (before)'" in diff and "+  token: '*** (after)'" in diff
    assert "-  extra: '*** (before)'" in diff and "+  extra: '*** (after)'" in diff
    assert "  keep: '***'" in diff
    assert "example.com/copy: '*** (before)'" in diff
    assert "last-applied-configuration" not in diff


def test_added_secret_is_fully_masked():
    r = compare([], [secret("new", {"password": CANARY_NEW})])
    assert r.changes[0].action == "added"
    assert "+  password: '***'" in r.changes[0].diff
    for text in all_outputs(r).values():
        assert CANARY_NEW not in text and b64(CANARY_NEW) not in text


def test_a_secret_value_leaked_into_a_configmap_is_still_redacted():
    # the safety net: the value of a Secret pasted into a ConfigMap never reaches the report
    leak = "hunter2-CANARY-pasted-into-config"
    old = [secret("s", {"password": leak}), configmap("c", {"a.yml": "password: old\n"})]
    new = [secret("s", {"password": leak}), configmap("c", {"a.yml": f"password: {leak}\n"})]
    r = compare(old, new)
    assert [c.kind for c in r.changes] == ["ConfigMap"]
    for text in all_outputs(r).values():
        assert leak not in text
    # the changed line is kept, the value replaced (the `a.yml: |` key line is context, never `+`)
    assert "-    password: old\n+    password: ***\n" in r.changes[0].diff


def test_redactor_masks_multiline_values_line_by_line_and_json_escapes():
    red = Redactor(['-----BEGIN KEY-----\nAAAABBBBCCCCDDDD\n"quoted-secret-value"\n'])
    text = 'x -----BEGIN KEY----- y AAAABBBBCCCCDDDD z "quoted-secret-value" ' + json.dumps('"quoted-secret-value"')
    out = red(text)
    assert "AAAABBBBCCCCDDDD" not in out and "quoted-secret-value" not in out
    assert Redactor(["ab"]).tokens == []  # below the one threshold (spinops.credentials.MIN_MASK_LEN)


def test_a_secret_embedded_in_another_objects_annotation_is_masked():
    emb = json.dumps({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"k": b64(CANARY_OLD)}})
    old = configmap("holder", {"a": "1"})
    new = configmap("holder", {"a": "2"})
    old["metadata"]["annotations"] = {"example.com/backup": emb, "note": "plain"}
    new["metadata"]["annotations"] = {
        "example.com/backup": emb.replace(b64(CANARY_OLD), b64(CANARY_NEW)),
        "note": "plain",
    }
    r = compare([old], [new])
    diff = r.changes[0].diff
    assert "example.com/backup: '*** (before)'" in diff and "example.com/backup: '*** (after)'" in diff
    assert "note: plain" in diff
    for text in all_outputs(r).values():
        for f in forms(CANARY_OLD, CANARY_NEW):
            assert f not in text


def test_a_leaked_value_with_a_tab_is_redacted_in_its_displayed_form():
    leak = "tab\tseparated-CANARY-value"
    old = [secret("s", {"k": leak}), configmap("c", {"f.yml": "a: 1\n"})]
    new = [secret("s", {"k": leak}), configmap("c", {"f.yml": f"a: 1\nb: {leak}\n"})]
    r = compare(old, new)
    for text in all_outputs(r).values():
        assert "separated-CANARY-value" not in text


def test_a_leaked_value_is_redacted_in_its_yaml_quoted_forms():
    for leak in ("it's-a-CANARY-value", 'quote"CANARY\\value', "#CANARY: value-with-colon"):
        old = [secret("s", {"k": leak}), configmap("c", {"a": "1"})]
        new = [secret("s", {"k": leak}), configmap("c", {"a": leak})]
        r = compare(old, new)
        for text in all_outputs(r).values():
            assert "CANARY" not in text, (leak, text)


def _leaked_into_configmap(leak: str, holder: str) -> dict[str, str]:
    old = [secret("s", {"k": leak}), configmap("c", {"a": "1"})]
    new = [secret("s", {"k": leak}), configmap("c", {"a": holder})]
    return all_outputs(compare(old, new))


def test_a_leaked_value_with_a_control_character_is_redacted_in_every_format():
    # YAML writes such a string double-quoted with escapes (`\e`, `\a`, `\x01`): neither the raw value
    # nor its JSON form is in the text, so the safety net masks the objects before they are written
    for ctl in ("\x1b", "\x07", "\x01", "\x7f"):
        leak = f"ctl{ctl}CANARY-control-value"
        for holder in (leak, f"before {leak} after", f"line one\n{leak}\n"):
            for name, text in _leaked_into_configmap(leak, holder).items():
                assert "CANARY-control" not in text, (repr(ctl), repr(holder), name)


def test_a_leaked_value_inside_a_line_over_4096_characters_is_redacted_in_every_format():
    # YAML folds a scalar longer than its width (4096, spinops.diff.normalize.to_text) at a space: a value
    # that straddles the fold is split across two lines, out of reach of a text scrub
    leak = "CANARY long line value"
    for pad in range(4070, 4100, 3):
        for holder in ("x" * pad + " " + leak + " tail", "\x07" + "x" * pad + " " + leak):
            for name, text in _leaked_into_configmap(leak, holder).items():
                assert "CANARY long line value" not in text.replace("\n", " ") and "CANARY long" not in text, (
                    pad,
                    name,
                )
