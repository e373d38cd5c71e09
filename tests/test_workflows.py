"""The editors' pull-request workflow: the GitHub workflows, the PR template and
the contributing guide.

The workflows are validated against GitHub's schema (check-jsonschema's
vendored copy) and audited by zizmor offline; both must report nothing. The
structural tests below then pin down what the audits cannot know: which job
may write, when the site is rebuilt, and that the commands the workflows run
are the ones editors run.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from servicetips.build import CACHE_DIR
from servicetips.check import check_library
from servicetips.cli import main
from servicetips.dates import IsoWeek
from servicetips.problems import CODES
from support import REPO, run_tips

BIN = Path(sys.executable).parent
WORKFLOWS = REPO / ".github" / "workflows"
CHECK = WORKFLOWS / "check.yml"
PUBLISH = WORKFLOWS / "publish.yml"
GUIDE = REPO / "docs" / "contributing.md"
TEMPLATE = REPO / ".github" / "pull_request_template.md"
# `uses: owner/repo@<full commit SHA> # vX.Y.Z`: the SHA is what runs, the
# comment says which release it is, for people and for update tools.
PINNED_USES = re.compile(r"^\s*(?:- )?uses: (?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40}) # v\d+\.\d+\.\d+$")


def load(path: Path) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); give it its name back.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict, job: str) -> list[dict]:
    return workflow["jobs"][job]["steps"]


def run_scripts(workflow: dict) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job.get("steps", []) if "run" in step]


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not installed in {BIN}; `make install` installs it"
    return str(path)


# -- the audits ----------------------------------------------------------------


def test_workflows_match_githubs_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(CHECK), str(PUBLISH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing() -> None:
    # --no-config: a zizmor.yml that disables audits must not make this pass.
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--no-config", "--format", "json", str(CHECK), str(PUBLISH)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


def test_no_finding_is_silenced_in_the_workflows() -> None:
    for path in (CHECK, PUBLISH):
        assert "zizmor: ignore" not in path.read_text(encoding="utf-8"), path.name


# -- what every workflow must do -----------------------------------------------------


@pytest.mark.parametrize("path", [CHECK, PUBLISH], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(- )?uses:", line)]
    assert lines
    for line in lines:
        assert PINNED_USES.match(line), f"{path.name}: not pinned as `owner/repo@<40-hex SHA> # vX.Y.Z`: {line.strip()}"


def test_an_action_is_pinned_to_the_same_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in (CHECK, PUBLISH):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = PINNED_USES.match(line)
            if match:
                pins.setdefault(match["action"], set()).add(line.split("@", 1)[1])
    assert {action: refs for action, refs in pins.items() if len(refs) > 1} == {}


@pytest.mark.parametrize("path", [CHECK, PUBLISH], ids=lambda p: p.name)
def test_no_token_permissions_unless_a_job_asks(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} must say which permissions it needs"


@pytest.mark.parametrize("path", [CHECK, PUBLISH], ids=lambda p: p.name)
def test_checkout_never_leaves_the_token_behind(path: Path) -> None:
    workflow = load(path)
    checkouts = [
        step
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False


@pytest.mark.parametrize("path", [CHECK, PUBLISH], ids=lambda p: p.name)
def test_scripts_contain_no_expressions(path: Path) -> None:
    # `${{ ... }}` in a script is pasted into the shell before it runs: a
    # branch name or title could inject commands. Context goes through env.
    for script in run_scripts(load(path)):
        assert "${{" not in script, script


@pytest.mark.parametrize("path", [CHECK, PUBLISH], ids=lambda p: p.name)
def test_python_is_the_supported_version(path: Path) -> None:
    workflow = load(path)
    versions = [
        step["with"]["python-version"]
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("actions/setup-python@")
    ]
    assert versions and set(versions) == {"3.11"}


# -- check.yml: pull requests --------------------------------------------------------


def test_check_runs_on_pull_requests_with_read_only_jobs() -> None:
    workflow = load(CHECK)
    assert "pull_request" in workflow["on"]
    assert "pull_request_target" not in workflow["on"], "would run untrusted code with a write token"
    for job in workflow["jobs"].values():
        assert job["permissions"] == {"contents": "read"}


def test_check_runs_what_editors_run() -> None:
    scripts = run_scripts(load(CHECK))
    assert "make install" in scripts
    assert ".venv/bin/tips check --format github" in scripts
    assert ".venv/bin/mkdocs build --strict" in scripts


def test_check_runs_the_tests_on_debian_with_chromium_from_apt() -> None:
    job = load(CHECK)["jobs"]["test"]
    image = job["container"] if isinstance(job["container"], str) else job["container"]["image"]
    assert image.startswith("python:3.11-") and "bookworm" in image
    commands = [step.get("run", "") for step in job["steps"]]
    install = next(i for i, command in enumerate(commands) if "apt-get install" in command)
    assert "chromium" in commands[install]
    assert commands.index("bash .ci/run") > install, "chromium must be installed before the tests run"
    assert (REPO / ".ci" / "run").exists()


def test_the_library_passes_the_check_ci_runs() -> None:
    # The workflow's command on tips/ as it is: main must stay green, or every
    # pull request would show problems its editor did not cause.
    result = CliRunner().invoke(
        main,
        ["check", "--format", "github", "--root", str(REPO / "tips"), "--as-of", "2026-11-23"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].endswith("files checked: no problems")


# -- publish.yml: every push to main and every Monday -----------------------------------


def test_publish_runs_on_main_and_every_monday_just_after_midnight_utc() -> None:
    triggers = load(PUBLISH)["on"]
    assert triggers["push"] == {"branches": ["main"]}
    assert triggers["schedule"] == [{"cron": "10 0 * * 1"}]
    assert "workflow_dispatch" in triggers, "maintainers can rebuild by hand"


def test_the_monday_run_publishes_the_week_that_just_started() -> None:
    # GitHub's cron is in UTC and weeks turn over at Monday 00:00 UTC, so the
    # run at 00:10 builds "as of" the first day of the new week.
    minute, hour, day, month, weekday = load(PUBLISH)["on"]["schedule"][0]["cron"].split()
    assert (day, month, weekday) == ("*", "*", "1") and int(hour) * 60 + int(minute) < 60
    monday = date(2026, 11, 30)
    report = check_library(REPO / "tips", monday)
    assert report.schedule.current == IsoWeek.of(monday) != IsoWeek.of(monday - timedelta(days=1))
    assert report.schedule.published[0].week == IsoWeek.of(monday)


def test_publish_builds_as_of_the_day_it_recorded_and_only_recorded_weeks() -> None:
    # One date for the run: recorded at 23:59 on a Sunday and built after midnight, the build would
    # otherwise publish a started week that is not recorded, which a later pull request could change.
    workflow = load(PUBLISH)
    record = next(step for step in steps(workflow, "record") if "tips schedule --record" in step.get("run", ""))
    assert 'TIPS_AS_OF="$(date -u +%F)"' in record["run"] and "export TIPS_AS_OF" in record["run"]
    assert record["run"].index("tips schedule --record") < record["run"].index('echo "as_of=${TIPS_AS_OF}"')
    assert workflow["jobs"]["record"]["outputs"]["as_of"] == f"${{{{ steps.{record['id']}.outputs.as_of }}}}"
    build = steps(workflow, "build")
    step = next(step for step in build if "mkdocs build" in step.get("run", ""))
    assert step["env"]["TIPS_AS_OF"] == "${{ needs.record.outputs.as_of }}"
    assert "date -u" not in step["run"]
    script = step["run"]
    assert script.index(".venv/bin/tips check --recorded --format github") < script.index(
        ".venv/bin/mkdocs build --strict"
    )
    upload = next(step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "site"


def test_the_publish_check_refuses_a_started_week_the_ledger_lacks(tmp_path) -> None:
    library = tmp_path / "repo"
    shutil.copytree(REPO / "tips", library / "tips")
    shutil.copytree(REPO / "ledger", library / "ledger")
    last = max(IsoWeek.parse(p.stem) for p in (library / "ledger").glob("*.json"))
    monday = last.next().monday
    as_of = ["--as-of", monday.isoformat(), "--root", str(library / "tips"), "--format", "json"]
    lagging = run_tips("check", *as_of)
    assert lagging.returncode == 0 and [p["severity"] for p in json.loads(lagging.stdout)] == ["warning"]
    refused = run_tips("check", "--recorded", *as_of)
    problems = json.loads(refused.stdout)
    assert refused.returncode == 1 and [(p["code"], p["severity"]) for p in problems] == [("LEDGER014", "error")]
    assert run_tips("schedule", "--record", *as_of[:4]).returncode == 0
    assert run_tips("check", "--recorded", *as_of).returncode == 0


def test_publish_restores_and_saves_the_build_cache_folder() -> None:
    build = steps(load(PUBLISH), "build")
    caches = [index for index, step in enumerate(build) if step.get("uses", "").startswith("actions/cache@")]
    assert len(caches) == 1, "one cache step, restoring before the build and saving after it"
    cache = build[caches[0]]["with"]
    # The folder the build uses (servicetips.build.CACHE_DIR): never the site, docs/ or tips/.
    assert cache["path"] == CACHE_DIR
    assert not cache["path"].startswith(("site", "docs", "tips"))
    # Keyed on the OS and the pinned dependencies; every run saves its own, the newest is restored.
    prefix = "servicetips-build-${{ runner.os }}-${{ hashFiles('requirements.lock') }}-"
    assert cache["key"] == prefix + "${{ github.run_id }}"
    assert cache["restore-keys"].strip() == prefix
    built = next(index for index, step in enumerate(build) if "mkdocs build" in step.get("run", ""))
    installed = next(index for index, step in enumerate(build) if step.get("run") == "make install")
    assert installed < caches[0] < built


def test_no_other_workflow_shares_the_build_cache() -> None:
    # Pull requests run check.yml: a cache they could write is never one the published site reads.
    for path in sorted(WORKFLOWS.glob("*.yml")):
        if path != PUBLISH:
            assert "actions/cache@" not in path.read_text(encoding="utf-8"), path.name


def test_only_the_deploy_job_can_write_and_only_to_pages() -> None:
    workflow = load(PUBLISH)
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read"}
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    used = [step["uses"].split("@")[0] for step in deploy["steps"]]
    assert used == ["actions/configure-pages", "actions/deploy-pages"]
    assert not any(step.get("run") for step in deploy["steps"]), "the job with a write token runs no code of ours"


def test_deployments_queue_instead_of_cancelling_each_other() -> None:
    assert load(PUBLISH)["concurrency"] == {"group": "pages", "cancel-in-progress": False}


# -- the contributing guide and the PR template -------------------------------------------


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_the_guide_holds_the_field_table_and_tag_list_itself() -> None:
    # Read on GitHub the guide must be complete: the blocks are in the file
    # (tests/test_docblocks.py checks they are up to date).
    lines = guide().splitlines()
    for name in ("fields", "tags"):
        assert lines.count(f"<!-- tips:{name}:begin -->") == 1
        assert lines.count(f"<!-- tips:{name}:end -->") == 1
    assert "| `title` | yes |" in guide()


def test_the_guide_mentions_every_tips_command_and_no_other() -> None:
    # Commands appear in code: `tips check` or .venv/bin/tips check.
    mentioned = set(re.findall(r"(?:`|bin/)tips ([a-z]+)\b(?! found)", guide()))
    commands = set(main.commands)
    assert mentioned <= commands, f"unknown commands in the guide: {mentioned - commands}"
    editors_commands = {"new", "check", "schedule", "week", "codes"}
    assert editors_commands <= mentioned, f"not explained: {editors_commands - mentioned}"


def test_the_guide_names_only_real_problem_codes() -> None:
    named = set(re.findall(r"`([A-Z]{2,5}\d{3})`", guide()))
    assert named, "the guide explains the common problem codes"
    assert named <= set(CODES), f"codes that do not exist: {named - set(CODES)}"


def fenced_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def test_the_guides_example_tip_passes_the_check(tmp_path: Path) -> None:
    example = next(block for block in fenced_blocks(guide(), "markdown") if block.startswith("---\n"))
    title = re.search(r"^title: (.+)$", example, flags=re.MULTILINE).group(1)
    library = tmp_path / "tips"
    shutil.copytree(REPO / "tips", library)
    path = library / (re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") + ".md")
    path.write_text(example, encoding="utf-8")

    report = check_library(library, date(2026, 11, 23), only=[path])

    assert report.problems == []
    words = len(example.split("\n---\n", 1)[1].split())
    assert 150 <= words <= 400, "the example follows the guide's own length advice"


def test_the_guides_tips_new_command_writes_the_file_it_names(tmp_path: Path, monkeypatch) -> None:
    command = next(
        line
        for block in fenced_blocks(guide(), "sh")
        for line in block.splitlines()
        if line.startswith(".venv/bin/tips new ")
    )
    shutil.copytree(REPO / "tips", tmp_path / "tips")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIPS_ROOT", raising=False)

    result = CliRunner().invoke(main, [*shlex.split(command)[1:], "--as-of", "2026-11-23"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    # The output shown is a sample block of the same command (kept fresh by `tips docs`).
    assert f"<!-- tips:sample:begin {command.removeprefix('.venv/bin/')} -->" in guide()
    announced = re.search(r"^(wrote tips/[a-z0-9-]+\.md)$", guide(), flags=re.MULTILINE).group(1)
    assert result.output.splitlines()[0] == announced
    assert (tmp_path / announced.removeprefix("wrote ")).exists()


def test_the_guides_sample_output_is_what_the_checker_prints(tmp_path: Path, monkeypatch) -> None:
    sample = next(block for block in fenced_blocks(guide(), "text") if "KEY002" in block)
    problem = sample.splitlines()[0]
    shutil.copytree(REPO / "tips", tmp_path / "tips")
    example = next(block for block in fenced_blocks(guide(), "markdown") if block.startswith("---\n"))
    (tmp_path / "tips" / "offer-two-clear-options.md").write_text(
        example.replace("\ntags:", "\ntag:"), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(
        main, ["check", "--as-of", "2026-11-23", "tips/offer-two-clear-options.md"], catch_exceptions=False
    )

    assert problem in result.stdout
    assert sample.splitlines()[1] in result.stdout  # the hint line


def test_the_readme_lists_every_tips_command() -> None:
    table = re.findall(r"^\| `tips ([a-z]+)", (REPO / "README.md").read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert set(table) == set(main.commands)


def test_contributing_md_points_to_the_guide() -> None:
    text = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    assert "(docs/contributing.md)" in text


def test_the_pr_template_is_a_checklist_of_the_guides_rules() -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    items = re.findall(r"^- \[ \] (.+)$", text, flags=re.MULTILINE)
    assert len(items) >= 6
    for must in ("tips check", "make serve", "source:", "published", "week:", "make test"):
        assert any(must in item for item in items), f"the checklist does not mention {must}"
