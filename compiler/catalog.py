"""The catalog index: resolve a series name to the metric family that produces it."""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Mapping

from .names import COUNTER, GAUGE, HISTOGRAM, SUMMARY

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the lint's start-up path
if TYPE_CHECKING:
    from .model import Metric, MetricSource


class Series(namedtuple("Series", ("name", "metric", "type", "labels", "suffix"), defaults=("",))):
    """What a series name resolves to: its family (`metric`, None for a recorded output),
    the series' type and labels, and the suffix of the family's name it adds.

    `type` is the type of the series itself: a histogram's `_bucket`, `_sum` and
    `_count` are counters; its base name produces no series at all (type None).
    `labels` is None when unknown (recording-rule outputs), which disables label checks.
    A named tuple, not a dataclass, for the lint's start-up (compiler/names.py).
    """

    __slots__ = ()


# Series a histogram or summary family exposes, with the label each suffix adds.
_SUFFIXES = {
    HISTOGRAM: {"_bucket": ("le",), "_sum": (), "_count": ()},
    SUMMARY: {"": ("quantile",), "_sum": (), "_count": ()},
}


class Catalog:
    def __init__(self, metrics: Iterable[Metric], sources: Iterable[MetricSource],
                 external_labels: Iterable[str] = ()):
        self.sources: dict[str, MetricSource] = {s.name: s for s in sources}
        # Labels every series may carry whatever its source: the cluster label that
        # Thanos, Mimir or federation adds (config.CLUSTER_LABEL).
        self.external_labels = frozenset(external_labels)
        self.metrics: dict[str, Metric] = {}
        self._series: dict[str, Series] = {}
        for m in metrics:
            self.metrics[m.name] = m
            self._index(m)

    def _index(self, m: Metric) -> None:
        source = self.sources.get(m.source)
        base = frozenset(m.labels) | frozenset(source.target_labels if source else ()) | self.external_labels
        if m.type in _SUFFIXES:
            for suffix, extra in _SUFFIXES[m.type].items():
                kind = GAUGE if suffix == "" else COUNTER
                self._series[m.name + suffix] = Series(m.name + suffix, m, kind, base | frozenset(extra), suffix)
            if m.type == HISTOGRAM:
                # The bare histogram name is no series; remember it for a helpful message.
                self._series.setdefault(m.name, Series(m.name, m, None, base))
        else:
            self._series[m.name] = Series(m.name, m, m.type, base)

    def add_recorded(self, names: Iterable[str]) -> None:
        """Recording-rule outputs are known series whose labels we do not track."""
        for name in names:
            self._series.setdefault(name, Series(name, None, None, None))

    def copy(self) -> "Catalog":
        """A catalog with the same metrics whose recorded outputs can grow separately."""
        other = object.__new__(Catalog)
        other.sources, other.metrics, other._series = self.sources, self.metrics, dict(self._series)
        other.external_labels = self.external_labels
        return other

    def lookup(self, series_name: str) -> Series | None:
        return self._series.get(series_name)

    def suggest(self, series_name: str) -> str | None:
        # Only series of catalog metrics: recorded outputs can number thousands in an
        # external rule file, and difflib over all of them costs milliseconds per name.
        import difflib

        names = [name for name, s in self._series.items() if s.metric is not None]
        close = difflib.get_close_matches(series_name, names, n=1, cutoff=0.75)
        return close[0] if close else None

    def values(self, series: Series, label: str) -> tuple[str, ...] | None:
        if series.metric is None:
            return None
        values: Mapping[str, tuple[str, ...]] = series.metric.values
        return values.get(label)

    def __len__(self) -> int:
        return len(self.metrics)
