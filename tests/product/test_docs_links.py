"""The documentation still works: every relative link and `#anchor` in README.md and docs/*.md
resolves (the README's links into the repository are absolute URLs, so that it renders on a
package index: each names a file or directory of this checkout, and its anchor a heading),
and every command example that works offline runs against the shipped examples.

Command examples are the lines of fenced ```sh / ```console blocks that start with
`bedrock-drift ` (or `$ bedrock-drift `); a line ending in a backslash continues on the next.
Each runs in-process through the installed entry point, in a scratch folder that sees the
repository's `examples/` and `policies/`, after the earlier examples of its page that write
files (so `diff state.json` finds the snapshot an earlier line wrote). It must exit 0 or 1,
unless a comment on the line or just above it says `exits N`, and never with an internal
error. Examples that read live AWS are parsed, not run, by the rule LIVE_AWS below.
"""

from __future__ import annotations

import importlib
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support import ROOT, fake_aws_env

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMAND_LANGUAGES = {"sh", "console"}
PROGRAM = "bedrock-drift"
# What the scratch folder of a command example links back to.
SHIPPED = ("examples", "policies", "checker")

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)")
HTML_ANCHOR = re.compile(r"<a\s[^>]*(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)
EXITS = re.compile(r"\bexits? (\d)\b")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@dataclass(frozen=True)
class Block:
    language: str
    first_line: int  # 1-based line of the block's first content line
    lines: tuple[str, ...]


def split_markdown(text: str) -> tuple[list[tuple[int, str]], list[Block]]:
    """The prose lines (numbered, outside fenced blocks) and the fenced blocks of a page."""
    prose: list[tuple[int, str]] = []
    blocks: list[Block] = []
    fence: str | None = None
    language = ""
    start = 0
    body: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        opened = FENCE.match(line)
        if fence is None:
            if opened:
                fence, language, start, body = opened.group(1), opened.group(2), number + 1, []
            else:
                prose.append((number, line))
        elif line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            blocks.append(Block(language, start, tuple(body)))
            fence = None
        else:
            body.append(line)
    return prose, blocks


# -- links and anchors ----------------------------------------------------------------------


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text lower-cased, punctuation dropped, spaces to
    hyphens (the rules of github-slugger)."""
    text = INLINE_CODE.sub(lambda m: m.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link shows its text
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    prose, _ = split_markdown(page.read_text(encoding="utf-8"))
    found: set[str] = set()
    counts: dict[str, int] = {}
    for _, line in prose:
        found.update(HTML_ANCHOR.findall(line))
        heading = HEADING.match(line)
        if heading:
            slug = github_slug(heading.group(2))
            seen = counts.get(slug, 0)
            counts[slug] = seen + 1
            found.add(slug if seen == 0 else f"{slug}-{seen}")
    return found


@dataclass(frozen=True)
class Link:
    page: Path
    line: int
    target: str

    def __str__(self) -> str:
        return f"{rel(self.page)}:{self.line}: {self.target}"


def links(page: Path) -> list[Link]:
    """Every link of a page's prose (not inside code), including reference definitions."""
    prose, _ = split_markdown(page.read_text(encoding="utf-8"))
    found = []
    for number, line in prose:
        visible = INLINE_CODE.sub("", line)
        for target in [*LINK.findall(visible), *REFERENCE.findall(visible)]:
            found.append(Link(page, number, target))
    return found


def is_external(target: str) -> bool:
    return re.match(r"^[a-z][a-z0-9+.-]*:", target, flags=re.IGNORECASE) is not None


RELATIVE_LINKS = [link for page in PAGES for link in links(page) if not is_external(link.target)]
# The README is also the package's description on a package index, where relative links
# break: it links into the repository by absolute URLs, checked here like relative links.
REPOSITORY = "https://github.com/bedrock-drift/bedrock-drift/"
REPOSITORY_PREFIXES = {"blob": REPOSITORY + "blob/main/", "tree": REPOSITORY + "tree/main/"}


def repository_path(target: str) -> tuple[str, str] | None:
    """(``blob`` or ``tree``, the path and anchor in the repository) of a link into this
    repository's main branch; None for any other link."""
    for kind, prefix in REPOSITORY_PREFIXES.items():
        if target.startswith(prefix):
            return kind, target.removeprefix(prefix)
    return None


REPOSITORY_LINKS = [link for page in PAGES for link in links(page)
                    if repository_path(link.target) is not None]


def test_every_page_is_linked_from_the_readme() -> None:
    targets = set()
    for link in links(ROOT / "README.md"):
        found = repository_path(link.target)
        if found is not None:
            targets.add((ROOT / found[1].split("#")[0]).resolve())
    unlinked = [rel(p) for p in PAGES[1:] if p.resolve() not in targets]
    assert unlinked == []


def test_the_pages_have_relative_links() -> None:
    assert len(RELATIVE_LINKS) > 20


def test_the_readme_links_only_by_absolute_urls() -> None:
    """No link of the README is relative (or an in-page anchor), so it renders on a package
    index as it does on GitHub."""
    readme = links(ROOT / "README.md")
    assert [str(link) for link in readme if not is_external(link.target)] == []
    assert len([link for link in readme if repository_path(link.target)]) > 20


def resolves(link: Link, target: Path, anchor: str) -> None:
    assert target.is_relative_to(ROOT), f"{link}: points outside the repository"
    assert target.exists(), f"{link}: {rel(target)} does not exist"
    if anchor:
        assert target.suffix == ".md", f"{link}: an anchor into a file that is not Markdown"
        known = anchors(target)
        assert anchor in known, f"{link}: no heading of {rel(target)} has the anchor " \
            f"#{anchor}; it has: {', '.join(sorted(known))}"


@pytest.mark.parametrize("link", RELATIVE_LINKS, ids=str)
def test_relative_link_resolves(link: Link) -> None:
    path, _, anchor = link.target.partition("#")
    resolves(link, (link.page.parent / path).resolve() if path else link.page, anchor)


@pytest.mark.parametrize("link", REPOSITORY_LINKS, ids=str)
def test_repository_link_resolves(link: Link) -> None:
    found = repository_path(link.target)
    assert found is not None
    kind, rest = found
    path, _, anchor = rest.partition("#")
    target = (ROOT / path).resolve()
    resolves(link, target, anchor)
    # GitHub shows a file under blob/ and a directory under tree/.
    assert target.is_dir() == (kind == "tree"), f"{link}: use {REPOSITORY}" \
        f"{'tree' if target.is_dir() else 'blob'}/main/{rest}"


def test_slugs_follow_github() -> None:
    assert github_slug("Policy unit tests: `bedrock-drift test`") == \
        "policy-unit-tests-bedrock-drift-test"
    assert github_slug("Judging: 10,000 models, 50 rules") == "judging-10000-models-50-rules"
    assert github_slug("Sharded runs: merge") == "sharded-runs-merge"
    assert github_slug("Lints in `validate`") == "lints-in-validate"


# -- command examples -------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    page: Path
    line: int
    argv: tuple[str, ...]  # after the program name
    stdout_to: str | None  # `> FILE`
    exits: frozenset[int]

    def __str__(self) -> str:
        return f"{rel(self.page)}:{self.line}: {shlex.join((PROGRAM, *self.argv))}"

    def writes_files(self) -> bool:
        return self.stdout_to is not None or any(
            arg in {"-o", "--output", "--report"} or arg.startswith(("-o", "--output="))
            for arg in self.argv) or self.argv[:1] == ("snapshot",)


def command_lines(block: Block) -> Iterator[tuple[int, str, str]]:
    """(line, command, the comments just above it and on it) for each bedrock-drift line."""
    comments: list[str] = []
    pending: list[str] = []
    start = 0
    for offset, raw in enumerate(block.lines):
        line = raw.strip()
        if not pending:
            start = block.first_line + offset
            if line.startswith("#"):
                comments.append(line)
                continue
            line = line.removeprefix("$ ")
            if not line.startswith(f"{PROGRAM} "):
                comments = []
                continue
        if line.endswith("\\"):
            pending.append(line[:-1])
            continue
        command = " ".join([*pending, line])
        pending = []
        trailing = command.split(" #", 1)[1] if " #" in command else ""
        yield start, command, " ".join([*comments, trailing])
        comments = []


def parse_example(page: Path, line: int, command: str, comments: str) -> Example:
    words = shlex.split(command.removeprefix("$ "), comments=True)
    assert words[0] == PROGRAM
    unsupported = {"|", "||", "&&", ";", "<", "2>", ">>"} & set(words)
    assert not unsupported, f"{rel(page)}:{line}: shell syntax {unsupported} in {command!r}"
    stdout_to = None
    if ">" in words:
        at = words.index(">")
        assert len(words) == at + 2, f"{rel(page)}:{line}: `> FILE` must end {command!r}"
        stdout_to = words[at + 1]
        words = words[:at]
    said = EXITS.findall(comments)
    exits = frozenset(int(code) for code in said) if said else frozenset({0, 1})
    return Example(page, line, tuple(words[1:]), stdout_to, exits)


def examples(page: Path) -> list[Example]:
    _, blocks = split_markdown(page.read_text(encoding="utf-8"))
    return [parse_example(page, line, command, comments)
            for block in blocks if block.language in COMMAND_LANGUAGES
            for line, command, comments in command_lines(block)]


def option_given(argv: tuple[str, ...], *names: str) -> bool:
    return any(arg == name or arg.startswith(f"{name}=") for arg in argv for name in names)


LIVE_AWS = "LIVE_AWS"


def needs_live_aws(example: Example) -> bool:
    """Rule LIVE_AWS: `check` and `snapshot` read live AWS unless given `--from`, and `diff`
    unless given `--against` (or `--from`); `publish` always writes to it. Such examples
    need an account; every other command (validate, test, rules, schema, permissions,
    merge) never calls AWS."""
    command = example.argv[0] if example.argv else ""
    if command == "publish":
        return True
    if command in {"check", "snapshot"}:
        return not option_given(example.argv, "--from")
    if command == "diff":
        return not option_given(example.argv, "--from", "--against")
    return False


EXAMPLES = [example for page in PAGES for example in examples(page)]
OFFLINE = [e for e in EXAMPLES if not needs_live_aws(e)]
LIVE = [e for e in EXAMPLES if needs_live_aws(e)]


def test_the_docs_have_offline_examples_on_every_reference_page() -> None:
    pages = {rel(e.page) for e in OFFLINE}
    assert {"docs/policies.md", "docs/aws.md", "docs/ci.md", "docs/drift.md",
            "docs/json-report.md"} <= pages
    assert len(OFFLINE) >= 20


@pytest.mark.parametrize("example", LIVE, ids=str)
def test_live_aws_example_parses(example: Example) -> None:
    """Rule LIVE_AWS: an example that needs an account is not run, but its command and every
    option it uses are parsed by the real command line, so a renamed option fails here."""
    assert needs_live_aws(example)
    group = importlib.import_module("checker.cli").cli
    command = group.commands[example.argv[0]]
    context = command.make_context(example.argv[0], list(example.argv[1:]),
                                   resilient_parsing=False)
    assert context.command is command


def run(argv: tuple[str, ...]) -> tuple[int, str, str]:
    """Run the installed command in-process: its exit code, stdout and stderr."""
    main = importlib.import_module("checker.cli").main
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    with runner.isolation() as streams:
        code: object = 0
        try:
            main(list(argv))
        except SystemExit as exc:
            code = exc.code
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return (code if isinstance(code, int) else 0 if code is None else 2,
            out.decode("utf-8"), err.decode("utf-8"))


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder that sees the shipped files, with no AWS within reach."""
    fake_aws_env(monkeypatch, tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    import botocore.client

    def no_aws(self: object, operation: str, params: object) -> None:
        raise AssertionError(f"an offline example called AWS: {operation}")

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", no_aws)
    work = tmp_path / "work"
    work.mkdir()
    for name in SHIPPED:
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    monkeypatch.chdir(work)
    return work


def execute(example: Example, work: Path) -> tuple[int, str, str]:
    code, out, err = run(example.argv)
    if example.stdout_to is not None:
        (work / example.stdout_to).write_text(out, encoding="utf-8")
    return code, out, err


@pytest.mark.parametrize("example", OFFLINE, ids=str)
def test_offline_example_runs(example: Example, workdir: Path) -> None:
    for earlier in OFFLINE:
        if earlier == example:
            break
        if earlier.page == example.page and earlier.writes_files():
            execute(earlier, workdir)
    code, out, err = execute(example, workdir)
    assert "internal error" not in err and "Traceback" not in err, f"{example}\n{err}"
    assert code in example.exits, f"{example}: exit {code}, expected " \
        f"{sorted(example.exits)}\n{err or out[-2000:]}"
