"""The `tips` command: check, new, schema, docs, week, schedule.

Each command calls one core function and turns its result into output and an
exit code: 0 clean, 1 problems found, 2 usage error.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from datetime import date
from pathlib import Path

import click

from . import __version__
from .changes import ChangesError, changed_files, ledger_at
from .check import CheckReport, check_library
from .dates import resolve_as_of
from .files import replace_whole
from .ledger import LedgerWriteError, WithdrawError, ledger_folder, record_weeks
from .ledger import withdraw as withdraw_tip
from .problems import format_problems
from .routes import tip_source
from .scaffold import ScaffoldError, ScaffoldWriteError, new_tip
from .schema import fields_table_markdown, tip_json_schema_text
from .validate import AUTHORS_FILE, SCHEDULE_FILE, TAGS_FILE, VOCABULARY_FILES, validate_library

AUTO_BASE = "\0auto"


class DateError(click.ClickException):
    """A bad --as-of, TIPS_AS_OF or SOURCE_DATE_EPOCH: one line, `Error: ...`, exit code 2 (a usage error)."""

    exit_code = 2


class RefusedInput(click.ClickException):
    """Input the command refuses with located problems: `Error: ...` then the problems, exit code 2, no usage block."""

    exit_code = 2


def _vocabulary_refusal(validation, names: tuple[str, ...], command: str) -> RefusedInput | None:
    """The error to stop `command` with when a vocabulary file it relies on is invalid, naming the file; else None."""
    broken = [name for name in names if name in validation.invalid_vocabularies]
    if not broken:
        return None
    own = [p for p in validation.problems if p.path.rsplit("/", 1)[-1] in broken]
    files = " and ".join(sorted({p.path for p in own}))
    return RefusedInput(
        f"{files} {'is' if len(broken) == 1 else 'are'} invalid; fix {'it' if len(broken) == 1 else 'them'} "
        f"first, then run `tips {command}` again:\n" + "\n".join(p.as_text() for p in sorted(own))
    )


def _as_of(value: str | None) -> date:
    try:
        return resolve_as_of(value)
    except ValueError as exc:
        # One line naming the value and the range, not click's usage block:
        # the date often comes from the environment, not the command line.
        raise DateError(f"cannot tell which week it is (--as-of, TIPS_AS_OF or SOURCE_DATE_EPOCH): {exc}") from None


def _root(value: str) -> Path:
    root = Path(value)
    if not root.is_dir():
        raise click.UsageError(f"{value}: no such folder; run from the repository root or pass --root")
    return root


root_option = click.option(
    "--root",
    default="tips",
    show_default=True,
    envvar="TIPS_ROOT",
    help="The tips folder (with tags.yml, authors.yml and schedule.yml).",
)
as_of_option = click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    help="The date to compute weeks for (default: TIPS_AS_OF, SOURCE_DATE_EPOCH, today UTC).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="tips")
def main() -> None:
    """Service Tips: check, create and schedule the tips in tips/."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="text for people, github for workflow annotations, json for tools.",
)
@click.option(
    "--changed",
    "changed",
    is_flag=False,
    flag_value=AUTO_BASE,
    default=None,
    metavar="[BASE]",
    help="Check only the files changed since BASE (default origin/main, else HEAD), "
    "and refuse new tips dated before the current week (SCHED006).",
)
@click.option(
    "--recorded",
    is_flag=True,
    help="Fail when a week that has started is not in the ledger yet (LEDGER014 as an error): "
    "the publish build runs it after `tips schedule --record`, with the same date.",
)
@root_option
@as_of_option
def check(paths: tuple[Path, ...], fmt: str, changed: str | None, recorded: bool, root: str, as_of: str | None) -> None:
    """Check the library (or PATHS, in the context of the whole library).

    Prints every problem as `path:line:col: CODE message` with a hint, then a
    summary. Exits 0 when there are no errors, 1 otherwise.

    \b
    Examples:
      tips check
      tips check tips/pause-before-you-answer.md
      tips check --changed origin/main --format github
    """
    library_root = _root(root)
    when = _as_of(as_of)
    only: list[Path] | None = None
    if paths and changed is not None:
        raise click.UsageError("give either PATHS or --changed, not both")
    if paths:
        only = []
        for path in paths:
            if not path.exists() and not path.is_symlink():
                raise click.UsageError(f"{path}: no such file")
            # The file itself is not resolved: a link in the tips folder is a
            # file of the library, and the check says where it leads (ENC005).
            if path.absolute().parent.resolve() != library_root.resolve() and path.resolve() != library_root.resolve():
                raise click.UsageError(f"{path} is not in {root}/; tips live directly in the tips folder")
            only.append(path)
        if any(p.resolve() == library_root.resolve() or p.name in VOCABULARY_FILES for p in only):
            only = None  # a vocabulary change can break any tip: check them all
    published_at_base = None
    pinned_at_base = None
    ledger_at_base = None
    feed_weeks_at_base = None
    if changed is not None:
        try:
            changes = changed_files(library_root, None if changed == AUTO_BASE else changed)
            ledger_at_base = ledger_at(ledger_folder(library_root), changes.base)
        except ChangesError as exc:
            raise click.UsageError(f"--changed: {exc}") from None
        published_at_base = changes.published_at_base
        pinned_at_base = changes.pinned_at_base
        feed_weeks_at_base = changes.feed_weeks_at_base
        if any(f.name in VOCABULARY_FILES for f in changes.files):
            only = None  # a vocabulary change can break any tip: check them all
        else:
            only = [f for f in changes.files if f.suffix == ".md" and f.parent == library_root.resolve()]
        if fmt == "text":
            click.echo(f"checking files changed since {changes.base}", err=True)
    report = check_library(
        library_root,
        when,
        only=only,
        published_at_base=published_at_base,
        ledger_at_base=ledger_at_base,
        pinned_at_base=pinned_at_base,
        require_recorded=recorded,
        feed_weeks_at_base=feed_weeks_at_base,
    )
    click.echo(format_problems(report.problems, fmt, report.files_checked))
    sys.exit(0 if report.ok else 1)


@main.command()
@click.argument("title")
@click.option("--tag", "tags", multiple=True, required=True, help="A tag from tips/tags.yml (1-3, repeatable).")
@click.option("--author", default="editorial-team", show_default=True, help="A key of tips/authors.yml.")
@click.option("--summary", default="", help="One sentence for the summary (you can edit it later).")
@click.option(
    "--published",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Publication date (default: the as-of date).",
)
@root_option
@as_of_option
def new(title: str, tags: tuple[str, ...], author: str, summary: str, published, root: str, as_of: str | None) -> None:
    """Start a new tip: write tips/<slug>.md with front matter and an outline.

    \b
    Example:
      tips new "Name the next step" --tag recovery --tag empathy --author maria-lopez
    """
    validation = validate_library(_root(root))
    refusal = _vocabulary_refusal(validation, (TAGS_FILE, AUTHORS_FILE), "new")
    if refusal is not None:
        raise refusal
    day = published.date() if published else _as_of(as_of)
    try:
        created = new_tip(validation.library, title, list(tags), author, day, summary=summary)
    except ScaffoldWriteError as exc:
        raise click.ClickException(str(exc)) from None
    except ScaffoldError as exc:
        if exc.problems:
            raise RefusedInput(f"{exc}:\n" + "\n".join(p.as_text() for p in exc.problems)) from None
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {created.path}")
    click.echo(
        f"next: replace the summary and the outline with your own text, then run "
        f"`tips check {created.path}` and `make serve`"
    )


@main.command()
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
@click.option("--fields-table", is_flag=True, help="Print the Markdown table of fields instead.")
@root_option
def schema(output: Path | None, fields_table: bool, root: str) -> None:
    """Print the JSON Schema of a tip's front matter (for editors' YAML support).

    \b
    Example:
      tips schema -o schema/tip.schema.json
    """
    library = None
    if Path(root).is_dir() and not fields_table:
        validation = validate_library(_root(root))
        # The schema lists the tags and authors: from a broken file it would list none.
        refusal = _vocabulary_refusal(validation, (TAGS_FILE, AUTHORS_FILE), "schema")
        if refusal is not None:
            raise refusal
        library = validation.library
    text = fields_table_markdown() if fields_table else tip_json_schema_text(library)
    if output:
        _write_output(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def _write_output(path: Path, text: str) -> None:
    """Write a generated file whole (a temporary file renamed over it), or stop with one line saying why."""
    if path.is_dir():
        raise click.ClickException(f"{path} is a folder; give a file name, e.g. -o {path / 'tip.schema.json'}")
    folder = path.parent
    if not folder.is_dir():
        raise click.ClickException(f"cannot write {path}: the folder {folder}/ does not exist; create it first")
    try:
        if path.exists() and not os.access(path, os.W_OK):  # a read-only file is not replaced behind its back
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        replace_whole(path, text)
    except OSError as exc:
        raise click.ClickException(
            f"cannot write {path}: {exc.strerror or exc}; check that you may write to it (and to {folder}/)"
        ) from None


@main.command()
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a generated block is out of date.")
@click.option(
    "--repo",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The repository (with tips/, docs/ and mkdocs.yml).",
)
def docs(check_only: bool, repo: Path) -> None:
    """Refresh the generated blocks of the docs: field table, tag list, sample outputs.

    The blocks sit between `<!-- tips:NAME:begin -->` and `<!-- tips:NAME:end -->`
    in README.md, CONTRIBUTING.md and docs/; only they are rewritten.

    \b
    Examples:
      tips docs
      tips docs --check
    """
    from .docblocks import DocBlockError, Project, documents, refresh  # noqa: PLC0415 - only this command needs it

    project = Project.at(repo)
    if not repo.is_dir():
        raise click.UsageError(f"--repo {repo}: no such folder; run from the repository root or pass --repo")
    if not documents(project):
        # Nothing to check is not "up to date": it is the wrong folder.
        raise click.UsageError(
            f"--repo {repo}: no README.md, CONTRIBUTING.md or docs/ pages there; "
            "run from the repository root or pass --repo"
        )
    try:
        results = refresh(project, write=not check_only)
    except DocBlockError as exc:
        raise click.UsageError(str(exc)) from None
    stale = [r.path for r in results if r.stale]
    for path in stale:
        click.echo(f"{'out of date' if check_only else 'refreshed'}: {path}")
    if not stale:
        click.echo(f"{len(results)} documents checked: every generated block is up to date")
    sys.exit(1 if stale and check_only else 0)


def _checked(root: str, as_of: str | None) -> CheckReport:
    report = check_library(_root(root), _as_of(as_of))
    if not report.ok:
        click.echo(format_problems(report.problems, "text", report.files_checked), err=True)
        sys.exit(1)
    return report


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "email", "email-text"]),
    default="text",
    show_default=True,
    help="text: a summary; json: the API payload; email: the week's email.html; "
    "email-text: its email.txt (both as the site publishes them).",
)
@click.option(
    "--config",
    "config",
    default="mkdocs.yml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The site's settings (site_url, site_name, site_description), for the email's links.",
)
@root_option
@as_of_option
def week(fmt: str, config: str, root: str, as_of: str | None) -> None:
    """Show this week's tip of the week, or print its email.

    \b
    Examples:
      tips week
      tips week --as-of 2026-12-28 --format json
      tips week --format email > email.html
      tips week --format email-text
    """
    from .feeds import week_payload  # noqa: PLC0415 - feeds are only needed here

    report = _checked(root, as_of)
    slot = report.schedule.this_week
    if slot is None:
        click.echo(
            f"{report.schedule.current}: no tip of the week (the schedule starts {report.library.settings.first_week})",
            err=True,
        )
        sys.exit(1)
    if fmt in ("email", "email-text"):
        from .share import this_week_email  # noqa: PLC0415 - Pillow is only needed here

        try:
            html_text, plain_text = this_week_email(report.library, report.schedule, _site_info(config), report.visible)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(html_text if fmt == "email" else plain_text, nl=False)
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                week_payload(slot, site_url=None, has_page=report.visible.has_page), indent=2, ensure_ascii=False
            )
        )
        return
    if slot.withdrawn is not None:
        from .ledger import withdrawal_notice  # noqa: PLC0415

        click.echo(
            f"{slot.week} · {slot.week.date_range_label()} (withdrawn)\n{withdrawal_notice(slot.week, slot.withdrawn)}"
        )
        return
    click.echo(f"{slot.week} · {slot.week.date_range_label()}{' (pinned)' if slot.pinned else ''}")
    click.echo(f"{slot.tip.title}\n{slot.tip.summary}\n{tip_source(slot.tip.slug)}")


def _site_info(config: str):
    """The site's identity from mkdocs.yml, read as plain YAML (the core never imports MkDocs)."""
    from .build import site_settings  # noqa: PLC0415 - only `tips week --format email` needs it
    from .feeds import SiteInfo  # noqa: PLC0415

    path = Path(config)
    if not path.is_file():
        raise click.UsageError(f"{config}: no such file; the email needs the site's address (pass --config)")
    try:
        settings = site_settings(path)
        theme = settings.get("theme") if isinstance(settings.get("theme"), dict) else {}
        return SiteInfo(
            url=settings.get("site_url"),
            title=settings.get("site_name") or "",
            description=settings.get("site_description") or "",
            language=theme.get("language", "en"),
        )
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{config}: {exc}") from None


@main.command()
@click.option(
    "--weeks", default=8, show_default=True, type=click.IntRange(0, 520), help="How many upcoming weeks to plan."
)
@click.option("--past", default=8, show_default=True, type=click.IntRange(0, 5200), help="How many past weeks to show.")
@click.option(
    "--record",
    is_flag=True,
    help="Write every started week the ledger does not hold yet to ledger/ (the Monday publish does this).",
)
@root_option
@as_of_option
def schedule(weeks: int, past: int, record: bool, root: str, as_of: str | None) -> None:
    """Show past and upcoming weeks with their tips, pins and gaps, then the scheduled tips; or record started weeks.

    Weeks recorded in ledger/ are shown as they were sent; only the others
    are computed. `--record` writes one file per missing started week and
    never rewrites a recorded one. A scheduled tip is dated after today (or
    --as-of): it is on no page, feed or API until its `published` date.

    \b
    Examples:
      tips schedule --weeks 12
      tips schedule --record --as-of 2026-11-30
    """
    from .schedule import build_schedule  # noqa: PLC0415

    report = _checked(root, as_of)
    if record:
        try:
            written = record_weeks(
                _root(root),
                report.schedule.slots,
                report.library,
                report.ledger,
                report.schedule.as_of,
                report.visible.has_page,
                dict(report.assets),
            )
        except LedgerWriteError as exc:
            raise click.ClickException(str(exc)) from None
        for path in written:
            click.echo(f"recorded {path.parent.name}/{path.name}")
        if not written:
            click.echo(f"the ledger is up to date (week {report.schedule.current})")
        return
    plan = build_schedule(report.library, report.schedule.as_of, upcoming=weeks, ledger=report.ledger)
    current = plan.current
    shown = [s for s in plan.slots if s.week > current or s.week >= _weeks_back(current, past)]
    for slot in shown:
        marker = "now " if slot.week == current else ("next" if slot.week > current else "    ")
        if slot.tip is None:
            click.echo(f"{marker} {slot.week}  {slot.week.date_range_label():<26} -- gap: no eligible tip --")
            continue
        flags = " [pinned]" if slot.pinned else (" [repeat]" if not slot.fresh else "")
        if slot.withdrawn is not None:
            flags = f" [withdrawn {slot.withdrawn.on}]"
        click.echo(f"{marker} {slot.week}  {slot.week.date_range_label():<26} {slot.tip.slug}{flags}")
    _echo_scheduled(report)


def _echo_scheduled(report: CheckReport) -> None:
    scheduled = report.visible.scheduled
    if not scheduled:
        click.echo(f"\nScheduled tips: none (every tip that is not a draft is published as of {report.visible.as_of})")
        return
    click.echo(f"\nScheduled tips (not on the site before their date), as of {report.visible.as_of}:")
    for tip in scheduled:
        pin = f"  [pinned {tip.meta.week}]" if tip.meta.week else ""
        click.echo(f"     {tip.published}  {tip.slug}{pin}")


def _weeks_back(week, count: int):
    for _ in range(count):
        week = week.previous()
    return week


@main.command()
@click.argument("slug")
@click.option("--reason", required=True, help="Why, in one plain sentence (shown to readers and subscribers).")
@root_option
@as_of_option
def withdraw(slug: str, reason: str, root: str, as_of: str | None) -> None:
    """Withdraw a tip from every week it was tip of (a legal request, a factual error).

    Each recorded week of SLUG keeps its permalink and feed item, which then
    show a notice with the date and REASON instead of the tip. Afterwards the
    tip file may be deleted. Commit the changed ledger files.

    \b
    Example:
      tips withdraw pause-before-you-answer --reason "The study it cites was retracted."
    """
    from .ledger import load_ledger  # noqa: PLC0415

    library_root = _root(root)
    when = _as_of(as_of)
    validation = validate_library(library_root)
    # The ledger is read against the schedule's first week: invalid settings are reported alone.
    refusal = _vocabulary_refusal(validation, (SCHEDULE_FILE,), "withdraw")
    if refusal is not None:
        raise refusal
    ledger, problems = load_ledger(library_root, when, validation.library.settings.first_week)
    if problems:
        click.echo(format_problems(problems, "text", len(ledger.entries)), err=True)
        sys.exit(1)
    try:
        changed = withdraw_tip(library_root, ledger, slug, reason, when)
    except WithdrawError as exc:
        raise click.UsageError(str(exc)) from None
    except LedgerWriteError as exc:
        raise click.ClickException(str(exc)) from None
    for path in changed:
        click.echo(f"withdrew {slug} from {path.parent.name}/{path.name}")
    click.echo(f"next: commit ledger/; {tip_source(slug)} may now be deleted")


@main.command()
def codes() -> None:
    """List every problem code `tips check` reports, with what it means."""
    from .problems import CODES  # noqa: PLC0415

    for code, meaning in CODES.items():
        click.echo(f"{code:<9} {meaning}")


if __name__ == "__main__":  # pragma: no cover
    main()
