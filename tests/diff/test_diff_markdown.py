"""The PR comment: marker, summary first, sections per service, size-safe, never empty."""

from __future__ import annotations

import re

from diff_helpers import configmap, deployment

from spinops.diff import compare
from spinops.report.checks import summarise
from spinops.report.markdown import COMMENT_BUDGET, SUMMARY_BUDGET, marker, render_markdown

GITHUB_LIMIT = 65_536


def size(s: str) -> int:
    return len(s.encode())


def test_no_changes_is_a_short_comment_with_the_marker():
    r = compare([deployment("fiat")], [deployment("fiat")])
    r.env = "production"
    md = render_markdown(r)
    assert md.startswith("<!-- spinops-diff:production -->\n")
    assert "**No changes**" in md and "<details>" not in md
    assert size(md) < 1000


def test_summary_and_table_come_before_sections_grouped_by_service():
    old = [deployment("fiat"), deployment("echo-worker", svc="echo"), configmap("x", {"a": "1"})]
    new = [
        deployment("fiat", cpu="2"),
        deployment("echo-worker", svc="echo", image="img:2"),
        configmap("x", {"a": "2"}),
    ]
    r = compare(old, new)
    r.env = "staging"
    r.check = summarise(
        {
            "findings": [
                {
                    "severity": "warning",
                    "message": "no memory limit",
                    "rule": "mem",
                    "resource": {"kind": "Deployment", "name": "fiat", "namespace": "spinnaker"},
                }
            ]
        }
    )
    md = render_markdown(r)
    assert md.splitlines()[0] == marker("staging") == "<!-- spinops-diff:staging -->"
    first_details = md.index("<details>")
    for needle in (
        "| Environment | `staging` |",
        "| Services affected | `echo`, `fiat` |",
        "| Checks | 1 warning |",
        "| Deployment | 0 | 2 | 0 |",
        "| **Total** | **0** | **3** | **0** |",
    ):
        assert md.index(needle) < first_details, needle
    headings = re.findall(r"^#### (\S+)$", md, flags=re.M)
    assert headings == ["echo", "fiat", "other"]
    assert md.index("#### Check findings") < first_details
    assert md.count("<details>") == md.count("</details>") == 3
    assert "`spinnaker/Deployment/fiat`: no memory limit (mem)" in md


def big_change(n_resources: int, lines_each: int) -> tuple[list[dict], list[dict]]:
    old, new = [], []
    for i in range(n_resources):
        body_old = "".join(f"key{j}: value-{j}\n" for j in range(lines_each))
        body_new = "".join(f"key{j}: value-{j}-changed\n" for j in range(lines_each))
        old.append(configmap(f"cm-{i:04d}", {"file.yml": body_old}, svc=f"svc{i % 7}"))
        new.append(configmap(f"cm-{i:04d}", {"file.yml": body_new}, svc=f"svc{i % 7}"))
    return old, new


def test_largest_sections_are_cut_first_and_the_comment_says_so():
    old, new = big_change(6, 20)
    # one huge change among small ones
    old.append(configmap("huge", {"f": "".join(f"l{j}: a\n" for j in range(4000))}, svc="svc0"))
    new.append(configmap("huge", {"f": "".join(f"l{j}: b\n" for j in range(4000))}, svc="svc0"))
    r = compare(old, new)
    full = render_markdown(r, budget=None)
    assert size(full) > COMMENT_BUDGET
    md = render_markdown(r)
    assert size(md) <= COMMENT_BUDGET
    assert "shortened to fit" in md and "`ConfigMap spinnaker/huge`" in md
    assert "more lines cut to fit the comment" in md
    # the small diffs are intact: every changed line of cm-0000 is there
    assert all(f"+    key{j}: value-{j}-changed" in md for j in range(20))
    assert "job summary" in md


def test_three_thousand_resources_stay_under_the_limit_and_say_what_was_cut():
    old, new = big_change(3000, 3)
    r = compare(old, new)
    r.env = "production"
    md = render_markdown(r)
    assert size(md) <= COMMENT_BUDGET < GITHUB_LIMIT
    assert md.startswith(marker("production"))
    assert "3000 resources differ" in md and "| ConfigMap | 0 | 3000 | 0 |" in md
    m = re.search(r"(\d+) resources are not listed", md)
    assert m and int(m.group(1)) > 0
    listed = len(re.findall(r"^- ~ changed `ConfigMap", md, flags=re.M))
    assert listed + int(m.group(1)) == 3000
    assert f"... and {m.group(1)} more resources" in md
    # the full report (job summary) keeps much more, within 1 MiB
    full = render_markdown(r, budget=SUMMARY_BUDGET)
    assert COMMENT_BUDGET < size(full) <= SUMMARY_BUDGET
    assert render_markdown(r) == md  # deterministic


def test_code_fences_in_content_do_not_break_the_comment():
    r = compare([configmap("c", {"README.md": "```\nold\n```\n"})], [configmap("c", {"README.md": "```\nnew\n```\n"})])
    md = render_markdown(r)
    assert "````diff" in md


def test_even_a_huge_summary_never_exceeds_the_budget():
    r = compare([deployment("fiat")], [deployment("fiat", cpu="2")])
    r.impact = {
        "sections": [f"section{i}.sub{i}" for i in range(3000)],
        "services": {},
        "affected": [],
        "config_changed": [],
    }
    md = render_markdown(r)
    assert size(md) <= COMMENT_BUDGET and md.startswith("<!-- spinops-diff:default -->")
    assert "even in short form" in md


# --- polish of the PR comment (issue 12 item 6) ---------------------------------------------------------------


def test_the_info_table_has_no_empty_header_row():
    r = compare([deployment("fiat")], [deployment("fiat", cpu="2")])
    r.env = "production"
    md = render_markdown(r)
    assert "| | |" not in md
    assert "| Environment | `production` |\n| --- | --- |\n| Services affected | `fiat` |" in md


def test_identical_findings_are_grouped_and_an_error_is_never_pushed_out():
    same = {"severity": "warning", "message": "no probe", "rule": "probes"}
    findings = [
        {
            **same,
            "resource": {"kind": "Deployment", "name": f"svc{i}"},
            "source": {"file": "kustomize/base/x.yml", "line": i + 1},
        }
        for i in range(12)
    ]
    findings += [{"severity": "warning", "message": f"other {i}", "rule": "r"} for i in range(9)]
    findings.append(
        {
            "severity": "error",
            "message": "runs as root",
            "rule": "non-root",
            "resource": {"kind": "Deployment", "name": "gate"},
            "source": {"file": "kustomize/base/gate/deployment.yml", "line": 7},
        }
    )
    r = compare([deployment("fiat")], [deployment("fiat", cpu="2")])
    r.check = summarise({"findings": findings})
    md = render_markdown(r)
    lines = [ln for ln in md.splitlines() if ln.startswith("- **")]
    assert (
        lines[0] == "- **error** `Deployment/gate` at `kustomize/base/gate/deployment.yml:7`: runs as root (non-root)"
    )
    assert (
        lines[1].startswith("- **warning** ×12 `Deployment/svc0`, `Deployment/svc1`, ")
        and " and 9 more at `kustomize/base/x.yml:1`, " in lines[1]
    )
    assert lines[1].endswith(" and 9 more: no probe (probes)")
    assert len(lines) == 10 and "- ... and 1 more kinds of finding" in md


def test_a_configmap_section_names_the_embedded_files_that_changed():
    old = [configmap("echo-config", {"echo.yml": "a: 1\n", "spinnaker.yml": "x: 1\n", "gone.yml": "1"}, svc="echo")]
    new = [
        configmap(
            "echo-config", {"echo.yml": "a: 2\n", "spinnaker.yml": "x: 1\n", "echo-local.yml": "b: 1\n"}, svc="echo"
        )
    ]
    r = compare(old, new)
    [c] = r.changes
    assert c.notes == ["files: changed echo.yml; added echo-local.yml; removed gone.yml"]
    assert "- files: changed echo.yml; added echo-local.yml; removed gone.yml" in render_markdown(r)


def test_a_release_upgrade_has_one_summary_line():
    repo = "us-docker.pkg.dev/spinnaker-community/docker/"
    old = [deployment(s, image=f"{repo}{s}:spinnaker-1.36.1") for s in ("gate", "orca", "fiat")]
    new = [deployment(s, image=f"{repo}{s}:spinnaker-1.36.3") for s in ("gate", "orca", "fiat")]
    r = compare(old, new)
    assert r.release_change() == ("1.36.1", "1.36.3")
    assert "**Spinnaker release: `1.36.1` → `1.36.3`**" in render_markdown(r)
    mixed = compare(old, [deployment("gate", image=f"{repo}gate:spinnaker-1.36.3"), *old[1:]])
    assert mixed.release_change() == ("1.36.1", "1.36.3")
    assert (
        compare(
            old, [deployment(s, image=f"{repo}{s}:spinnaker-1.36.1", cpu="2") for s in ("gate", "orca", "fiat")]
        ).release_change()
        is None
    )
