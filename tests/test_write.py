"""The writer's YAML fast paths write exactly what PyYAML writes, and the tree is written as promised."""
from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import pipeline, write
from compiler.write import JsonBlock, RenderedItems, json_size, to_json, to_yaml, yaml_text

@pytest.fixture
def repo(tmp_path):
    """A copy of this repository's definitions and out/, to build and break."""
    import shutil

    from conftest import ROOT
    root = tmp_path / "repo"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "tests", ".preview"))
    return root


JSON = '{\n  "panels": [\n    {\n      "title": "Latency › p95 ≤ 0.5 s"\n    }\n  ]\n}\n'


_JSON_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["\x7f", "a\nb", '"q"', "back\\slash", "tab\t", "🚀", "\u2028", "\ufeff", " ", ""])
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_JSON_TEXT, _JSON_VALUES, max_size=5), st.integers(0, 3))
def test_json_blocks_are_written_and_measured_as_their_text_would_be(obj, depth):
    """A dashboard ConfigMap keeps its JSON as bytes: same YAML, same size as with the decoded text."""
    def doc(value):
        inner = {"name.json": value, "other": "x"}
        for _ in range(depth):
            inner = {"data": inner, "kind": "ConfigMap"}
        return inner
    text = to_json(obj).decode()
    assert to_yaml(doc(JsonBlock.of(obj)), "src") == to_yaml(doc(text), "src")
    assert json_size(doc(JsonBlock.of(obj))) == len(to_json(doc(text)))


def test_json_without_its_last_line_break_is_left_to_pyyaml():
    # lines() writes a literal block of every line but the last break: without one, PyYAML's.
    data = b'{\n  "a": 1\n}'
    assert not JsonBlock(data).fits()
    assert to_yaml({"k": JsonBlock(data)}, "src") == to_yaml({"k": data.decode()}, "src")


GROUPS = [
    {"name": "a", "rules": [{"alert": "A", "expr": "sum(rate(x[5m]))\n/\nsum(rate(y[5m]))",
                             "labels": {"severity": "critical"}, "annotations": {}}]},
    {"interval": "1m", "name": "b", "rules": [{"record": "r:x:sum", "expr": "sum(x)"}, {"record": "e", "expr": ""}]},
]


@pytest.mark.parametrize("groups", [GROUPS, GROUPS[:1], []], ids=["two groups", "one group", "no group"])
def test_rendered_items_are_written_as_pyyaml_writes_the_list(groups):
    items = [yaml_text({"groups": [g]}).removeprefix("groups:\n") for g in groups]
    doc = {"apiVersion": "v1", "spec": {"groups": None}, "z": [1, 2.5, None, True]}
    fast = yaml_text({**doc, "spec": {"groups": RenderedItems(groups, items)}})
    slow = yaml_text({**doc, "spec": {"groups": groups}})
    assert fast == slow


def test_floats_print_as_written():
    assert yaml_text({"a": 0.001, "b": 14.4, "c": 1e-05, "d": float("inf")}) == \
        "a: 0.001\nb: 14.4\nc: 1.0e-05\nd: .inf\n"


def test_write_prunes_what_it_no_longer_generates_and_leaves_other_files(tmp_path):
    out = tmp_path / "out"
    assert write.write(str(out), {"a.yaml": b"a\n", "sub/b.json": b"{}\n"}) == 3  # and the manifest
    (out / "mine.txt").write_text("not generated")
    assert write.write(str(out), {"a.yaml": b"a\n"}) == 2  # b removed, manifest rewritten
    assert sorted(p.name for p in out.iterdir()) == [".generated", "a.yaml", "mine.txt"]
    assert write.write(str(out), {"a.yaml": b"a\n"}) == 0
    assert not write.check(str(out), {"a.yaml": b"a\n"})


def test_staged_files_appear_only_on_commit(tmp_path):
    out = tmp_path / "out"
    staging = write.Staging(str(out))
    staging.add("grafana/a.json", b"{}\n")
    staging.add("b.yaml", b"b\n")
    staging._finish()  # the temporaries are written ...
    assert not (out / "grafana" / "a.json").exists() and not (out / "b.yaml").exists()
    assert staging.commit({"grafana/a.json": b"{}\n", "b.yaml": b"b\n"}) == 3  # ... and renamed by commit
    assert (out / "grafana" / "a.json").read_bytes() == b"{}\n"
    assert sorted(p.name for p in out.rglob("*")) == [".generated", "a.json", "b.yaml", "grafana"]


def test_a_discarded_staging_leaves_no_trace(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.yaml").write_text("mine")
    staging = write.Staging(str(out))
    staging.add("deep/er/a.json", b"{}\n")
    staging.add("keep.yaml", b"changed")
    staging.discard()
    assert sorted(p.name for p in out.rglob("*")) == ["keep.yaml"]
    assert (out / "keep.yaml").read_text() == "mine"


def test_a_failing_build_leaves_out_untouched_even_while_staging(repo):
    """The lint runs beside the rendering; a lint error discards what was staged."""
    root = repo
    before = {p.relative_to(root): p.read_bytes() for p in (root / "out").rglob("*") if p.is_file()}
    api = root / "alerts" / "api.py"
    api.write_text(api.read_text().replace("codeverify_http_requests_total", "codeverify_http_request_total", 1))
    result = pipeline.build(str(root), fork=True, stage=str(root / "out"))
    assert not result.ok and result.staging is None
    after = {p.relative_to(root): p.read_bytes() for p in (root / "out").rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.slow
@pytest.mark.parametrize("broken", [False, True], ids=["clean project", "a lint error"])
def test_a_forked_build_equals_a_serial_one(repo, broken):
    """Linting in a forked child (the default on two cores) changes nothing in what a build returns."""
    root = repo
    if broken:
        api = root / "alerts" / "api.py"
        api.write_text(api.read_text().replace("codeverify_http_requests_total", "codeverify_http_request_total", 1))
    serial = pipeline.build(str(root), fork=False)
    forked = pipeline.build(str(root), fork=True)
    assert [str(f) for f in forked.findings] == [str(f) for f in serial.findings]
    assert forked.files == serial.files and forked.trees == serial.trees
    assert bool(serial.files) is not broken


def test_rendered_items_ending_a_document_are_left_to_pyyaml():
    """A group whose last string keeps its trailing newlines: libyaml ends its file with `...`."""
    group = {"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "annotations": {"summary": "down\n\n"}}]}
    text = yaml_text({"groups": [group]})
    assert text.endswith("...\n")
    items = [text.removeprefix("groups:\n")]
    fast = yaml_text({"spec": {"groups": RenderedItems([group], items)}, "z": 1})
    assert fast == yaml_text({"spec": {"groups": [group]}, "z": 1})
    assert yaml.safe_load(fast)["z"] == 1


@pytest.mark.parametrize("shape", [
    pytest.param(lambda v: {"k": [{"a": v, "b": 1}]}, id="a mapping value in a list item"),
    pytest.param(lambda v: {"k": [{"x": [{"a": v}]}]}, id="nested list items"),
    pytest.param(lambda v: [[v]], id="a list item itself"),
    pytest.param(lambda v: {"k": [v, v]}, id="list items of a mapping"),
])
def test_spliced_values_anywhere_are_written_as_pyyaml_writes_them(shape):
    group = {"name": "g", "rules": [{"record": "r", "expr": "sum(x)\n/\nsum(y)"}]}
    items = [yaml_text({"groups": [group]}).removeprefix("groups:\n")]
    for spliced, plain in ((JsonBlock(JSON.encode()), JSON), (RenderedItems([group], items), [group])):
        assert yaml_text(shape(spliced)) == yaml_text(shape(plain))


def test_keys_of_mixed_types_are_written_unsorted_as_pyyaml_does():
    assert yaml_text({"b": 1, 2: "x"}) == yaml.dump({"b": 1, 2: "x"}, Dumper=yaml.CSafeDumper, sort_keys=True,
                                                    default_flow_style=False)


def test_an_interrupted_forked_build_leaves_no_temporaries_and_no_child(repo, monkeypatch):
    import os
    root = repo
    (root / "out" / "grafana" / "codeverify-overview.json").write_text("{}\n")  # so that something is staged

    def interrupted(project):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "render_tests", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build(str(root), fork=True, stage=str(root / "out"))
    assert not [p for p in (root / "out").rglob(".tmp-*")]
    assert (root / "out" / "grafana" / "codeverify-overview.json").read_text() == "{}\n"
    try:
        assert os.waitpid(-1, os.WNOHANG) == (0, 0), "a child is left to reap"
    except ChildProcessError:
        pass  # no child at all


def test_a_path_rendered_twice_is_an_error_and_stages_nothing(repo):
    root = repo
    config = root / "config.py"
    config.write_text(config.read_text() + "\nSLO_RULES_NAME = RULES_NAME\n")
    result = pipeline.build(str(root), fork=True, stage=str(root / "out"))
    errors = [f for f in result.findings if f.severity == "error"]
    assert [f.rule for f in errors] == ["render/duplicate-path"] and "prometheusrule-" in errors[0].message
    assert not result.files and result.staging is None
    assert not [p for p in (root / "out").rglob(".tmp-*")]
