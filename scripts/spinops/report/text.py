"""Plain-text diff report (terminal, logs): summary, impact, then one block per changed resource."""

from __future__ import annotations

from spinops.deploy import github_secret_name
from spinops.diff.compare import DiffResult
from spinops.report.checks import one_line


def summary_lines(result: DiffResult) -> list[str]:
    t = result.totals()
    env = f" ({result.env})" if result.env else ""
    lines = [f"spinops diff{env}: {result.old_label} -> {result.new_label}"]
    lines += [f"Note: {n}" for n in result.notes]
    if not result.has_changes:
        lines.append(f"No changes ({result.unchanged} resources compared).")
        return lines
    n = len(result.changes)
    lines.append(
        f"{n} resource{'s differ' if n != 1 else ' differs'}: {t['added']} added, {t['changed']} changed, "
        f"{t['removed']} removed ({result.unchanged} unchanged)"
    )
    for kind, c in result.counts().items():
        lines.append(f"  {kind}: {c['added']} added, {c['changed']} changed, {c['removed']} removed")
    lines.append("Services affected: " + (", ".join(result.services()) or "none"))
    return lines


def impact_lines(impact: dict | None) -> list[str]:
    if not impact or not impact.get("sections"):
        return []
    out = ["Halconfig impact:"]
    changed = set(impact.get("config_changed") or ())
    for sec in impact["sections"]:
        svcs = impact["services"].get(sec) or []
        desc = ", ".join(f"{s}{'' if s in changed else ' (config unchanged)'}" for s in svcs) or "no service reads it"
        out.append(f"  {sec}: {desc}")
    for sec in impact.get("enabled") or ():
        out.append(f"  enabled: {sec}")
    for sec in impact.get("disabled") or ():
        out.append(f"  disabled: {sec}")
    for c in impact.get("new_credentials") or ():
        out.append("  " + credential_text(c))
    for m in impact.get("missing_credentials") or ():
        out.append(f"  missing credential: {m['section']} is enabled but {m['path']} is not set")
    return out


def credential_text(c: dict) -> str:
    what = {"env": "env var", "file": "credential file", "secret": "Secret"}.get(c["kind"], c["kind"])
    out = f"new credential for {c['service']}: {what} {c['name']}"
    if not c.get("secret"):
        return out + " (no Secret in halconfig/secrets.yml declares it)"
    out += f" (Secret {c['secret']}, source: {c.get('source') or 'unknown'})"
    if c.get("source") == "workflow" and c["kind"] == "env":
        gh = github_secret_name(c["name"])
        out += f": add the GitHub environment secret {gh} to every environment before this merges"
        if c.get("workflow_passes") is False:
            out += (
                f", and `{c['name']}: ${{{{ secrets.{gh} }}}}` to the apply step of .github/workflows/deploy.yml "
                "(it does not pass it yet)"
            )
        elif c.get("workflow_passes"):
            out += " (.github/workflows/deploy.yml already passes it)"
    elif c.get("source") == "external":
        out += f": Secret {c['secret']} must exist in the cluster with this key before this merges"
    return out


def render_text(result: DiffResult) -> str:
    lines = summary_lines(result)
    lines += impact_lines(result.impact)
    if result.check is not None:
        lines.append(f"Checks: {one_line(result.check)}")
    for c in result.changes:
        lines.append("")
        names = f" ({c.old_name} -> {c.new_name})" if c.old_name and c.new_name and c.old_name != c.new_name else ""
        lines.append(f"=== {c.action} {c.title}{names} [{c.service}] (+{c.added_lines} -{c.removed_lines}) ===")
        lines.extend(f"# {n}" for n in c.notes)
        lines.append(c.diff.rstrip("\n"))
    return result.redact("\n".join(lines) + "\n")
