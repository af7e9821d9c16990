"""Automatic redaction of free text: what a researcher reviews before releasing it to sponsors.

Dropping the authority's name, contacts and personal-data questions is not enough: a finance
officer may write "ring me on 020 7946 0001", "Barnet's shared service", "LBB" or "Cllr Jones" in
any free-text answer. Free text therefore reaches sponsors only after review
(:mod:`survey.disclosure`), and what the researcher reviews starts from :func:`redact`, which
replaces email addresses, web addresses, UK telephone numbers, the personal-data values of the
response as given, the authority's names (in full, without "Council", "London Borough of" and the
like, and as abbreviations and initials: "LBB", "GMFRA", "GM Fire") and people's names (the
contact's, every word of a personal-data name, and any capitalised word after a title: "Mr Smith")
with a bracketed note. It errs on the side of removing too much: the researcher can edit it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_TAIL = r"(?:[^\s<>\"']*[^\s<>\"'.,;:!?)])?"  # not the sentence's punctuation
WEB = re.compile(
    r"(?i)\b(?:https?://|www\.)"
    + _URL_TAIL.replace(")?", ")")
    + r"|\b[\w-]+(?:\.[\w-]+)*\.(?:gov|org|co|ac|nhs|police|sch)\.uk\b"
    + _URL_TAIL
)
# +44 or 0, then 9 or 10 more digits, with spaces, dashes or brackets between them
TELEPHONE = re.compile(
    r"(?<![\w+])(?:\+44[\s-]?(?:\(0\)[\s-]?)?|\(?0)\d(?:[\s\-()]{0,2}\d){8,9}(?!\d)"
)
# A title, then a capitalised name (and perhaps initials and a second name): "Cllr Jones",
# "Mrs J. Smith", "Dr Anne Jones". The title in any case, the name capitalised as names are.
_TITLES = r"mr|mrs|ms|miss|mx|dr|prof|professor|cllr|councillor|sir|dame|lord|lady|rev|revd"
_NAME_WORD = r"[A-Z][a-zA-Z'’-]+"
TITLED_NAME = re.compile(
    rf"(?<!\w)(?i:{_TITLES})\.?\s+(?:[A-Z]\.?\s+)*({_NAME_WORD}(?:\s+{_NAME_WORD})?)(?!\w)"
)
NAME_NOTE = "[name removed]"

# Words around a council's own name: "London Borough of Barnet", "Eden District Council".
_AROUND_NAME = re.compile(
    r"(?i)^(?:the\s+)?(?:(?:royal|london|metropolitan|county)\s+)*(?:borough|city|county|council)"
    r"\s+of\s+|\s+(?:(?:metropolitan|county|district|borough|city|unitary|parish|town)\s+)*"
    r"(?:council|authority|fire\s+(?:and|&)\s+rescue\s+authority)$"
)
# Small words left out of initials: "London Borough of Barnet" is "LBB".
_SMALL_WORDS = frozenset({"of", "and", "&", "the", "for", "on", "upon", "in", "-"})
_TITLE_WORDS = frozenset(_TITLES.split("|"))


@dataclass(frozen=True)
class Identifiers:
    """What identifies one response: its authority's names, people's names, values as given."""

    authorities: tuple[str, ...] = ()  # the invited name, the name typed in Q1...
    people: tuple[str, ...] = ()  # the contact's name, names in personal-data questions
    literals: tuple[str, ...] = ()  # every personal-data value as typed (emails, phones...)


def name_variants(name: str | None) -> set[str]:
    """A name as it may appear in free text: in full and without the words around it."""
    if not name or len(name.strip()) < 3:
        return set()
    full = " ".join(name.split())
    variants = {full}
    core = _core(full)
    if len(core) >= 3:
        variants.add(core)
    return variants


def _core(full: str) -> str:
    core = full
    for _ in range(2):  # "London Borough of Barnet Council": both ends
        core = _AROUND_NAME.sub("", core).strip()
    return core


def _initials(words: Iterable[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in _SMALL_WORDS and w[0].isalpha()).upper()


def authority_variants(name: str | None) -> tuple[set[str], set[str]]:
    """``(names, abbreviations)`` an authority may go by, built from the words of its name.

    Names are matched whatever their case; abbreviations (capitals) only as written, so "GM"
    does not remove "gm". "Greater Manchester Fire and Rescue Authority" gives the names
    "Greater Manchester", "Greater Manchester Fire" and "GM Fire" and the abbreviations "GMFRA",
    "GMFRS", "GM FRS" and "GM"; "London Borough of Barnet" gives "Barnet", "LB Barnet" and "LBB".
    """
    names = name_variants(name)
    if not names:
        return set(), set()
    full = " ".join((name or "").split())
    core = _core(full)
    words, core_words = full.split(), core.split()
    start = _find(words, core_words)
    before, after = words[:start], words[start + len(core_words) :]
    abbreviations = {_initials(words)}
    core_initials = _initials(core_words)
    if len(core_initials) >= 2:
        abbreviations.add(core_initials)
        if after:
            names.add(f"{core_initials} {after[0]}")  # GM Fire
    if after:
        names.add(f"{core} {after[0]}")  # Greater Manchester Fire
        tail = _initials(after)
        service = tail[:-1] + "S" if tail.endswith("A") else tail  # FRA -> FRS
        for suffix in {tail, service}:
            abbreviations.add(core_initials + suffix)
            names.add(f"{core} {suffix}")
            if len(core_initials) >= 2:
                abbreviations.add(f"{core_initials} {suffix}")
    if before:
        names.add(f"{_initials(before)} {core}")  # LB Barnet
    return names, {a.strip() for a in abbreviations if len(a.strip()) >= 2}


def _find(words: list[str], part: list[str]) -> int:
    for i in range(len(words) - len(part) + 1):
        if words[i : i + len(part)] == part:
            return i
    return 0


def person_variants(name: str | None) -> tuple[set[str], set[str]]:
    """``(names, words)``: a person's full name (any case) and each of its words of three
    letters or more, matched as written ("Bloggs" alone, but not "will" for "Will")."""
    if not name or len(name.strip()) < 3:
        return set(), set()
    full = " ".join(name.split())
    words = {
        w.strip(".,")
        for w in full.split()
        if len(w.strip(".,")) >= 3 and w.lower().strip(".") not in _TITLE_WORDS
    }
    return {full}, words


def titled_names(text: str) -> set[str]:
    """The names that follow a title in ``text``: "Smith" in "ask Mr Smith"."""
    return {m.group(1) for m in TITLED_NAME.finditer(text)}


def _pattern(phrase: str) -> str:
    return r"(?<!\w)" + r"\s+".join(map(re.escape, phrase.split())) + r"(?!\w)"


def _alternatives(phrases: Iterable[str], flags: int = 0) -> re.Pattern[str] | None:
    """One pattern matching any of ``phrases`` as whole words, the longest first."""
    kept = sorted({p for p in phrases if p.strip()}, key=len, reverse=True)
    return re.compile("|".join(map(_pattern, kept)), flags) if kept else None


@functools.lru_cache(maxsize=512)
def _patterns(identifiers: Identifiers) -> tuple[re.Pattern[str] | None, ...]:
    """The response's names (any case), abbreviations and name words (as written) and
    personal-data values, compiled once per response (a review redacts many answers of one)."""
    names: set[str] = set()
    cased: set[str] = set()
    for authority in identifiers.authorities:
        found, abbreviations = authority_variants(authority)
        names |= found
        cased |= abbreviations
    for person in identifiers.people:
        full, words = person_variants(person)
        names |= full
        cased |= words
    literals = [v for v in identifiers.literals if len(v.strip()) >= 3]
    return (
        _alternatives(names, re.IGNORECASE),
        _alternatives(cased),
        _alternatives(literals, re.IGNORECASE),
    )


def redact(text: str, identifiers: Identifiers = Identifiers()) -> str:
    """``text`` with contact details, the response's identifiers and titled names removed."""
    text = EMAIL.sub("[email address removed]", text)
    text = WEB.sub("[web address removed]", text)
    text = TELEPHONE.sub("[telephone number removed]", text)
    text = TITLED_NAME.sub(NAME_NOTE, text)
    names, cased, literals = _patterns(identifiers)
    for pattern in (names, cased):
        if pattern is not None:
            text = pattern.sub(NAME_NOTE, text)
    if literals is not None:  # what is left of the personal data as typed
        text = literals.sub("[personal data removed]", text)
    return text


def scrub_free_text(text: str, names: Iterable[str | None] = ()) -> str:
    """``text`` with contact details and the given names (in full, and an authority's names and
    abbreviations) removed."""
    return redact(text, Identifiers(authorities=tuple(n for n in names if n)))


def leftovers(text: str, identifiers: Identifiers) -> bool:
    """Whether ``text`` still holds something :func:`redact` would remove (a reviewed text
    must not put back what the automatic redaction took out)."""
    return redact(text, identifiers) != text
