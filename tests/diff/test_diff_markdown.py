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
    new = [deployment("fiat", cpu="2"), deployment("echo-worker", svc="echo", image="img:2"), configmap("x", {"a": "2"})]
    r = compare(old, new)
    r.env = "staging"
    r.check = summarise({"findings": [{"severity": "warning", "message": "no memory limit", "rule": "mem", "resource": {"kind": "Deployment", "name": "fiat", "namespace": "spinnaker"}}]})
    md = render_markdown(r)
    assert md.splitlines()[0] == marker("staging") == "<!-- spinops-diff:staging -->"
    first_details = md.index("<details>")
    for needle in ("| Environment | `staging` |", "| Services affected | `echo`, `fiat` |", "| Checks | 1 warning |", "| Deployment | 0 | 2 | 0 |", "| **Total** | **0** | **3** | **0** |"):
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
    r.impact = {"sections": [f"section{i}.sub{i}" for i in range(3000)], "services": {}, "affected": [], "config_changed": []}
    md = render_markdown(r)
    assert size(md) <= COMMENT_BUDGET and md.startswith("<!-- spinops-diff:default -->")
    assert "even in short form" in md
