"""``cadence validate``, ``cadence compile`` and ``cadence schema``: the language commands.

Imports only the language modules (never temporalio), so validating is a
fast cold start in editors' save hooks and CI.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from cadence.cli.main import CadenceCLIError, set_exit_code

_SUFFIXES = (".yaml", ".yml")


def _expand(paths: tuple[str, ...]) -> list[tuple[Path, str]]:
    """Files to validate with their display names; directories are searched recursively."""
    files: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
            if not found:
                raise click.UsageError(f"no cadence files (*.yaml, *.yml) in {given}")
            files.extend((p, os.path.join(given, str(p.relative_to(path)))) for p in found)
        elif path.exists():
            files.append((path, given))
        else:
            raise click.UsageError(f"no such file or directory: {given}")
    seen: set[str] = set()
    unique = []
    for path, shown in files:
        key = os.path.abspath(path)
        if key not in seen:
            seen.add(key)
            unique.append((path, shown))
    return unique


_templates_option = click.option(
    "--templates", "templates", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Templates directory (default: the nearest templates/ above each cadence file).",
)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@_templates_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="text: one 'file:line:col: error|warning: ...' line each; json: machine-readable; "
                   "sarif: SARIF 2.1.0 for code-scanning UIs.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too, not only on errors.")
def validate(paths: tuple[str, ...], templates: Path | None, fmt: str, strict: bool) -> None:
    """Check cadence files (and directories of them) without running anything.

    Errors make a file invalid. Warnings point at what works against B2B
    nurture (too few touches before giving up, a call outside calling hours...);
    each names its id, which the file can silence with a reason:
    lint: {silence: {ID: "why"}} (docs/authoring.md lists them).

    Exit code 0 when every file is valid (with --strict: and has no warning),
    1 otherwise, 2 on usage errors.

    \b
    Examples:
      cadence validate cadences/
      cadence validate cadences/ --strict
      cadence validate cadences/enterprise-nurture.yaml --format json
      cadence validate cadences/ --format sarif > cadence.sarif
    """
    from cadence.dsl.errors import sort_key
    from cadence.dsl.validator import Session

    set_exit_code(0)
    files = _expand(paths)
    session = Session(templates)
    report = [(shown, session.validate(path, display=shown), session.lint(path, display=shown)) for path, shown in files]
    invalid = [r for r in report if r[1]]
    warned = [r for r in report if r[2]]
    error_count = sum(len(errors) for _shown, errors, _warnings in report)
    warning_count = sum(len(warnings) for _shown, _errors, warnings in report)
    if fmt == "json":
        click.echo(json.dumps({
            "valid": not invalid,
            "files": [{"file": shown, "valid": not errors, "errors": [e.to_dict() for e in errors],
                       "warnings": [w.to_dict() for w in warnings]} for shown, errors, warnings in report],
            "summary": {"files": len(report), "valid": len(report) - len(invalid), "invalid": len(invalid),
                        "errors": error_count, "warnings": warning_count},
        }, indent=2))
    elif fmt == "sarif":
        from cadence.dsl.lint.sarif import to_sarif

        click.echo(json.dumps(to_sarif(report), indent=2))
    else:
        for _shown, errors, warnings in report:
            for item in sorted([*errors, *warnings], key=sort_key):
                click.echo(item.render())
    warnings_text = f"{warning_count} warning{'s' if warning_count != 1 else ''}"
    if invalid:
        noun = "error" if error_count == 1 else "errors"
        tail = f"; {warnings_text}" if warning_count else ""
        click.echo(f"failed: {error_count} {noun} in {len(invalid)} of {len(report)} files{tail}", err=True)
        set_exit_code(1)
    elif warning_count and strict:
        click.echo(f"failed: {warnings_text} in {len(warned)} of {len(report)} files (--strict)", err=True)
        set_exit_code(1)
    else:
        tail = f", {warnings_text}" if warning_count else ""
        click.echo(f"ok: {len(report)} file{'s' if len(report) != 1 else ''} valid{tail}", err=True)


@click.command("compile")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_templates_option
@click.option("--format", "fmt", type=click.Choice(["json", "mermaid"]), default="json", show_default=True,
              help="json: the canonical plan (what a lead is pinned to); mermaid: a flowchart for docs.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def compile_(file: str, templates: Path | None, fmt: str, output: Path | None) -> None:
    """Compile a cadence file into its plan (JSON) or a Mermaid flowchart.

    \b
    Examples:
      cadence compile cadences/enterprise-nurture.yaml > plan.json
      cadence compile cadences/enterprise-nurture.yaml --format mermaid
    """
    from cadence import ir
    from cadence.dsl.compiler import compile_file
    from cadence.dsl.errors import ValidationFailed

    set_exit_code(0)
    try:
        plan = compile_file(file, templates)
    except ValidationFailed as exc:
        for error in exc.errors:
            click.echo(error.render())
        click.echo(f"failed: {len(exc.errors)} error{'s' if len(exc.errors) != 1 else ''}; nothing compiled", err=True)
        set_exit_code(1)
        return
    if fmt == "mermaid":
        from cadence.dsl.mermaid import to_mermaid

        text = to_mermaid(plan)
    else:
        text = ir.canonical_json(plan) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CadenceCLIError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {output} ({plan.name} {plan.short_version})", err=True)


@click.command()
def schema() -> None:
    """Print the JSON Schema of cadence files (for editors and CI).

    \b
    Example:
      cadence schema > cadence.schema.json
    """
    from cadence.dsl.schema import schema_text

    set_exit_code(0)
    click.echo(schema_text(), nl=False)


__all__ = ["compile_", "schema", "validate"]
