"""promql/vector-matching: the two sides of a binary operation can never match.

What it checks: for `a <op> b` between two vectors (arithmetic, comparison, `and`),
one side's series all carry a label the other side's series never carry, and the
matching compares that label (no `on(...)`, or `on(...)` lists it, or `ignoring(...)`
does not). The label sets come from the one analysis (compiler/labels.py): `by (...)`
keeps its labels, the catalog knows CodeVerify's series.
Why: Prometheus matches series with equal values of the compared labels; when one side
has a label the other never has, no pair matches and the result is always empty: a
panel without data, an alert that can never fire.
Bad:  `sum by (namespace) (rate(a_total[5m])) / sum by (pod) (rate(b_total[5m]))`
Good: `sum by (namespace) (rate(a_total[5m])) / sum by (namespace) (rate(b_total[5m]))`
"""
import promql_parser as pp

from ... import labels

ID = "promql/vector-matching"
SEVERITY = "error"
SCOPE = "query"


def check(query, ctx):
    for node in query.nodes:
        if isinstance(node, pp.BinaryExpr):
            why = labels.never_matching(node, ctx.known)
            if why is not None:
                yield f"`{labels.op(node)}` can never match: {why}, so the result is always empty"
