"""The Workload Identity setup script in docs/pipeline.md binds to GitHub's numeric ids, never to names.

A repository or owner name can be re-registered by someone else; the `repository_id` and
`repository_owner_id` claims of GitHub's OIDC token cannot (github/docs, content/actions/reference/
security/oidc.md). This is the check that fails (with what to change) when the script binds by name.
"""

from __future__ import annotations

import re

from spinops_testlib import ROOT


def wif_script(text: str) -> str:
    section = text[text.index("### Workload Identity Federation"):]
    return section[section.index("```sh") + 5: section.index("```", section.index("```sh") + 5)]


def name_bindings(script: str) -> list[str]:
    """What in a setup script trusts a name instead of a numeric id."""
    problems = []
    condition = re.search(r'--attribute-condition="([^"]*)"', script)
    if not condition:
        problems.append("the provider has no --attribute-condition: every GitHub repository could get a token")
    else:
        cond = condition.group(1)
        for claim in ("repository_id", "repository_owner_id"):
            if f"assertion.{claim} ==" not in cond:
                problems.append(f"--attribute-condition does not require assertion.{claim} (the numeric id)")
        if re.search(r"assertion\.(repository|repository_owner) ==", cond):
            problems.append("--attribute-condition compares a repository or owner NAME")
    if re.search(r"/attribute\.repository/|/attribute\.repository_owner/", script):
        problems.append("a binding names the repository or owner by name (attribute.repository/...)")
    return problems


def test_the_docs_setup_binds_to_numeric_ids_and_restricts_branches():
    text = (ROOT / "docs" / "pipeline.md").read_text()
    assert name_bindings(wif_script(text)) == []
    assert "deployment branches" in text.lower() and "restrict" in text.lower()


def test_the_check_catches_a_binding_by_name():
    old = (
        "--attribute-mapping=google.subject=assertion.sub,attribute.repository=assertion.repository \\\n"
        "  --attribute-condition=\"assertion.repository == '$REPO'\"\n"
        "--member=\"principalSet://iam.googleapis.com/projects/$NUM/locations/global/workloadIdentityPools/github/attribute.repository/$REPO\"\n"
    )
    found = name_bindings(old)
    assert "--attribute-condition does not require assertion.repository_id (the numeric id)" in found
    assert "--attribute-condition compares a repository or owner NAME" in found
    assert any("attribute.repository/" in p for p in found)
