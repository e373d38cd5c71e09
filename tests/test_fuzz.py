"""No input makes the checker crash: random and mutated files always give problems or success."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicetips.check import check_library
from servicetips.problems import CODES
from servicetips.yamlload import FALLBACK_HINT as YAML_FALLBACK_HINT
from support import AS_OF_DATE, FIXTURES, copy_library

SEEDS = sorted((FIXTURES / "bad").glob("*.md")) + sorted((FIXTURES / "good").glob("*.md"))
SEED_BYTES = [p.read_bytes() for p in SEEDS] + [(FIXTURES / "library" / "own-the-miss.md").read_bytes()]
YAML_BITS = [
    b"---\n",
    b"\n---\n",
    b"&a ",
    b"*a",
    b"!!python/object:os.system ",
    b"[",
    b"{",
    b"]",
    b"}",
    b": ",
    b"- ",
    b"\t",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff",
    b"<script>",
    b"](javascript:",
    b"# ",
    b"title: ",
    b"tags: ",
    b"week: 2026-W",
    b"published: 2026-",
    b"'",
    b'"',
    b"\\",
    b"\xe2\x80\xa8",
    # YAML the schema does not use, characters feeds cannot carry, and what libyaml reserves.
    b"!!binary ",
    b"!!set ",
    b"!!timestamp ",
    b"!x!y ",
    b"<<: ",
    b"9" * 40,
    b"1e999",
    b".inf",
    b"\x0b",
    b"\x7f",
    b"\xc2\x85",
    b"\xef\xbf\xbe",
    b"\xf4\x8f\xbf\xbf",
    b"--- x",
    b"...\n",
    b"%",
    b"@",
    b"`",
    b"|",
    b">",
    b"? ",
    b",",
    b"\n  ",
    b"\n- ",
]

mutations = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=4000),
        st.sampled_from(["insert", "delete", "replace"]),
        st.one_of(st.sampled_from(YAML_BITS), st.binary(max_size=8)),
    ),
    max_size=6,
)


def mutate(data: bytes, edits) -> bytes:
    for position, kind, chunk in edits:
        at = position % (len(data) + 1)
        if kind == "insert":
            data = data[:at] + chunk + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + len(chunk) + 1 :]
        else:
            data = data[:at] + chunk + data[at + len(chunk) :]
    return data


def assert_checks_cleanly(root: Path, name: str) -> None:
    report = check_library(root, AS_OF_DATE, only=[root / name])
    for problem in report.problems:
        assert problem.code in CODES
        assert problem.line >= 1 and problem.col >= 1
        assert problem.message
        # Every YAML syntax error libyaml reports has a plain message in the
        # table of servicetips.yamlload; this hint marks the raw fallback.
        assert problem.hint != YAML_FALLBACK_HINT, problem.as_text()


fuzz_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzz_settings
@given(seed=st.sampled_from(SEED_BYTES), edits=mutations)
def test_mutated_tips_never_crash(tmp_path_factory, seed, edits):
    root = copy_library(tmp_path_factory.mktemp("fuzz"))
    (root / "fuzzed.md").write_bytes(mutate(seed, edits))
    assert_checks_cleanly(root, "fuzzed.md")


@fuzz_settings
@given(data=st.binary(max_size=600))
def test_random_bytes_never_crash(tmp_path_factory, data):
    root = copy_library(tmp_path_factory.mktemp("fuzz"))
    (root / "random.md").write_bytes(b"---\n" + data)
    assert_checks_cleanly(root, "random.md")


@fuzz_settings
@given(
    front=st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
        max_leaves=12,
    )
)
def test_any_yaml_value_as_front_matter_never_crashes(tmp_path_factory, front):
    root = copy_library(tmp_path_factory.mktemp("fuzz"))
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + "word " * 80
    (root / "value.md").write_text(text, encoding="utf-8")
    assert_checks_cleanly(root, "value.md")


def test_python_object_tags_are_not_executed(tmp_path):
    root = copy_library(tmp_path)
    marker = tmp_path / "pwned"
    (root / "evil.md").write_text(f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\nbody\n")
    report = check_library(root, AS_OF_DATE, only=[root / "evil.md"])
    assert not marker.exists()
    assert [p.code for p in report.problems] == ["FM006"]
