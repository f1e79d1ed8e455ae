"""``cadence preview``: every template of a cadence rendered for sample leads, as one page or a directory.

A thin command over :mod:`cadence.preview`: it reads the options, the lead file
and the settings, renders, and writes. A template that fails is printed as
``file:line:col: error: ...`` (as ``cadence validate`` prints errors) with exit
code 1, and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from cadence import utc
from cadence.cli.main import CadenceCLIError, set_exit_code
from cadence.preview import DEFAULT_AT, MAX_LEADS


def parse_at(value: str) -> datetime:
    """``--at``: an ISO date or date and time (naive: in the cadence's default zone, applied later).

    Raises:
        CadenceCLIError: for anything else.
    """
    try:
        return utc.parse(value.strip())
    except ValueError:
        raise CadenceCLIError(f"--at {value!r}: expected a date or a date and time, like {DEFAULT_AT}") from None


def _settings(config: str | None) -> Any:
    from cadence.channels.settings import ChannelSettings
    from cadence.config import ConfigError, load_settings

    try:
        return ChannelSettings.from_settings(load_settings(config))
    except ConfigError as exc:
        raise CadenceCLIError(str(exc)) from None


def _leads(source: Path | None, mapping: tuple[str, ...]) -> list[dict[str, Any]] | None:
    from cadence.preview import read_sample_leads
    from cadence.sources import SourceError, parse_mapping, skipped_warning

    if source is None:
        if mapping:
            raise CadenceCLIError("--map needs a lead file (--lead FILE)")
        return None
    try:
        leads, skipped = read_sample_leads(source, parse_mapping(list(mapping)))
    except SourceError as exc:
        raise CadenceCLIError(str(exc)) from None
    if skipped:
        click.echo(skipped_warning(source, skipped), err=True)
    return leads


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--lead", "lead_file", type=click.Path(path_type=Path), metavar="FILE",
              help=f"Sample leads: a lead file as enroll reads it (.csv, .jsonl, .json; at most {MAX_LEADS} "
                   "leads). Default: a built-in sample lead with every standard field.")
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN",
              help="Map a CSV column to a lead field (as enroll).")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE.html|DIR",
              help="FILE.html: one self-contained page; DIR: an .eml per email, an .html per letter, an .md or .txt "
                   "per call brief and voicemail script, per lead, and index.html. Default: FILE's name + "
                   "-preview.html in the current directory.")
@click.option("--at", "at", default=DEFAULT_AT, show_default=True, metavar="WHEN",
              help="When the sample leads enroll: a date or date and time, in the cadence's default_timezone "
                   "unless it has an offset. Fixed by default, so a preview never depends on today's date.")
@click.option("--sparse/--no-sparse", default=True, show_default=True,
              help="Also preview the first lead with every optional field missing (what a lead with no first "
                   "name, title or company sees), marking where it differs.")
@click.option("--templates", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Templates directory (default: the nearest templates/ above the cadence file).")
@click.option("--config", type=click.Path(dir_okay=False), default=None,
              help="Config file for the sender, unsubscribe link and Message-ID domain (default: $CADENCE_CONFIG "
                   "or ./cadence.toml).")
def preview(file: str, lead_file: Path | None, mapping: tuple[str, ...], output: Path | None, at: str, sparse: bool,
            templates: Path | None, config: str | None) -> None:
    """Render every template of cadence FILE for sample leads: emails, letters, call briefs, voicemail scripts.

    Each template is rendered by the code the workers run, with the context a
    lead that never answers would have when the touch comes (a step such a lead
    never reaches: as at enrollment). A template that fails for any sample lead
    is reported as file:line:col (exit code 1) and nothing is written.

    \b
    Examples:
      cadence preview cadences/enterprise-nurture.yaml
      cadence preview cadences/enterprise-nurture.yaml --lead leads.csv -o preview.html
      cadence preview cadences/inbound-fast-follow.yaml -o preview/ --at 2027-11-25T10:00
    """
    from cadence.dsl.errors import ValidationFailed
    from cadence.preview import PreviewError, PreviewFailed, preview_file, write_output

    set_exit_code(0)
    if not Path(file).is_file():
        raise CadenceCLIError(f"no cadence file {file}")
    when = parse_at(at)
    settings = _settings(config)
    leads = _leads(lead_file, mapping)
    try:
        result = preview_file(file, leads=leads, at=when, templates_dir=templates, settings=settings, sparse=sparse)
    except ValidationFailed as exc:
        _fail([e.render() for e in exc.errors], f"{len(exc.errors)} error{'s' if len(exc.errors) != 1 else ''} "
              f"in the cadence; nothing previewed (cadence validate {file})")
        return
    except PreviewFailed as exc:
        count = len(exc.errors)
        _fail([e.render() for e in exc.errors],
              f"{count} template failure{'s' if count != 1 else ''} for the sample leads; nothing written")
        return
    except PreviewError as exc:
        raise CadenceCLIError(str(exc)) from None
    target = output if output is not None else Path(f"{Path(file).stem}-preview.html")
    try:
        written = write_output(result, target)
    except PreviewError as exc:
        raise CadenceCLIError(str(exc)) from None
    _summary(result)
    files = "" if len(written) == 1 else f" ({len(written)} files)"
    click.echo(f"wrote {target}{files}", err=True)


def _fail(lines: list[str], summary: str) -> None:
    for line in lines:
        click.echo(line)
    click.echo(f"failed: {summary}", err=True)
    set_exit_code(1)


def _summary(result: Any) -> None:
    from cadence import schedule

    plan = result.plan
    count = len(result.touchpoints)
    click.echo(f"{plan.name} ({plan.short_version}): {count} template{'s' if count != 1 else ''} for "
               f"{len(result.leads)} sample lead{'s' if len(result.leads) != 1 else ''}, enrolled "
               f"{schedule.describe(result.at, plan.schedule.default_timezone)}")
    for lead in result.leads:
        if lead.sparse:
            differ = sum(1 for t in result.touchpoints if result.diff(t, lead))
            about = f"lacks {', '.join(lead.dropped) or 'nothing'}"
            if lead.kept:
                about += f"; keeps {', '.join(lead.kept)}: pre-qualification needs it"
            click.echo(f"{lead.label} ({about}): {differ} of {count} differ")


__all__ = ["parse_at", "preview"]
