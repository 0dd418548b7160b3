"""Every built-in rule, driven by the PASS/FAIL examples of its own docstring (its user documentation)."""

from __future__ import annotations

import pytest
from check_helpers import check_text

from spinops.check.rules import builtin_rules, examples

RULES = builtin_rules()
CASES = [(m.ID, i, verdict, text) for m in RULES for i, (verdict, text) in enumerate(examples(m))]


def test_every_rule_is_documented_with_pass_and_fail_examples():
    assert {m.ID for m in RULES} == {
        "resources",
        "pinned-images",
        "same-release",
        "probes",
        "non-root",
        "no-credential-in-configmap",
        "placeholders-resolvable",
        "ha-shared-config",
        "placeholder-hosts",
        "runtime-contract",
        "catalog-image-tags",
    }
    for m in RULES:
        verdicts = [v for v, _ in examples(m)]
        assert "PASS" in verdicts and "FAIL" in verdicts, m.ID
        assert m.SEVERITY in ("error", "warning", "info")
        assert m.DESCRIPTION and m.__doc__.strip()


@pytest.mark.parametrize(("rule", "i", "verdict", "text"), CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_docstring_example(rule, i, verdict, text):
    report = check_text(text, validate=False, only_rules=(rule,))
    found = [f for f in report.findings if f.rule == rule]
    if verdict == "FAIL":
        assert found, f"{rule} example {i} should fail"
        for f in found:
            assert f.location and f.location.line, "findings carry the manifest line"
            assert f.path.startswith("$")
    else:
        assert not found, [f.message for f in found]


@pytest.mark.parametrize("rule", [m.ID for m in RULES])
def test_examples_are_valid_kubernetes_except_on_purpose(rule):
    """The PASS examples are schema-valid in strict mode, so they document real manifests (lenient on
    fields the examples leave out: selectors and container names are not the point of a rule)."""
    mod = {m.ID: m for m in RULES}[rule]
    for verdict, text in examples(mod):
        if verdict != "PASS":
            continue
        report = check_text(text, only_rules=(rule,))
        unexpected = [f.message for f in report.findings if f.rule == "schema" and "required" not in f.message]
        assert not unexpected, unexpected


def test_docs_carry_the_generated_rule_reference():
    """docs/check.md's rule section is generated from the docstrings (python -m spinops.check.ruledocs)."""
    from pathlib import Path

    from spinops.check.ruledocs import section

    docs = (Path(__file__).resolve().parents[2] / "docs" / "check.md").read_text()
    assert section() in docs, (
        "run: python -m spinops.check.ruledocs and paste between the rules markers in docs/check.md"
    )
