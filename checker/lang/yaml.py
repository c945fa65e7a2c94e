"""Safe YAML loading that remembers where every value stood.

PyYAML's own loaders forget line numbers, silently keep the last of two equal keys (which can
hide a rule) and expand aliases without bound. This loader composes the node graph with the
safe resolver, then builds plain Python data itself: duplicate keys are errors, aliases are
expanded under a budget, and every mapping key and value is given a (line, column).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import yaml

from checker.errors import Problem
from checker.values import exact_float

# More nodes than this after alias expansion is refused: a policy file has hundreds, an alias
# bomb ("billion laughs") has billions. The size is worked out on the node graph before any
# value is built (each distinct node once), so a bomb is refused in milliseconds.
MAX_NODES = 200_000
# Deeper nesting than this is refused: real files nest a dozen levels.
MAX_DEPTH = 200

Path = tuple[str | int, ...]
# A UTF-16 surrogate code point: not a character, and not writable as UTF-8. Only an escape
# ("\ud800") can put one in a string.
SURROGATE = re.compile("[\ud800-\udfff]")

_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{name}"
                         for name in ("str", "int", "float", "bool", "null", "timestamp"))


@dataclass
class Located:
    """A loaded YAML document and the (line, column), 1-based, of each value by its path.

    ``keys`` holds the position of each mapping key; ``values`` the position of each value.
    """

    data: Any
    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """The position of ``path``, or of its closest located parent."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if not key and probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))

    def problem(self, path: Path, message: str, *, key: bool = False,
                warning: bool = False) -> Problem:
        line, col = self.where(path, key=key)
        return Problem(self.file, line, col, message, warning)


class YamlError(Exception):
    """The text is not YAML this loader accepts; carries a located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _position(mark: yaml.Mark | None) -> tuple[int, int]:
    if mark is None:
        return (1, 1)
    return (mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.count = 0
        self.loader = yaml.SafeLoader("")
        self.located = Located(None, file)

    def fail(self, node: yaml.Node | None, message: str) -> YamlError:
        line, col = _position(node.start_mark if node is not None else None)
        return YamlError(Problem(self.file, line, col, message))

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(node, f"document expands to more than {MAX_NODES:,} values "
                                  "(an alias bomb?); refused")
        self.located.values[path] = _position(node.start_mark)
        if isinstance(node, yaml.MappingNode):
            if node.tag != "tag:yaml.org,2002:map":
                raise self.fail(node, _bad_tag(node.tag))
            result: dict[str, Any] = {}
            for key_node, value_node in self._pairs(node):
                key = self._key(key_node)
                child: Path = (*path, key)
                if key in result:
                    first = self.located.keys[child]
                    raise self.fail(key_node, f"duplicate key {key!r} (first at line {first[0]}); "
                                              "YAML would silently keep only the last one")
                self.located.keys[child] = _position(key_node.start_mark)
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self.fail(node, _bad_tag(node.tag))
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(node, _bad_tag(node.tag))
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            raise self.fail(node, f"invalid value: {_first_line(exc)}") from None
        except (ValueError, OverflowError) as exc:
            # A date that is not one (2027-13-45, 2027-02-30), an integer past Python's
            # digit limit.
            raise self.fail(node, f"invalid value {_short(node.value)}: "
                                  f"{value_problem(exc)}") from None
        if isinstance(value, float) and not exact_float(str(node.value), value):
            text = str(node.value) if len(str(node.value)) <= 40 else \
                str(node.value)[:37] + "..."
            raise self.fail(node, f"the number {text} cannot be held exactly (YAML would read "
                                  f"it as {value!r}); quote it, \"{text}\", to compare it "
                                  "as the exact number written")
        if isinstance(value, str) and SURROGATE.search(value):
            raise self.fail(node, "a string holds a lone surrogate (\\ud800-\\udfff), which "
                                  "is not a character")
        return value

    def _pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "YAML merge keys ('<<') are not supported; "
                                          "write the keys out")
            pairs.append((key_node, value_node))
        return pairs

    def _key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, "mapping keys must be plain strings")
        try:
            value = self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self.fail(node, f"invalid key {_short(node.value)}: "
                                  f"{_first_line(exc)}") from None
        if isinstance(value, bool) or value is None:
            # `on`, `yes`, `null` as keys: keep the text the author wrote.
            return str(node.value)
        return str(value)


def _bad_tag(tag: str) -> str:
    return (f"unsupported YAML tag {tag!r}: only plain data (strings, numbers, booleans, "
            "null, dates) is allowed")


def value_problem(exc: BaseException) -> str:
    """Why a scalar could not be read, in words (not Python's advice to raise a limit)."""
    if "integer string conversion" in str(exc):
        limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()
        return f"an integer longer than {limit:,} digits, more than can be read"
    return _first_line(exc)


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_expansion(node: yaml.Node, file: str) -> None:
    """Refuse a node graph that would expand past MAX_NODES values or MAX_DEPTH levels, or
    that refers to itself, before anything is built from it.

    Aliases make the graph a DAG whose expanded size can be exponential in the text; sizes are
    summed bottom-up with each distinct node visited once, without recursion.
    """
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(node, 1, False)]
    while stack:
        current, depth, done = stack.pop()
        key = id(current)
        if done:
            on_path.discard(key)
            total = 1 + sum(size[id(c)] for c in _children(current))
            size[key] = total
            if total > MAX_NODES:
                line, col = _position(current.start_mark)
                raise YamlError(Problem(file, line, col, f"document expands to more than "
                                        f"{MAX_NODES:,} values (an alias bomb?); refused"))
            continue
        if key in size:
            continue
        if key in on_path:
            line, col = _position(current.start_mark)
            raise YamlError(Problem(file, line, col, "an alias refers to a value that contains "
                                    "it (a recursive document); refused"))
        if depth > MAX_DEPTH:
            line, col = _position(current.start_mark)
            raise YamlError(Problem(file, line, col, f"values nested more than {MAX_DEPTH} "
                                    "levels deep; refused"))
        on_path.add(key)
        stack.append((current, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(current)
                     if id(child) not in size)


def _too_deep(file: str, mark: Any) -> YamlError:
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return YamlError(Problem(file, line, col, f"values nested more than {MAX_DEPTH} levels "
                                              "deep; refused"))


def _check_depth(text: str, file: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before PyYAML's pure-Python parser sees it: its
    scanner is quadratic in the depth of flow collections and its composer recursive. libyaml's
    event parser (when PyYAML was built with it) is linear and not recursive; its errors are
    left to the located parse that follows."""
    parser_class = getattr(yaml, "CSafeLoader", None)
    if parser_class is None:
        return
    parser = parser_class(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(file, event.start_mark)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml scans flow collections ahead and stops at its own nesting limit (1000).
        if "nesting depth" in str(exc.problem):
            raise _too_deep(file, exc.problem_mark) from None
    except yaml.YAMLError:
        return
    finally:
        parser.dispose()


def load_yaml(text: str, file: str) -> Located:
    """Parse one YAML document into plain data with positions; raise YamlError if it is bad."""
    _check_depth(text, file)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise YamlError(Problem(file, 1, 1, f"values nested more than {MAX_DEPTH} levels "
                                "deep; refused")) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _position(mark)
        message = exc.problem or exc.context or "invalid YAML"
        raise YamlError(Problem(file, line, col, f"invalid YAML: {message}")) from None
    except yaml.YAMLError as exc:
        raise YamlError(Problem(file, 1, 1, f"invalid YAML: {_first_line(exc)}")) from None
    builder = _Builder(file)
    if node is None:
        builder.located.data = None
        return builder.located
    check_expansion(node, file)
    builder.located.data = builder.build(node, ())
    return builder.located


def not_utf8(data: bytes, exc: UnicodeDecodeError, file: str) -> Problem:
    """The problem of a file that is not UTF-8, at the line and column of the bad byte."""
    before = data[:exc.start]
    line = before.count(b"\n") + 1
    col = exc.start - (before.rfind(b"\n") + 1) + 1
    return Problem(file, line, col, f"not UTF-8 text: {exc.reason} (byte 0x{data[exc.start]:02x})")


def load_yaml_file(path: str, what: str) -> Located:
    """Read and parse a YAML file of the given kind (``"the accounts file"``, say).

    An unreadable file is a CheckerError naming it; a file that is not UTF-8 or not YAML is a
    PolicyError with its location. Both exit 2.
    """
    from checker.errors import CheckerError, PolicyError

    try:
        data = FilePath(path).read_bytes()
    except OSError as exc:
        raise CheckerError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError([not_utf8(data, exc, path)]) from None
    try:
        return load_yaml(text, path)
    except YamlError as exc:
        raise PolicyError([exc.problem]) from None
