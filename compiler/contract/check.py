"""Check a merged /metrics exposition against the catalog, metric by metric.

Per catalog metric of the checked sources: missing (error), another type (error), a
series exposed twice by one source (error), label names missing or extra (error),
values of enumerated labels outside the catalog's (error), histogram buckets other
than the catalog's, compared as the Python client prints `le` (error: a query's
`le="60.0"` must find its series), help text differing (warning), exposed without
any series so that labels cannot be checked (warning). Families exposed but not catalogued are listed as notes.
Findings are located at the catalog entry (where the contract is written down) and
name the sources that showed each defect.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog import Catalog
from ..conventions import le
from ..lint.finding import ERROR, WARNING, Finding
from ..location import Location
from ..model import COUNTER, HISTOGRAM, SUMMARY, Metric
from . import APP_SOURCE
from .exposition import Exposition, Family

NOTE = "note"

# Labels a sample of a family's suffix carries besides the metric's own.
_SUFFIX_LABELS = {HISTOGRAM: {"_bucket": "le"}, SUMMARY: {"": "quantile"}}
# Series the client adds to a counter, histogram or summary: the text format exposes
# `<name>_created` as a gauge family of its own (OpenMetrics keeps it in the family).
_CREATED = "_created"


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    checked: int = 0  # catalog metrics compared
    sources: int = 0

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def counts(self) -> dict[str, int]:
        return {s: sum(f.severity == s for f in self.findings) for s in (ERROR, WARNING, NOTE)}

    def summary(self) -> str:
        c = self.counts()
        return (f"{c[ERROR]} error{'s' * (c[ERROR] != 1)}, {c[WARNING]} warning{'s' * (c[WARNING] != 1)}, "
                f"{c[NOTE]} note{'s' * (c[NOTE] != 1)}: {self.checked} catalog metrics against "
                f"{self.sources} source{'s' * (self.sources != 1)}")


def family_name(metric: Metric) -> str:
    """The family name prometheus_client's parsers give `metric` (a counter's without `_total`)."""
    return metric.name.removesuffix("_total") if metric.type == COUNTER else metric.name


def check(catalog: Catalog, exposition: Exposition, root: str, sources: tuple[str, ...] = (APP_SOURCE,),
          scraped: bool = False) -> Result:
    """Findings for every catalog metric of `sources` against `exposition`.

    `scraped`: the exposition is what Prometheus stored (a federation dump, the
    simulator), so each source's target labels may appear on its series too.
    """
    unknown = sorted(set(sources) - set(catalog.sources))
    if unknown:
        raise ValueError(f"no catalog source named {', '.join(unknown)} (known: {', '.join(sorted(catalog.sources))})")
    result = Result(sources=len(exposition.sources))
    claimed: set[str] = set()
    for metric in catalog.metrics.values():
        family = exposition.families.get(family_name(metric)) or exposition.families.get(metric.name)
        if family is not None:
            claimed.add(family.name)
            if metric.type in (COUNTER, HISTOGRAM, SUMMARY):
                claimed.add(family.name + _CREATED)
        if metric.source not in sources:
            continue
        result.checked += 1
        where = Location.of(metric.src, root, f"metric '{metric.name}'")
        target = catalog.sources[metric.source].target_labels if metric.source in catalog.sources else ()
        result.findings += _check_metric(metric, family, where, exposition, tuple(target), scraped)
    for name, family in exposition.families.items():
        if name in claimed:
            continue
        for source in family.sources:
            result.findings.append(Finding(
                Location(source, None, (f"metric '{_series_name(family)}'",)), "contract/uncatalogued", NOTE,
                f"{family.type} exposed but not in the catalog: no dashboard or alert may use it until it is",
            ))
    # The catalog's findings first, in catalog order; the notes on what it lacks after them.
    result.findings.sort(key=lambda f: (f.severity == NOTE, f.sort_key()))
    return result


def _series_name(family: Family) -> str:
    return family.name + "_total" if family.type == COUNTER else family.name


def _check_metric(metric: Metric, family: Family | None, where: Location, exposition: Exposition,
                  target: tuple[str, ...], scraped: bool) -> list[Finding]:
    def finding(rule: str, severity: str, message: str) -> Finding:
        return Finding(where, f"contract/{rule}", severity, message)

    if family is None:
        return [finding("missing", ERROR, f"{metric.type} not exposed by {_names(exposition.sources)}")]
    out = []
    for source, (typ, help_text) in sorted(family.sources.items()):
        if typ != metric.type:
            out.append(finding("type", ERROR, f"exposed as {typ} by {source}; the catalog says {metric.type}"))
        if not help_text:
            out.append(finding("help", WARNING, f"no help text in {source}; the catalog's is {metric.help!r}"))
        elif help_text != metric.help:
            out.append(finding("help", WARNING,
                               f"help text in {source} is {help_text!r}; the catalog's is {metric.help!r}"))
    if any(typ != metric.type for typ, _ in family.sources.values()):
        return out  # labels and buckets of another type's samples would only repeat the type error
    if not family.samples:
        out.append(finding("no-series", WARNING, f"exposed without any series by {_names(family.sources)}: its labels"
                           ", label values and buckets cannot be checked (record a sample first)"))
        return out
    out += _check_duplicates(family, finding)
    out += _check_labels(metric, family, target, scraped, finding)
    out += _check_values(metric, family, finding)
    if metric.type == HISTOGRAM:
        out += _check_buckets(metric, family, finding)
    return out


def _check_labels(metric: Metric, family: Family, target: tuple[str, ...], scraped: bool, finding) -> list[Finding]:
    own = set(metric.labels)
    allowed = own | (set(target) if scraped else set())
    extras = _SUFFIX_LABELS.get(metric.type, {})
    missing: dict[str, set[str]] = {}
    extra: dict[str, set[str]] = {}
    for source, sample in family.samples:
        suffix = sample.name[len(family.name):]
        names = set(sample.labels) - {extras[suffix]} if suffix in extras else set(sample.labels)
        for label in own - names:
            missing.setdefault(label, set()).add(source)
        for label in names - allowed:
            extra.setdefault(label, set()).add(source)
    out = []
    for label, where in sorted(missing.items()):
        out.append(finding("labels", ERROR, f"label `{label}` missing on series in {_names(where)}"))
    for label, where in sorted(extra.items()):
        why = ""
        if label in target:
            why = (f": `{label}` is a target label the scrape attaches, so Prometheus stores the application's "
                   f"as `exported_{label}`")
        out.append(finding("labels", ERROR, f"label `{label}` exposed by {_names(where)} is not in the catalog{why}"))
    return out


def _check_duplicates(family: Family, finding) -> list[Finding]:
    """A series exposed twice in one scrape: Prometheus keeps one and counts the scrape's samples as duplicates."""
    seen: set[tuple] = set()
    twice: dict[str, set[str]] = {}
    for source, sample in family.samples:
        # str(): an OpenMetrics Timestamp is not hashable.
        key = (source, sample.name, tuple(sorted(sample.labels.items())), str(sample.timestamp))
        if key in seen:
            twice.setdefault(source, set()).add(_selector(sample))
        seen.add(key)
    return [finding("duplicate", ERROR, f"{source} exposes {len(series)} series more than once, e.g. {min(series)}: "
                                        "Prometheus drops the repeats and counts them as duplicate samples")
            for source, series in sorted(twice.items())]


def _selector(sample) -> str:
    labels = ", ".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
    return f"{sample.name}{{{labels}}}"


def _check_values(metric: Metric, family: Family, finding) -> list[Finding]:
    out = []
    for label, allowed in sorted(metric.values.items()):
        bad: dict[str, set[str]] = {}
        for source, sample in family.samples:
            value = sample.labels.get(label)
            if value is not None and value not in allowed:
                bad.setdefault(value, set()).add(source)
        if bad:
            shown = ", ".join(f'"{v}" ({_names(s)})' for v, s in sorted(bad.items()))
            out.append(finding("values", ERROR, f"label `{label}` has values outside the catalog's "
                                                f"({', '.join(allowed)}): {shown}"))
    return out


def _check_buckets(metric: Metric, family: Family, finding) -> list[Finding]:
    """Each histogram series' `le` set against the catalog's, as strings: `le="60"` is not `le="60.0"`."""
    want = [le(b) for b in metric.buckets] + ["+Inf"]
    per_series: dict[tuple, set[str]] = {}
    for source, sample in family.samples:
        if sample.name == family.name + "_bucket" and "le" in sample.labels:
            key = (source, tuple(sorted((k, v) for k, v in sample.labels.items() if k != "le")))
            per_series.setdefault(key, set()).add(sample.labels["le"])
    differing: dict[frozenset, set[str]] = {}
    for (source, _), bounds in per_series.items():
        if bounds != set(want):
            differing.setdefault(frozenset(bounds), set()).add(source)
    out = []
    for bounds, sources in sorted(differing.items(), key=lambda item: sorted(item[0])):
        missing = [b for b in want if b not in bounds]
        extra = sorted(bounds - set(want), key=_bound)
        parts = []
        if missing:
            parts.append(f"missing le {', '.join(missing)}")
        if extra:
            parts.append(f"extra le {', '.join(extra)}")
        same_numbers = sorted(map(_bound, bounds)) == sorted(map(_bound, want))
        hint = " (the same bounds printed otherwise: queries matching the catalog's `le` find nothing)" \
            if same_numbers else ""
        out.append(finding("buckets", ERROR, f"buckets in {_names(sources)} differ from the catalog's "
                                             f"({', '.join(want)}): {'; '.join(parts)}{hint}"))
    return out


def _bound(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def _names(sources) -> str:
    sources = sorted(sources)
    return sources[0] if len(sources) == 1 else f"{len(sources)} sources ({', '.join(sources)})"
