"""Scrubbing free text for anonymised downloads.

Dropping the authority's name, contacts and personal-data questions is not enough: a finance
officer may write "ring me on 020 7946 0001" or "Barnet's shared service" in a free-text answer.
For the sponsor's anonymised downloads every free-text answer is passed through
:func:`scrub_free_text`, which replaces email addresses, web addresses, UK telephone numbers and
the respondent's own names (the authority's, with and without "Council", "London Borough of" and
the like, and the contact's) with a bracketed note. It errs on the side of removing too much.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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

# Words around a council's own name: "London Borough of Barnet", "Eden District Council".
_AROUND_NAME = re.compile(
    r"(?i)^(?:the\s+)?(?:(?:royal|london|metropolitan|county)\s+)*(?:borough|city|county|council)"
    r"\s+of\s+|\s+(?:(?:metropolitan|county|district|borough|city|unitary|parish|town)\s+)*"
    r"(?:council|authority|fire\s+(?:and|&)\s+rescue\s+authority)$"
)


def name_variants(name: str | None) -> set[str]:
    """A name as it may appear in free text: in full and without the words around it."""
    if not name or len(name.strip()) < 3:
        return set()
    full = " ".join(name.split())
    variants = {full}
    core = full
    for _ in range(2):  # "London Borough of Barnet Council": both ends
        core = _AROUND_NAME.sub("", core).strip()
    if len(core) >= 3:
        variants.add(core)
    return variants


def scrub_free_text(text: str, names: Iterable[str | None] = ()) -> str:
    """``text`` with contact details and the given names replaced by bracketed notes."""
    text = EMAIL.sub("[email address removed]", text)
    text = WEB.sub("[web address removed]", text)
    text = TELEPHONE.sub("[telephone number removed]", text)
    variants = {v for name in names for v in name_variants(name)}
    for variant in sorted(variants, key=len, reverse=True):  # the longest first
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, variant.split())) + r"(?!\w)"
        text = re.sub(pattern, "[name removed]", text, flags=re.IGNORECASE)
    return text
