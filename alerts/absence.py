"""`absent()` conditions shaped as every CodeVerify alert is: one alert per namespace, `namespace` kept."""
from __future__ import annotations

import config


def absent(*selectors: str) -> str:
    """An expression that is 1 for the app namespace while any of `selectors` selects no series.

    absent() carries the labels of its equality matchers (`namespace`, `app`): label_replace
    restates the namespace for the alerts/routing lint, whose label analysis does not read
    absent()'s labels, and `sum by (namespace)` drops the rest, so that several selectors
    (or an `or` with another condition) give one alert with one label set.
    """
    either = " or ".join(f"absent({s})" for s in selectors)
    return (f"sum by (namespace) (\n"
            f'  label_replace({either}, "namespace", "{config.APP_NAMESPACE}", "", "")\n'
            f")")
