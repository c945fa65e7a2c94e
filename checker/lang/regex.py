"""Can two patterns match a common string? Regular-language intersection for the lints.

A glob in ``kms_key.allowed`` that no KMS key ARN can match, or a grader ``arn_pattern`` that
no Lambda ARN can match, makes a rule fail every model forever; ``validate`` warns about them.
Deciding that needs more than trying sample strings: ``arn:aws:kms:eu-*:1111:key/*`` and
botocore's ``KmsKeyArn`` pattern share no string (the account has four digits), while
``arn:aws:kms:eu-*`` shares many. So both patterns become small NFAs (Thompson's
construction) over a finite alphabet, and a breadth-first search of their product looks for a
pair of accepting states.

The regex subset is what ARN patterns use: literals, escapes, ``.``, classes with ranges and
negation, ``\\d \\w \\s`` (and their negations), groups (plain, non-capturing, named),
alternation, and the quantifiers ``* + ? {m} {m,} {m,n}`` (lazy or not). Anchors are taken as
empty (patterns match whole values anyway). Anything else (lookaround, backreferences, inline
flags) raises Unsupported, and the caller skips the lint: a lint must never guess.

Over-approximations only ever make the answer "they may intersect" (no warning): characters
outside printable ASCII are one symbol, and repeats above ``MAX_REPEAT`` become unbounded.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise

from checker.values import glob_tokens

_PRINTABLE = frozenset(chr(c) for c in range(0x20, 0x7F))
OTHER = "\x00"  # stands for every character outside printable ASCII
UNIVERSE = _PRINTABLE | {OTHER}
MAX_REPEAT = 300

Charset = frozenset[str]

_DIGITS = frozenset("0123456789")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") | {OTHER}
_SPACE = frozenset(" ") | {OTHER}  # tabs and newlines are outside the alphabet: OTHER
_CLASS_ESCAPES = {
    "d": _DIGITS, "D": UNIVERSE - _DIGITS,
    "w": _WORD, "W": UNIVERSE - _WORD,
    "s": _SPACE, "S": UNIVERSE,
}


class Unsupported(ValueError):
    """A pattern this module cannot turn into an automaton."""


def _char(c: str) -> str:
    return c if c in _PRINTABLE else OTHER


@dataclass
class Nfa:
    """States are integers; ``moves[s]`` are (charset, target) pairs, ``empty[s]`` targets."""

    moves: list[list[tuple[Charset, int]]] = field(default_factory=list)
    empty: list[list[int]] = field(default_factory=list)
    start: int = 0
    accept: int = 0

    def state(self) -> int:
        self.moves.append([])
        self.empty.append([])
        return len(self.moves) - 1



# A fragment is (entry, exit) inside one Nfa.
Fragment = tuple[int, int]


class _Builder:
    def __init__(self) -> None:
        self.nfa = Nfa()

    def chars(self, charset: Charset) -> Fragment:
        a, b = self.nfa.state(), self.nfa.state()
        self.nfa.moves[a].append((charset, b))
        return a, b

    def empty(self) -> Fragment:
        a, b = self.nfa.state(), self.nfa.state()
        self.nfa.empty[a].append(b)
        return a, b

    def concat(self, parts: list[Fragment]) -> Fragment:
        if not parts:
            return self.empty()
        for (_, exit_), (entry, _) in pairwise(parts):
            self.nfa.empty[exit_].append(entry)
        return parts[0][0], parts[-1][1]

    def alternate(self, options: list[Fragment]) -> Fragment:
        a, b = self.nfa.state(), self.nfa.state()
        for entry, exit_ in options:
            self.nfa.empty[a].append(entry)
            self.nfa.empty[exit_].append(b)
        return a, b

    def star(self, part: Fragment) -> Fragment:
        a, b = self.nfa.state(), self.nfa.state()
        entry, exit_ = part
        self.nfa.empty[a] += [entry, b]
        self.nfa.empty[exit_] += [entry, b]
        return a, b

    def finish(self, fragment: Fragment) -> Nfa:
        self.nfa.start, self.nfa.accept = fragment
        return self.nfa


# --- regexes ------------------------------------------------------------------------------

class _RegexParser:
    """Recursive descent over the regex subset; builds fragments as it goes.

    A repeated atom is re-parsed from its source span for each copy, so every copy gets
    states of its own.
    """

    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0
        self.builder = _Builder()

    def parse(self) -> Nfa:
        fragment = self.alternation()
        if self.pos != len(self.text):
            raise Unsupported(f"unbalanced ')' at {self.pos}")
        return self.builder.finish(fragment)

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def alternation(self) -> Fragment:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else self.builder.alternate(options)

    def sequence(self) -> Fragment:
        parts: list[Fragment] = []
        while self.peek() not in (None, "|", ")"):
            parts.append(self.quantified())
        return self.builder.concat(parts)

    def quantified(self) -> Fragment:
        start = self.pos
        unused = [self.atom()]
        end = self.pos
        bounds = self.quantifier()
        if bounds is None:
            return unused[0]

        def take() -> Fragment:
            # Each copy of the atom needs states of its own: re-parse its source span.
            return unused.pop() if unused else self._reparse(start, end)

        low, high = bounds
        pieces = [take() for _ in range(low)]
        if high is None:
            pieces.append(self.builder.star(take()))
        else:
            pieces += [self.builder.alternate([take(), self.builder.empty()])
                       for _ in range(high - low)]
        return self.builder.concat(pieces)

    def _reparse(self, start: int, end: int) -> Fragment:
        saved = self.pos
        self.pos = start
        fragment = self.atom()
        assert self.pos == end
        self.pos = saved
        return fragment

    def quantifier(self) -> tuple[int, int | None] | None:
        c = self.peek()
        bounds: tuple[int, int | None] | None
        if c == "*":
            bounds, self.pos = (0, None), self.pos + 1
        elif c == "+":
            bounds, self.pos = (1, None), self.pos + 1
        elif c == "?":
            bounds, self.pos = (0, 1), self.pos + 1
        elif c == "{":
            bounds = self.braces()
            if bounds is None:
                return None
        else:
            return None
        if self.peek() in ("?", "+"):  # lazy or possessive: the same language
            self.pos += 1
        if self.peek() in ("*", "+", "?") or (self.peek() == "{" and self._brace_ahead()):
            raise Unsupported("multiple repeat")
        low, high = bounds
        if low > MAX_REPEAT:
            raise Unsupported("repeat count too large")
        if high is not None and high > MAX_REPEAT:
            high = None
        return low, high

    def _brace_ahead(self) -> bool:
        saved = self.pos
        found = self.braces()
        self.pos = saved
        return found is not None

    def braces(self) -> tuple[int, int | None] | None:
        """``{m}``, ``{m,}``, ``{m,n}`` (``{,n}`` too); anything else is a literal '{'."""
        close = self.text.find("}", self.pos)
        if close < 0:
            return None
        inner = self.text[self.pos + 1:close]
        low_text, comma, high_text = inner.partition(",")
        if not (low_text.isdigit() or (comma and not low_text)) or \
                (high_text and not high_text.isdigit()):
            return None
        if not comma and not low_text:
            return None
        low = int(low_text) if low_text else 0
        high: int | None = int(high_text) if high_text else (None if comma else low)
        if high is not None and high < low:
            raise Unsupported("min repeat greater than max repeat")
        self.pos = close + 1
        return low, high

    def atom(self) -> Fragment:
        c = self.peek()
        assert c is not None
        builder = self.builder
        if c == "(":
            self.pos += 1
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            elif self.text.startswith("?P<", self.pos):
                close = self.text.find(">", self.pos)
                if close < 0:
                    raise Unsupported("bad group name")
                self.pos = close + 1
            elif self.peek() == "?":
                raise Unsupported("lookaround, inline flags or other group extensions")
            fragment = self.alternation()
            if self.peek() != ")":
                raise Unsupported("missing ')'")
            self.pos += 1
            return fragment
        if c in "*+?":
            raise Unsupported("nothing to repeat")
        self.pos += 1
        if c == ".":
            return builder.chars(UNIVERSE)
        if c in "^$":
            return builder.empty()
        if c == "[":
            return builder.chars(self.char_class())
        if c == "\\":
            return builder.chars(self.escape(in_class=False))
        return builder.chars(frozenset({_char(c)}))

    def escape(self, *, in_class: bool) -> Charset:
        c = self.peek()
        if c is None:
            raise Unsupported("trailing backslash")
        self.pos += 1
        if c in _CLASS_ESCAPES:
            return _CLASS_ESCAPES[c]
        if c in "ntrfv":
            return frozenset({OTHER})
        if c.isalnum():  # backreferences, anchors, \x and \u escapes: not handled
            raise Unsupported(f"escape \\{c}")
        return frozenset({_char(c)})

    def char_class(self) -> Charset:
        negate = self.peek() == "^"
        if negate:
            self.pos += 1
        members: set[str] = set()
        first = True
        while True:
            c = self.peek()
            if c is None:
                raise Unsupported("unterminated character class")
            if c == "]" and not first:
                self.pos += 1
                break
            first = False
            if c == "[" and self.text.startswith(("[:", "[=", "[."), self.pos):
                raise Unsupported("POSIX class")
            low_set = self._class_atom()
            if self.peek() == "-" and self.pos + 1 < len(self.text) and \
                    self.text[self.pos + 1] != "]" and len(low_set) == 1:
                self.pos += 1
                high_set = self._class_atom()
                if len(high_set) != 1:
                    raise Unsupported("bad character range")
                low, high = next(iter(low_set)), next(iter(high_set))
                if OTHER in (low, high) or ord(low) > ord(high):
                    raise Unsupported("character range outside printable ASCII")
                members |= {chr(o) for o in range(ord(low), ord(high) + 1)}
            else:
                members |= low_set
        charset = frozenset(members)
        return UNIVERSE - charset if negate else charset

    def _class_atom(self) -> Charset:
        c = self.peek()
        assert c is not None
        if c == "\\":
            self.pos += 1
            return self.escape(in_class=True)
        self.pos += 1
        return frozenset({_char(c)})


def regex_nfa(pattern: str) -> Nfa:
    """An NFA for the strings ``re.fullmatch(pattern, s)`` accepts (over-approximated)."""
    return _RegexParser(pattern).parse()


# --- globs --------------------------------------------------------------------------------

def _bracket_members(body: str) -> frozenset[str]:
    """The characters a bracket's body names (ranges and single characters)."""
    members: set[str] = set()
    k = 0
    while k < len(body):
        if k + 2 < len(body) and body[k + 1] == "-":
            low, high = body[k], body[k + 2]
            members |= {_char(chr(o)) for o in range(ord(low), ord(high) + 1)}
            k += 3
        else:
            members.add(_char(body[k]))
            k += 1
    return frozenset(members)


def glob_nfa(pattern: str, *, arn: bool = False) -> Nfa:
    """An NFA for the strings a case-sensitive fnmatch glob matches in full; ``arn``: as a
    glob on an ARN, whose ``*`` and ``?`` never cross ``:`` but a final ``*`` matches the
    rest (checker.values.arn_glob_regex)."""
    builder = _Builder()
    parts: list[Fragment] = []
    within = UNIVERSE - {":"} if arn else UNIVERSE
    for kind, text in glob_tokens(pattern):
        if kind == "*":
            final = arn and text == "final"
            parts.append(builder.star(builder.chars(UNIVERSE if final else within)))
        elif kind == "?":
            parts.append(builder.chars(within))
        elif kind in ("[", "[!"):
            charset = _bracket_members(text)
            parts.append(builder.chars(within - charset if kind == "[!" else charset))
        else:
            parts.append(builder.chars(frozenset({_char(text)})))
    return builder.finish(builder.concat(parts))


# --- intersection -------------------------------------------------------------------------

def intersects(a: Nfa, b: Nfa) -> bool:
    """Whether some string is accepted by both automata (a search of their product)."""
    start = (a.start, b.start)
    seen = {start}
    queue = deque([start])
    while queue:
        p, q = queue.popleft()
        if p == a.accept and q == b.accept:
            return True
        steps = [(target, q) for target in a.empty[p]]
        steps += [(p, target) for target in b.empty[q]]
        steps += [(target_a, target_b)
                  for chars_a, target_a in a.moves[p]
                  for chars_b, target_b in b.moves[q] if chars_a & chars_b]
        for pair in steps:
            if pair not in seen:
                seen.add(pair)
                queue.append(pair)
    return False


def regex_meets_glob(pattern: str, glob: str) -> bool | None:
    """Whether a regex (full match) and a glob can match a common string; None when the
    regex uses syntax this module does not handle."""
    try:
        return intersects(regex_nfa(pattern), glob_nfa(glob))
    except Unsupported:
        return None


def regexes_meet(first: str, second: str) -> bool | None:
    """Whether two regexes (full match) can match a common string; None if unsupported."""
    try:
        return intersects(regex_nfa(first), regex_nfa(second))
    except Unsupported:
        return None
