"""Findings as text, JSON or SARIF 2.1.0 (GitHub code scanning)."""
from __future__ import annotations

from .finding import ERROR, NOTE, WARNING, Finding

FORMATS = ("text", "json", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(findings: list[Finding], fmt: str, rules=()) -> str:
    if fmt == "text":  # what a hook prints: without importing json
        return "".join(f"{f}\n" for f in findings)
    import json

    if fmt == "json":
        return json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif(findings, rules), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")


def summary(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = sum(1 for f in findings if f.severity == WARNING)
    notes = sum(1 for f in findings if f.severity == NOTE)
    text = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    return text + (f", {notes} note{'s' * (notes != 1)}" if notes else "")


def sarif(findings: list[Finding], rules=()) -> dict:
    """One run; every rule of the registry as a reportingDescriptor, each finding a result."""
    descriptors = [_descriptor(r.ID, r.__doc__ or "", r.SEVERITY) for r in rules]
    known = {d["id"] for d in descriptors}
    for f in findings:  # framework findings (input/*, lint/ignore, dashboard/size)
        if f.rule not in known:
            known.add(f.rule)
            descriptors.append(_descriptor(f.rule, "", f.severity))
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for f in findings:
        location: dict = {"physicalLocation": {"artifactLocation": {"uri": f.location.file}}}
        if f.location.line:
            location["physicalLocation"]["region"] = {"startLine": f.location.line}
        if f.location.path:
            location["logicalLocations"] = [{"fullyQualifiedName": " › ".join(f.location.path)}]
        results.append({
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.severity if f.severity in (ERROR, WARNING, NOTE) else "warning",
            "message": {"text": f"{' › '.join(f.location.path)}: {f.message}" if f.location.path else f.message},
            "locations": [location],
        })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "codeverify-monitoring-lint", "rules": descriptors}},
            "results": results,
        }],
    }


def _descriptor(rule_id: str, doc: str, severity: str) -> dict:
    first, _, rest = doc.strip().partition("\n")
    out = {
        "id": rule_id,
        "name": rule_id.replace("/", "-"),
        "shortDescription": {"text": first.split(": ", 1)[-1] if first else rule_id},
        "defaultConfiguration": {"level": "error" if severity == ERROR else "warning"},
    }
    if rest.strip():
        out["fullDescription"] = {"text": rest.strip()}
    return out
