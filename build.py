#!/usr/bin/env python3
"""Compile CodeVerify's monitoring definitions into out/ (see README.md).

Exit status: 0 ok; 1 lint errors, stale out/ or tests/promtool/, or a failed verify;
2 usage or load error, or verify without prometheus/promtool; 130 Ctrl-C; 128 + N when
stopped by signal N (SIGTERM, SIGHUP), after its children and temporaries are gone.
"""
from __future__ import annotations

import gc
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # the compiler package lives beside this file

if __name__ == "__main__" and "lint" in sys.argv[1:4]:
    # `build.py [--root DIR] lint PATH...` runs once per file in pre-commit hooks: it starts
    # without click and the pipeline (compiler/lint/cli.py), unless its arguments need click.
    from compiler.lint.cli import main as _lint_main

    _status = _lint_main(sys.argv[1:], HERE)
    if _status is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_status)  # no interpreter teardown: nothing is left to flush or close

import click  # noqa: E402

from compiler import children, lint, pipeline, promql, write  # noqa: E402
from compiler.errors import LoadError, OutputError, UsageError  # noqa: E402
from compiler.forked import ChildFailed  # noqa: E402


def _fail(message: str, code: int = 2):
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _print_findings(findings) -> None:
    for finding in findings:
        click.echo(str(finding), err=True)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", default=HERE, show_default="this repository", help="Project root to build.")
@click.option("--out", "out_dir", default=None, help="Output directory (default: <root>/out).")
@click.option("--check", is_flag=True, help="Render in memory and exit 1 if out/ is stale; write nothing.")
@click.option("--strict", is_flag=True, help="Fail on lint warnings too.")
@click.option("--debug", is_flag=True, help="Show tracebacks for load errors.")
@click.pass_context
def cli(ctx, root, out_dir, check, strict, debug):
    """Build out/ from the definitions: lint, expand SLOs, emit, write."""
    ctx.obj = {"root": os.path.abspath(root), "debug": debug, "strict": strict}
    if ctx.invoked_subcommand is not None:
        return
    started = time.perf_counter()
    out = os.path.abspath(out_dir or pipeline.default_out(ctx.obj["root"]))
    # Outside --check, changed files are written as temporaries while the lint finishes.
    # --debug lints in this process, so that a crash in a lint rule shows its traceback.
    result = _run(lambda: pipeline.build(ctx.obj["root"], strict, fork=False if debug else None,
                                         stage=None if check else out), debug)
    _print_findings(result.findings)
    if not result.ok or lint.has_errors(result.findings, strict) or not result.files:
        click.echo("build failed: out/ left unchanged", err=True)
        sys.exit(1)
    dests = result.destinations(out_dir)
    if check:
        _check_only(dests, debug)
        return
    staging = result.staging if result.staging and result.staging.out == out else None
    changed = _run(lambda: sum(staging.commit(files) if staging and directory == out else write.write(directory, files)
                               for directory, files in dests.items()), debug)
    s = result.summary()
    trees = ", ".join(f"{len(files)} in {os.path.relpath(d)}" for d, files in dests.items())
    click.echo(
        f"built {s['dashboards']} dashboards, {s['panels']} panels, {s['alerts']} alerts, "
        f"{s['records']} recording rules -> {trees} "
        f"({changed} changed) in {time.perf_counter() - started:.2f}s"
    )


def _check_only(dests: dict, debug: bool) -> None:
    """--check: each output tree against what the build renders; exit 1 naming the drift."""
    stale = False
    for directory, files in dests.items():
        drift = _run(lambda: write.check(directory, files), debug)
        for line in drift.lines():
            click.echo(f"{os.path.relpath(directory)}: {line}", err=True)
        if drift:
            click.echo(f"{os.path.relpath(directory)} is out of date: run `python build.py`", err=True)
        stale = stale or bool(drift)
    if stale:
        sys.exit(1)
    for directory, files in dests.items():
        click.echo(f"{os.path.relpath(directory)} is up to date ({len(files)} files)")


def _built(ctx):
    """The in-memory build of the project, or exit 1 with its findings."""
    result = _run(lambda: pipeline.build(ctx.obj["root"], ctx.obj["strict"]), ctx.obj["debug"])
    if not result.ok or lint.has_errors(result.findings, ctx.obj["strict"]) or not result.files:
        _print_findings(result.findings)
        _fail("the build fails, so there is nothing to compare", 1)
    return result


@cli.command()
@click.option("--base", "base_rev", default=None, help="Git revision to compare with (default: merge base with main, else HEAD).")
@click.option("--format", "fmt", type=click.Choice(("text", "markdown")), default="text", show_default=True)
@click.option("--changed-only", is_flag=True, help="Leave out the count of unchanged dashboards and rules.")
@click.pass_context
def diff(ctx, base_rev, fmt, changed_only):
    """Show what the current definitions change in out/, in reviewer terms."""
    from compiler import review  # the build itself does not need it (start-up time)

    result = _built(ctx)
    report = _run(lambda: review.report(ctx.obj["root"], result.files, base_rev), ctx.obj["debug"])
    click.echo(review.format_report(report, fmt, show_unchanged=not changed_only), nl=False)


@cli.command()
@click.option("--prometheus-url", default=None,
              help="Plot data from this Prometheus (default: a synthetic CodeVerify in a local Prometheus).")
@click.option("--layout-only", is_flag=True, help="Draw the layout without data.")
@click.option("--out", "out_dir", default=".preview", show_default=True, help="Directory for the PNGs.")
@click.option("--changed-only", is_flag=True, help="Only dashboards changed against --base.")
@click.option("--base", "base_rev", default=None, help="Git revision for --changed-only (default: merge base with main).")
@click.pass_context
def preview(ctx, prometheus_url, layout_only, out_dir, changed_only, base_rev):
    """Render a PNG per dashboard, laid out as Grafana lays it out, with each panel's data."""
    from compiler import review
    from compiler.proving import verify as e2e

    result = _built(ctx)
    uids = None
    if changed_only:
        report = _run(lambda: review.report(ctx.obj["root"], result.files, base_rev), ctx.obj["debug"])
        uids = report.changed_dashboards()
    started = time.perf_counter()

    def render(source):
        return _run(lambda: review.preview.render_all(result.files, out_dir, uids, source), ctx.obj["debug"])

    if layout_only:
        done = render(None)
    elif prometheus_url:
        done = render(_run(lambda: review.data.prometheus(prometheus_url, time.time()), ctx.obj["debug"]))
    else:
        try:
            e2e.tools()
        except e2e.ToolMissing as exc:
            click.echo(f"{exc}\npreviews show the layout only", err=True)
            done = render(None)
        else:
            hours = review.data.RANGE_SECONDS / 3600 + 1

            def synthetic():
                with e2e.synthetic_prometheus(result, hours) as (url, _, _):
                    # Recorded series (the SLO dashboard) exist from the server's own evaluations on.
                    e2e.query_time(result.project, url, 0)
                    return review.preview.render_all(result.files, out_dir, uids,
                                                      review.data.prometheus(url, time.time()))
            done = _run(synthetic, ctx.obj["debug"])  # any failure one line (its temporary directory removed, say)
    for uid in sorted(done):
        click.echo(os.path.join(out_dir, f"{uid}.png"))
    what = "changed " if changed_only else ""
    click.echo(f"rendered {len(done)} {what}dashboard previews in {time.perf_counter() - started:.2f}s", err=True)


# verify's backfill: a quarter of an hour holds the 5m rate windows' scrapes; a week
# is already 24 million samples to generate (3 hours: 420,000).
HOURS_RANGE = (0.25, 168.0)


def _hours(ctx, param, value: float) -> float:
    low, high = HOURS_RANGE
    if not (low <= value <= high):  # false for nan too
        raise click.BadParameter(f"{value!r} is not a number of hours from {low} to {high:.0f}")
    return value


@cli.command()
@click.option("--hours", default=3.0, show_default=True, callback=_hours, help="Hours of synthetic data to backfill.")
@click.option("--prometheus-url", default=None,
              help="Instead: check, read-only, a live Prometheus (production, staging) for the series, rules and targets.")
@click.option("--since", default="1h", show_default=True, help="With --prometheus-url: the window queries must have series in.")
@click.option("--bearer-token-file", envvar="PROMETHEUS_BEARER_TOKEN_FILE", default=None,
              help="With --prometheus-url: file holding a bearer token (env PROMETHEUS_BEARER_TOKEN_FILE).")
@click.option("--query-timeout", default=30.0, show_default=True, help="With --prometheus-url: seconds per query.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True,
              help="With --prometheus-url: the report as text or JSON.")
@click.pass_obj
def verify(obj, hours, prometheus_url, since, bearer_token_file, query_timeout, fmt):
    """Run every alert scenario, dashboard target and rule in a real Prometheus on synthetic data."""
    from compiler.proving import verify as e2e

    if prometheus_url:
        _verify_live(obj, prometheus_url, since, bearer_token_file, query_timeout, fmt)
    try:
        e2e.tools()
    except e2e.ToolMissing as exc:
        _fail(str(exc))
    result = _run(lambda: pipeline.build(obj["root"]), obj["debug"])
    _print_findings(result.findings)
    if not result.ok or not result.files:
        click.echo("build failed: fix the findings above, then verify", err=True)
        sys.exit(1)
    try:
        report = e2e.verify(result, hours=hours)
    except RuntimeError as exc:  # promtool refused the data, or prometheus did not start
        _fail(str(exc), 1)
    for line in report.lines():
        click.echo(line)
    sys.exit(0 if report.ok else 1)


def _verify_live(obj, url, since, token_file, timeout, fmt):
    """verify --prometheus-url: the definitions' queries, rules and targets against a live Prometheus; exits."""
    from compiler import conventions
    from compiler.proving import live
    from compiler.proving.verify import QueryError

    if not url.startswith(("http://", "https://")):
        _fail(f"--prometheus-url {url!r}: give an http(s):// URL")
    try:
        conventions.seconds(since)
        token = live.read_token(token_file) if token_file else None
    except ValueError as exc:
        _fail(str(exc))
    result = _run(lambda: pipeline.build(obj["root"]), obj["debug"])
    _print_findings(result.findings)
    if not result.ok or not result.files:
        click.echo("build failed: fix the findings above, then verify", err=True)
        sys.exit(1)
    def run():
        try:
            return live.verify(result.project, url, since, token, timeout)
        except QueryError as exc:  # the server cannot be reached or refuses us: nothing was checked
            raise UsageError(f"{url}: {exc}") from None

    report = _run(run, obj["debug"])
    if fmt == "json":
        import json

        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        for line in report.lines():
            click.echo(line)
    sys.exit(0 if report.ok else 1)


@cli.command("lint")
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="Output format of the findings (printed on stdout).")
@click.option("--strict", is_flag=True, help="Fail on lint warnings too.")
@click.option("--max-file-size", "max_bytes", type=click.IntRange(min=1), default=16 << 20, show_default=True,
              help="Bytes: a larger PATH file is reported and skipped, unread.")
@click.option("--disable", "disable", multiple=True, metavar="RULE",
              help="Do not run RULE (repeatable; `alerts/*` for a family).")
@click.option("--severity", "severity", multiple=True, metavar="RULE=LEVEL",
              help="Report RULE as error, warning or off (repeatable); overrides config.LINT_RULES.")
@click.option("--catalog-strict", is_flag=True,
              help="Report every metric the catalog does not define, not only names in its namespace.")
@click.option("--no-cache", is_flag=True,
              help="With PATHs: read config.py and catalog.py afresh, not from (nor into) .lint_cache/.")
@click.pass_context
def lint_cmd(ctx, paths, fmt, strict, max_bytes, disable, severity, catalog_strict, no_cache):
    """Lint the definitions, or PATHs (rule files, PrometheusRules, dashboards, ConfigMaps; directories walked)."""
    from compiler.lint.command import lint as run_lint

    code, text, summary = _run(lambda: run_lint(ctx.obj["root"], paths, fmt, strict or ctx.obj["strict"],
                                                disable, severity, catalog_strict, max_bytes=max_bytes,
                                                no_cache=no_cache),
                               ctx.obj["debug"])
    click.echo(text, nl=False)
    click.echo(summary, err=True)
    sys.exit(code)


@cli.group()
def metrics():
    """The catalog as a contract: check /metrics expositions against it, generate the client's metrics from it."""


@metrics.command("check")
@click.argument("sources", nargs=-1, required=True)
@click.option("--source", "catalog_sources", multiple=True,
              help="Catalog source whose metrics the expositions must carry (repeat for several; default: codeverify).")
@click.option("--scraped", is_flag=True,
              help="The expositions are stored series (federation, the simulator): allow the sources' target labels.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--timeout", default=10.0, show_default=True, help="Seconds to wait for each URL.")
@click.option("--strict", is_flag=True, help="Fail on warnings (help text, metrics without series) too.")
@click.pass_context
def metrics_check(ctx, sources, catalog_sources, scraped, fmt, timeout, strict):
    """Check SOURCES (files or http(s):// /metrics URLs, merged) against the catalog; exit 1 on any error."""
    import json

    from compiler.contract import check, exposition
    from compiler.load import load

    def run():
        project = load(ctx.obj["root"])
        try:
            return check.check(project.catalog, exposition.read(list(sources), timeout), project.root,
                               tuple(catalog_sources) or (check.APP_SOURCE,), scraped)
        except ValueError as exc:  # an unknown --source
            raise UsageError(str(exc)) from None

    result = _run(run, ctx.obj["debug"])
    if fmt == "json":
        click.echo(json.dumps([f.as_dict() for f in result.findings], indent=2, ensure_ascii=False))
    else:
        for finding in result.findings:
            click.echo(str(finding))
    click.echo(result.summary(), err=True)
    failed = not result.ok or (strict or ctx.obj["strict"]) and result.counts()["warning"]
    sys.exit(1 if failed else 0)


@metrics.command("codegen")
@click.option("--output", "-o", default=None, help="Write the module here instead (`-` for stdout), e.g. into CodeVerify's tree.")
@click.pass_context
def metrics_codegen(ctx, output):
    """Write out/client/codeverify_metrics.py: the catalog's metrics as prometheus_client objects."""
    from compiler.contract import codegen
    from compiler.load import load

    files = _run(lambda: codegen.render(load(ctx.obj["root"])), ctx.obj["debug"])
    if not files:
        _fail("the catalog has no metrics of source 'codeverify': nothing to generate", 1)
    data = files[codegen.PATH]
    if output == "-":
        click.echo(data.decode(), nl=False)
        return
    path = output or os.path.join(pipeline.default_out(ctx.obj["root"]), codegen.PATH)
    changed = _run(lambda: codegen.write(path, data), ctx.obj["debug"])
    click.echo(f"{os.path.relpath(path)} {'written' if changed else 'unchanged'}")


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--into", default=None, help="Module to write (default: dashboards/<title>.py); one dashboard only.")
@click.option("--force", is_flag=True, help="Overwrite the module if it exists.")
@click.option("--apply", "apply_", is_flag=True,
              help="For a dashboard the project defines: edit its module where the JSON differs.")
@click.pass_context
def import_cmd(ctx, files, into, force, apply_):
    """Turn Grafana dashboard JSON (bare, API envelope or ConfigMap) into definitions modules.

    A dashboard whose uid the project already defines is not written anew: the
    command prints what the JSON changes, and with --apply edits the module.
    """
    from compiler import importer

    results = _run(lambda: importer.import_dashboards(ctx.obj["root"], list(files), into, force, apply_),
                   ctx.obj["debug"])
    for r in results:
        for line in r.report():
            click.echo(line)
        if isinstance(r, importer.Updated):
            continue
        if not r.registered:
            click.echo(f"  {r.module} is not listed in dashboards/__init__.py: add it to DASHBOARDS to build it")
    findings = [f for r in results if isinstance(r, importer.Result) for f in r.findings]
    _print_findings(findings)
    if apply_ and any(isinstance(r, importer.Updated) and (r.remaining or r.update.manual) for r in results):
        _fail("the module still builds a different dashboard: make the hand edits listed above", 1)
    if any(isinstance(r, importer.Result) and r.lost for r in results):
        _fail("the imported module does not reproduce its input (a bug of the importer: please report it)", 1)
    if lint.has_errors(findings, ctx.obj["strict"]):
        _fail("imported, but the lint fails: fix the findings above (or lint_ignore them) before building", 1)


def _run(fn, debug: bool):
    """fn(), with a load, usage, write or unexpected error as one line and exit 2, without the cyclic GC.

    A build allocates millions of small objects that live until it ends and form no
    cycles worth collecting; the cyclic GC would rescan them over and over
    (superlinear: a fifth of a 1,000-dashboard build, bench/run.py).
    """
    enabled = gc.isenabled()
    gc.disable()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, _stack_frames()))
    try:
        return fn()
    except (LoadError, OutputError, UsageError, ChildFailed) as exc:
        if debug:
            raise
        _fail(str(exc))
    except OSError as exc:  # a file where a directory must be, a full disk, a file that cannot be read
        if debug:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        _fail(f"{exc.strerror or exc}{where}")
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        if debug:
            raise
        if getattr(exc, "exit_status", None):  # an error that is the user's to read (verify.ToolFailed)
            _fail(str(exc), exc.exit_status)
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback, and report it)")
    finally:
        sys.setrecursionlimit(limit)
        if enabled:
            gc.enable()


def _stack_frames() -> int:
    """How deep Python may recurse on this process's C stack.

    The lint and the label analysis recurse over expressions, about three frames a term
    of an `a or b or ...` chain (two Python calls and an lru_cache), so Python's default
    of 1,000 stops at about 330 terms. A frame costs the C stack 0.5 to 1 KiB here (a
    2,000-term chain needs more than 2 MiB and less than 8 MiB); 2 KiB a frame leaves
    room to spare, so a deeper expression is a located lint error (RecursionError),
    never a crash. (promql.parse bounds what reaches the parser, whose recursion in
    Rust no Python limit covers.)
    """
    return promql.stack_bytes() // 2048


def main() -> None:
    """cli() with Ctrl-C as exit 130 and SIGTERM/SIGHUP as 128 + N, each after every cleanup has run."""
    children.exit_on_signals()
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort as exc:  # click's form of KeyboardInterrupt (and of Signalled)
        signum = getattr(exc.__cause__, "signum", signal.SIGINT)
        click.echo(f"interrupted by {signal.Signals(signum).name}", err=True)
        sys.exit(128 + signum)
    except click.ClickException as exc:  # usage: what standalone mode prints, exit 2
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    # As a command, one short process: no cyclic GC at all, not even the collections a
    # re-enabled GC would run over the build's heap at exit (0.3 s for 1,000 dashboards).
    # Imported (tests), _run() turns it off only for the build and back on after.
    gc.disable()
    main()
