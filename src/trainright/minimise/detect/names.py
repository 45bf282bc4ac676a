"""Person names: platform accounts' display names plus common first names and surnames.

Everything is case-sensitive, so that capitalisation carries meaning. The batch scan (RE2)
locates runs of two or more capitalised words, relation words or titles followed by a
capitalised word ("bestemor Kari", "opa Henk de Vries", "Dr. Smith"), and lone first names
that are not everyday words ("Ingrid"); each located run is then checked against the
display names and the first-name and surname lists, with particles ("Jan van der Berg").
Display names that are not plain capitalised words ("Smith & Sons", "kari88", names in
other scripts) are matched as written: in the RE2 scan when there are few, otherwise by an
Aho-Corasick automaton. A first name that is also an everyday word ("Will", "May", "Rose")
counts only when a surname or another first name follows it; a lone capitalised common word
is not a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

import ahocorasick  # type: ignore[import-not-found]  # ships no type stubs

from trainright.minimise.detect.base import Span

_L = r"[^\W\d_]"
# A word (letters joined by apostrophes or hyphens) or an initial such as "N.".
TOKEN = re.compile(rf"{_L}(?:\.(?!{_L})|{_L}*(?:['’-]{_L}+)*)")
_LITERALS_IN_RE2 = 500
_KINDS_LIMIT = 100_000
_RE2_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$#&~-])")


def _re2_escape(text: str) -> str:
    return _RE2_SPECIAL.sub(r"\\\1", text)


def _read(name: str) -> dict[str, list[str]]:
    """Sections of a names/ data file: {section: lines}, comments dropped."""
    text = resources.files("trainright.minimise").joinpath("names", name).read_text("utf-8")
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        else:
            current.append(line)
    return sections


@dataclass(frozen=True)
class Lexicon:
    """The name lists of English, Norwegian Bokmål and Dutch (see names/*.txt for sources)."""

    first: frozenset[str]
    first_ambiguous: frozenset[str]
    surname: frozenset[str]
    surname_ambiguous: frozenset[str]
    particles: frozenset[str]
    titles: frozenset[str]
    kin: frozenset[str]
    stop: frozenset[str]

    @classmethod
    def load(cls) -> Lexicon:
        """Read the packaged lists."""
        names: dict[str, set[str]] = {k: set() for k in ("f", "fa", "s", "sa")}
        for lang in ("en", "nb", "nl"):
            data = _read(f"{lang}.txt")
            for section, key in (("first", "f"), ("surname", "s")):
                for line in data.get(section, []):
                    ambiguous = line.endswith("~")
                    word = line.rstrip(" ~").split()[-1]
                    names[key + "a" if ambiguous else key].add(word)
        words = _read("words.txt")
        for key in ("f", "s"):
            names[key] -= names[key + "a"]
        return cls(
            first=frozenset(names["f"]),
            first_ambiguous=frozenset(names["fa"]),
            surname=frozenset(names["s"]),
            surname_ambiguous=frozenset(names["sa"]),
            particles=frozenset(words["particle"]),
            titles=frozenset(words["title"]),
            kin=frozenset(words["kin"]),
            stop=frozenset(words["stop"]),
        )


def _single_ok(word: str, common: set[str]) -> bool:
    """A one-word display name is matched only when it cannot be an everyday word: it is
    capitalised, or a handle with digits or underscores ("kari88"); lowercase words such
    as "sunshine" are skipped, since they would redact the word everywhere."""
    if len(word) < 3 or word.casefold() in common or not any(c.isalpha() for c in word):
        return False
    return word[0].isupper() or not word.isalpha()


def display_key(tokens: Iterable[str]) -> str:
    """How a display name and a run of words in a post are compared."""
    return " ".join(tokens).casefold()


# RE2 for runs of capitalised words. Latin script (Latin-1 and Latin Extended-A) spelled
# out: RE2's Unicode classes (\p{Lu}) make the scan several times slower here.
_UP = r"[A-ZÀ-ÖØ-Þ\x{0100}-\x{017F}]"
_LET = r"[A-Za-zß-öø-ÿÀ-ÖØ-Þ\x{0100}-\x{017F}]"
_WORD = rf"{_UP}{_LET}*(?:['’-]{_LET}+)*"
_END = r"(?:[^A-Za-z0-9@\x{00C0}-\x{017F}]|$)"  # not an IBAN's or email's letters
_START = r"(?:^|[^A-Za-z0-9\x{00C0}-\x{017F}])"
_LATIN_END = 0x17F
# A run's first word, after the boundary character the scan may include, and its spaces.
_LEAD = re.compile(rf"[^\w]?({TOKEN.pattern})[ \t]+(?=\w)")


@dataclass
class NameFinder:
    """Finds person names; picklable (the automaton is rebuilt from the word sets)."""

    lexicon: Lexicon
    display: frozenset[str]
    display_literal: frozenset[str]
    _automaton: Any = field(default=None, init=False, repr=False, compare=False)
    _kinds: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, account_names: Iterable[str | None]) -> NameFinder:
        """Index the display names: plain multi-word ones as keys, the rest for the automaton."""
        lexicon = Lexicon.load()
        common = lexicon.stop | lexicon.first_ambiguous | lexicon.surname_ambiguous
        common_folded = {w.casefold() for w in common | lexicon.particles | lexicon.kin}
        multi: set[str] = set()
        literal: set[str] = set()
        for name in account_names:
            if not name:
                continue
            words = name.split()
            plain = all(w.isalpha() and (w[0].isupper() or w in lexicon.particles) for w in words)
            plain = plain and max(map(ord, name)) <= _LATIN_END  # the run scan is Latin-only
            if len(words) > 1 and name[0].isupper() and plain:
                multi.add(display_key(words))
            elif len(words) > 1:  # "Smith & Sons", "Berg Bil og Dekk": matched as written
                literal.add(" ".join(words))
            elif _single_ok(words[0], common_folded):
                literal.add(words[0])
        return cls(lexicon, frozenset(multi), frozenset(literal))

    def __getstate__(self) -> dict[str, Any]:
        return {"lexicon": self.lexicon, "display": self.display, "literal": self.display_literal}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.lexicon = state["lexicon"]
        self.display = state["display"]
        self.display_literal = state["literal"]
        self._automaton = None
        self._kinds = {}

    @cached_property
    def locator(self) -> str:
        """RE2 for the batch scan: a relation word or title and capitalised words, a run of
        capitalised words, or a lone first name that is not an everyday word."""
        lex = self.lexicon
        intro = "|".join(sorted(lex.kin | lex.titles, key=len, reverse=True))
        first = "|".join(sorted(lex.first, key=len, reverse=True))
        particles = "|".join(sorted((_re2_escape(p) for p in lex.particles), key=len)[::-1])
        gap = rf"[ \t]+(?:(?:{particles})[ \t]+){{0,3}}"  # "de", "van der", "van de"
        rest = rf"(?:{gap}(?:{_WORD}|{_UP}\.))*"
        return (
            rf"{_START}(?:(?:(?i:{intro})\.?,?|{_WORD}){gap}{_WORD}{rest}"
            rf"|(?:{first})(?:['’]?s)?){_END}"
        )

    @cached_property
    def literal_locator(self) -> str | None:
        """RE2 for display names matched as written, when there are few enough of them."""
        if not self.display_literal or self.literal_by_automaton:
            return None
        literal = "|".join(_re2_escape(n) for n in sorted(self.display_literal, key=len)[::-1])
        return rf"{_START}(?:{literal}){_END}"

    @property
    def literal_by_automaton(self) -> bool:
        """Few literal display names join the RE2 scan; many would blow up its automaton."""
        return len(self.display_literal) > _LITERALS_IN_RE2

    @property
    def automaton(self) -> Any:
        """Display names that are not plain words, matched as written (built on first use)."""
        if self._automaton is None:
            auto = ahocorasick.Automaton()
            for word in self.display_literal:
                auto.add_word(word, len(word))
            auto.make_automaton()
            self._automaton = auto
        return self._automaton

    # --- helpers over words -------------------------------------------------------------

    def _kind(self, word: str) -> str:
        """C capitalised word, P particle, K relation word or title, I initial, x other.

        Memoised: the same words recur in run after run."""
        kind = self._kinds.get(word)
        if kind is None:
            if len(self._kinds) >= _KINDS_LIMIT:
                self._kinds.clear()
            kind = self._kinds[word] = self._classify(word)
        return kind

    def _classify(self, word: str) -> str:
        folded = word.casefold()
        if folded in self.lexicon.particles:
            return "P"
        if folded.rstrip(".") in self.lexicon.kin or folded.rstrip(".") in self.lexicon.titles:
            return "K"
        if len(word) == 2 and word[1] == ".":
            return "I"
        return "C" if word[0].isupper() else "x"

    @staticmethod
    def _forms(word: str) -> tuple[str, ...]:
        """The word as written, in title case if shouted, and without a genitive s."""
        if word.isupper() and len(word) > 1:
            word = word.capitalize()
        if word.endswith(("'s", "’s")):
            return word, word[:-2]
        if word.endswith("s") and len(word) > 3:
            return word, word[:-1]
        return (word,)

    def _is(self, word: str, names: frozenset[str]) -> bool:
        return any(form in names for form in self._forms(word))

    def _end(self, word: str, end: int) -> int:
        """End of a name word, leaving a genitive suffix outside the placeholder; a name
        that itself ends in s ("Peters", "Williams") is not read as a genitive."""
        if not word.endswith(("'s", "’s")) and self._forms(word)[0] in self._listed:
            return end
        for form in self._forms(word)[1:]:
            if form in self.lexicon.first or form in self.lexicon.surname:
                return end - (len(word) - len(form))
        if word.endswith(("'s", "’s")):
            return end - 2
        return end

    # --- located runs ------------------------------------------------------------------------

    def literal_span(self, region: str) -> Span | None:
        """The span of a literal display name located with its boundary characters.

        Every value region is asked, so its first and last characters are looked at
        first: the names begin and end with few characters (25 and 8 in the benchmark's
        211), and 24 regions in 25 have none of them there."""
        firsts, lasts = self._literal_ends
        if region[:1] not in firsts and region[1:2] not in firsts:
            return None
        if region[-1:] not in lasts and region[-2:-1] not in lasts:
            return None
        for start, cut in ((1, 1), (0, 1), (1, 0), (0, 0)):
            if region[start : len(region) - cut] in self.display_literal:
                return start, len(region) - cut
        return None

    @cached_property
    def _literal_ends(self) -> tuple[frozenset[str], frozenset[str]]:
        """The first and the last characters of the literal display names."""
        names = self.display_literal
        return frozenset(n[0] for n in names if n), frozenset(n[-1] for n in names if n)

    @cached_property
    def _listed(self) -> frozenset[str]:
        """Every first name and surname in the lists, everyday words among them too."""
        lex = self.lexicon
        return lex.first | lex.surname | lex.first_ambiguous | lex.surname_ambiguous

    @cached_property
    def _display_starts(self) -> frozenset[str]:
        """The first word of every display name of two words or more (case-folded)."""
        return frozenset(name.split(" ", 1)[0] for name in self.display)

    def lead(self, run: str) -> int:
        """Length of a leading everyday word that `in_run` passes over ("Thanks Kari
        Nordmann"), with the spaces after it; 0 when there is none.

        Such a word never starts or changes a name, so the rest of the run can be decided
        (and memoised) alone: greetings and names recur in every combination."""
        match = _LEAD.match(run)
        if match is None:
            return 0
        word = match.group(1)
        if word not in self.lexicon.stop or self._kind(word) != "C":
            return 0
        return match.end() if word.casefold() not in self._display_starts else 0

    def in_run(self, run: str) -> Iterator[Span]:
        """Names inside a located run, as offsets into the run."""
        start = 0 if run[:1].isalpha() else 1
        end = len(run) if run[-1:].isalpha() else len(run) - 1
        if run[start:end].casefold() in self.display:  # the common case: a whole display name
            yield start, end
            return
        toks = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(run)]
        kinds = [self._kind(w) for _, _, w in toks]
        folded = [w.casefold() for _, _, w in toks]
        lex, n, i = self.lexicon, len(toks), 0
        surnames = lex.surname | lex.surname_ambiguous
        while i < n:
            if kinds[i] in "xI":
                i += 1
                continue
            hit, suffix = (
                self._display_end(folded, i) if self.display and kinds[i] != "K" else (0, 0)
            )
            if hit:
                yield toks[i][0], toks[hit - 1][1] - suffix
                i = hit
                continue
            word = toks[i][2]
            nxt = self._next_cap(kinds, i + 1)
            follows = nxt is not None and toks[nxt][2] not in lex.stop
            other = toks[nxt][2] if nxt is not None else ""
            begin = None
            if kinds[i] == "K":  # "bestemor Kari", "Mevrouw de Vries": the title stays
                # after a particle only a surname: "my cousin in India" names a place
                if follows and (i + 1 == nxt or self._is(other, surnames)):
                    begin = i + 1
            elif kinds[i] == "P":  # a capitalised particle + surname: "De Vries", "Van Dijk"
                if word[0].isupper() and follows and self._is(other, surnames):
                    begin = i
            elif word in lex.stop:
                pass
            elif self._is(word, lex.first) or (
                follows
                and (
                    (word in lex.first_ambiguous and self._is(other, surnames | lex.first))
                    or self._is(other, lex.surname)
                    or ((nxt or 0) > i + 1 and self._is(other, surnames))
                )
            ):
                begin = i
            if begin is None:
                i += 1
                continue
            last = self._extend(toks, kinds, nxt if begin != i and nxt is not None else i)
            yield toks[begin][0], self._end(toks[last - 1][2], toks[last - 1][1])
            i = last

    def _display_end(self, folded: list[str], i: int) -> tuple[int, int]:
        """End index of the longest display name (two words or more) starting at word i,
        and the length of a genitive suffix after it ("Kari Nordmanns", "Kari Nordmann's");
        (0, 0) when none starts there."""
        display = self.display
        for j in range(min(len(folded), i + 6), i + 1, -1):
            key = " ".join(folded[i:j])
            if key in display:
                return j, 0
            if key[-1] == "s":
                if key[:-1] in display:
                    return j, 1
                if key[:-2] in display:
                    return j, 2
        return 0, 0

    @staticmethod
    def _next_cap(kinds: list[str], j: int) -> int | None:
        """Index of the next capitalised word, skipping particles; None if the run ends."""
        while j < len(kinds) and kinds[j] == "P":
            j += 1
        return j if j < len(kinds) and kinds[j] == "C" else None

    def _extend(self, toks: list[tuple[int, int, str]], kinds: list[str], j: int) -> int:
        """End (exclusive) of a name whose first capitalised word is token j."""
        stop, n = self.lexicon.stop, len(toks)
        j += 1
        while j < n:
            if kinds[j] in "CI" and toks[j][2] not in stop:
                j += 1
                continue
            nxt = self._next_cap(kinds, j) if kinds[j] == "P" else None
            if nxt is None or toks[nxt][2] in stop:
                break
            j = nxt + 1
        return j

    # --- automaton hits --------------------------------------------------------------------

    def hits(self, joined: str) -> Iterator[tuple[int, int]]:
        """(start, end) of literal display names in a joined batch, before boundary checks."""
        if self.display_literal:
            for last, length in self.automaton.iter_long(joined):
                yield last + 1 - length, last + 1

    @staticmethod
    def at_hit(text: str, start: int, end: int) -> Span | None:
        """The name an automaton hit stands for, or None when it is part of a longer word."""
        if start > 0 and (text[start - 1].isalnum() or text[start - 1] in "'’"):
            return None
        after = text[end] if end < len(text) else " "
        if after == "@":
            return None  # the local part of an email address
        if after.isalnum() and not (after == "s" and not text[end + 1 : end + 2].isalnum()):
            return None  # inside a longer word; a genitive "s" may follow
        if after == "-" and end + 1 < len(text) and text[end + 1].isupper():
            match = TOKEN.match(text, start)  # a double name: "Anne-Kari"
            return (start, match.end()) if match else None
        if start > 1 and text[start - 1] == "-" and text[start - 2].isalpha():
            return None  # second half of a double name: the first half's hit covers it
        return start, end
