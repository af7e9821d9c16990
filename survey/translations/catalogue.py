"""A questionnaire's texts as gettext catalogues: the ``.pot`` template, one ``.po`` per language,
compiled ``.mo`` files: the files translators and their tools (Poedit, Weblate, Lokalise) work with.

Each message is keyed by its place (``msgctxt``, see :mod:`survey.translations.texts`) and carries
the English as ``msgid``. Updating a language's ``.po`` from a new template keeps every
translation whose English is unchanged, marks *fuzzy* (and keeps, with the previous English as
``#| msgid``) one whose English was edited, and keeps those of removed texts as obsolete entries:
no translator's work is lost by an edit of the questionnaire. A fuzzy translation is not compiled,
so the respondent reads the current English until the translator has reviewed it.

Files live beside the questionnaires: ``<folder>/translations/<questionnaire id>/<code>.po``.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from survey.questionnaire.model import Questionnaire
from survey.translations.texts import Text, texts

PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")
_FIXED_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # header dates would make every run a diff


@dataclass(frozen=True)
class Status:
    """How complete one language's catalogue is against the questionnaire as it is now."""

    code: str
    total: int
    translated: int
    fuzzy: tuple[str, ...]
    untranslated: tuple[str, ...]
    placeholders: tuple[tuple[str, str], ...]  # (key, message) for translations that break piping

    @property
    def complete(self) -> bool:
        return self.translated == self.total and not self.placeholders


def folder(directory: Path, questionnaire_id: str) -> Path:
    return Path(directory) / "translations" / questionnaire_id


def template(questionnaire: Questionnaire) -> Catalog:
    """The ``.pot`` of every text of the questionnaire, in reading order."""
    catalog = _catalog(None, questionnaire)
    source = Path(questionnaire.source_path).name if questionnaire.source_path else ""
    for text in texts(questionnaire):
        catalog.add(
            text.source,
            locations=[(source, text.line)] if source and text.line else [],
            auto_comments=[text.comment] if text.comment else [],
            context=text.key,
        )
    return catalog


def updated(old: Catalog | None, new: Catalog, locale: str) -> Catalog:
    """The language's catalogue for the new template, keeping the translator's work (see above)."""
    out = _catalog(locale, None, project=new.project)
    previous = {m.context: m for m in old if m.id} if old is not None else {}
    for message in new:
        if not message.id:
            continue
        kept = previous.pop(message.context, None)
        string: Any = ""
        flags: set[str] = set()
        previous_id: Any = ()
        if kept is not None and kept.string:
            string = kept.string
            flags = set(kept.flags) if kept.id == message.id else {"fuzzy"}
            previous_id = () if kept.id == message.id else kept.id
            if kept.id == message.id and kept.previous_id:
                previous_id = kept.previous_id
        out[message.id] = Message(
            message.id,
            string,
            locations=message.locations,
            flags=flags,
            auto_comments=message.auto_comments,
            user_comments=kept.user_comments if kept is not None else [],
            previous_id=previous_id,
            context=message.context,
        )
    for gone in previous.values():
        if gone.string:
            out.obsolete[(str(gone.id), gone.context or "")] = gone
    return out


def pseudo(new: Catalog) -> Catalog:
    """The pseudo-locale: every text translated into a marked, accented copy of itself."""
    out = _catalog("en", None, project=new.project)
    for message in new:
        if message.id:
            out.add(
                message.id,
                pseudo_text(str(message.id)),
                locations=message.locations,
                auto_comments=message.auto_comments,
                context=message.context,
            )
    return out


_ACCENTED = str.maketrans(
    "aceghilnorstuwyzACEGHILNORSTUWYZ", "àçéĝĥíļñöŕšţûŵýžÀÇÉĜĤÍĻÑÖŔŠŢÛŴÝŽ"
)  # fmt: skip


def pseudo_text(text: str) -> str:
    """``Why have you chosen {q4}?`` -> ``⟦Ŵĥý ĥàvé ýöû çĥöšéñ {q4}?⟧``: placeholders, markup and
    line breaks are kept, so a page in the pseudo-locale still works and pipes."""
    parts = re.split(r"(\{[^{}]*\}|<[^>]*>|&\w+;)", text)
    body = "".join(p if i % 2 else p.translate(_ACCENTED) for i, p in enumerate(parts))
    return f"⟦{body}⟧"


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def write(catalog: Catalog, path: Path) -> None:
    """Write a ``.po``/``.pot``: wrapped at 79 columns, sorted as the template, newline-ended."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = BytesIO()
    write_po(buffer, catalog, width=79, include_previous=True)
    path.write_bytes(buffer.getvalue())


def compile_po(po: Path) -> Path:
    """``cy.po`` -> ``cy.mo`` (fuzzy translations left out); written whole, then renamed, so a
    server reading it never sees half a file."""
    catalog = read(po)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    mo = po.with_suffix(".mo")
    partial = mo.with_suffix(".mo.tmp")
    partial.write_bytes(buffer.getvalue())
    partial.replace(mo)
    return mo


def status(questionnaire: Questionnaire, catalog: Catalog | None, code: str) -> Status:
    """Which texts of the questionnaire as it is now the catalogue translates."""
    wanted: list[Text] = texts(questionnaire)
    by_key = {m.context: m for m in catalog if m.id} if catalog is not None else {}
    fuzzy, missing, broken = [], [], []
    done = 0
    for text in wanted:
        message = by_key.get(text.key)
        if message is None or not message.string:
            missing.append(text.key)
        elif message.id != text.source or message.fuzzy:
            fuzzy.append(text.key)
        else:
            done += 1
            expected = sorted(PLACEHOLDER.findall(text.source))
            if sorted(PLACEHOLDER.findall(str(message.string))) != expected:
                broken.append(
                    (
                        text.key,
                        "the translation must keep the placeholders "
                        f"{', '.join(expected) or '(none)'} of the English",
                    )
                )
    return Status(code, len(wanted), done, tuple(fuzzy), tuple(missing), tuple(broken))


def compiled(path: Path) -> gettext.GNUTranslations | None:
    """A compiled catalogue for lookups, or None where there is none."""
    try:
        with path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except OSError:  # absent, unreadable, or not a catalogue ("Bad magic number")
        return None


def _catalog(
    locale: str | None, questionnaire: Questionnaire | None, project: str | None = None
) -> Catalog:
    title = questionnaire.title if questionnaire else project
    return Catalog(
        locale=_babel_locale(locale),
        header_comment=(
            f"# {'Template' if locale is None else 'The ' + locale + ' translation'} "
            f"of the texts of {title}.\n"
            "# Made by `survey translations extract`. Translate each msgstr;\n"
            "# msgctxt says where the text is and must stay as it is.\n#"
        ),
        project=project or (questionnaire.id if questionnaire else None),
        version=None,
        creation_date=_FIXED_DATE,
        revision_date=_FIXED_DATE,
        charset="utf-8",
        fuzzy=False,
    )


def _babel_locale(code: str | None) -> str | None:
    """Babel's spelling of a language tag (``cy_GB``), or None for one CLDR does not know (the
    pseudo-locale), whose catalogue then carries no plural rules, which questionnaires never use."""
    if not code:
        return None
    try:
        return str(Locale.parse(code.replace("-", "_")))
    except (ValueError, UnknownLocaleError):
        return None
