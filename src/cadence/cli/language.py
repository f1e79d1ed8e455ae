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
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one 'file:line:col: error: ...' line per error; json: machine-readable.")
def validate(paths: tuple[str, ...], templates: Path | None, fmt: str) -> None:
    """Check cadence files (and directories of them) without running anything.

    Exit code 0 when every file is valid, 1 when any is not, 2 on usage errors.

    \b
    Examples:
      cadence validate cadences/
      cadence validate cadences/enterprise-nurture.yaml --format json
    """
    from cadence.dsl.validator import Session

    set_exit_code(0)
    files = _expand(paths)
    session = Session(templates)
    report = []
    for path, shown in files:
        errors = session.validate(path, display=shown)
        report.append((shown, errors))
    invalid = [r for r in report if r[1]]
    error_count = sum(len(errors) for _shown, errors in report)
    if fmt == "json":
        click.echo(json.dumps({
            "valid": not invalid,
            "files": [{"file": shown, "valid": not errors, "errors": [e.to_dict() for e in errors]} for shown, errors in report],
            "summary": {"files": len(report), "valid": len(report) - len(invalid), "invalid": len(invalid), "errors": error_count},
        }, indent=2))
    else:
        for _shown, errors in report:
            for error in errors:
                click.echo(error.render())
    if invalid:
        noun = "error" if error_count == 1 else "errors"
        click.echo(f"failed: {error_count} {noun} in {len(invalid)} of {len(report)} files", err=True)
        set_exit_code(1)
    else:
        click.echo(f"ok: {len(report)} file{'s' if len(report) != 1 else ''} valid", err=True)


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
