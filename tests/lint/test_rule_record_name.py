"""rule/record-name: level:metric:operations."""
import pytest

from compiler.lint.rules import rule_record_name as rule
from lintkit import lint_text, project, rule_file  # noqa: F401


@pytest.mark.parametrize("name, ok", [
    pytest.param("namespace:codeverify_http_requests:rate5m", True, id="three parts"),
    pytest.param("slo:sli_error:ratio_rate5m", True, id="an SLO recording"),
    pytest.param("http_error_ratio", False, id="no colons"),
    pytest.param("job:http_errors", False, id="two parts"),
    pytest.param(":node_memory_MemAvailable_bytes:sum", True, id="an empty level: no labels kept"),
    pytest.param("node_namespace_pod:kube_pod_info:", False, id="no operations"),
])
def test_record_name(lint_text, name, ok):
    findings = lint_text(rule_file({"record": name, "expr": "sum(codeverify_queue_length)"}), rule)
    assert (findings == []) == ok


@pytest.mark.parametrize("name, expr, ok", [
    pytest.param("sloth_slo_info", "vector(1)", True, id="an info series of constant 1 (Sloth's) is not reported"),
    pytest.param("sloth_slo_info", "1", True, id="an info series as a bare number is not reported"),
    pytest.param("queue_info", "max(codeverify_queue_length)", False, id="an _info name that computes is reported"),
    pytest.param("slo_objective", "vector(0.999)", False, id="a constant without _info is reported"),
])
def test_info_series(lint_text, name, expr, ok):
    findings = lint_text(rule_file({"record": name, "expr": expr}), rule)
    assert (findings == []) == ok
