"""The questionnaires the application serves, and their stored versions.

Definitions are read from the questionnaire folder once, validated by :mod:`survey.definitions`
(the questionnaire and its scoring declarations: a broken figures section refuses the file). Every
distinct text of a definition becomes a :class:`~survey.models.QuestionnaireVersion` row holding
the YAML itself, so a response is always shown against the version it was answered on, even after
the file has changed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from functools import lru_cache
from pathlib import Path

from flask import has_app_context
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from survey import definitions
from survey.extensions import db
from survey.models import QuestionnaireVersion, utcnow
from survey.questionnaire import loader
from survey.questionnaire.loader import DefinitionError
from survey.questionnaire.model import Questionnaire
from survey.questionnaire.reading import Problem

logger = logging.getLogger(__name__)


class Registry:
    def __init__(self, directory: str | Path, refresh_seconds: float = 2.0):
        self.directory = Path(directory)
        self._current: dict[str, Questionnaire] | None = None
        # definitions refused at load: one broken file must not take the other surveys down
        self.errors: dict[str, DefinitionError] = {}
        # versions stored (``survey load``) after this process started are served at once, a
        # new questionnaire's (a new id) as well as a new version of one in the folder
        self.refresh_seconds = refresh_seconds
        self._started = utcnow()
        self._checked_at: float | None = None
        self._baseline: dict[str, int] | None = None
        self._newer: dict[str, tuple[int, Questionnaire]] = {}

    def current(self) -> dict[str, Questionnaire]:
        """The latest definition of each questionnaire in the folder, by id."""
        if self._current is None:
            found: dict[str, Questionnaire] = {}
            for path in sorted(self.directory.glob("*.yaml")):
                text = path.read_text(encoding="utf-8")
                try:
                    # parsed once per distinct text, however many apps are created
                    questionnaire = _parse(content_hash(text), text, str(path), True)
                except DefinitionError as exc:
                    self.errors[str(path)] = exc
                    logger.error("questionnaire %s refused:\n%s", path, exc)
                    continue
                found[questionnaire.id] = questionnaire
            self._current = found
        return self._current

    def get(self, questionnaire_id: str) -> Questionnaire | None:
        """The definition new respondents are served: the folder's, or a version stored since
        this process started (a ``survey load`` of an edited file, or of a new one, is served
        without a restart)."""
        self._refresh()
        newer = self._newer.get(questionnaire_id)
        return newer[1] if newer else self.current().get(questionnaire_id)

    def served(self) -> dict[str, Questionnaire]:
        """Every questionnaire new respondents are served (:meth:`get`), by id: the folder's,
        and those loaded since this process started, so researchers see a new one too."""
        self._refresh()
        served = dict(self.current())
        served.update({key: newer for key, (_, newer) in self._newer.items()})
        return served

    def _refresh(self) -> None:
        """At most every ``refresh_seconds``, one small query: the latest stored version id of
        each questionnaire. A version stored since this process started, and not the folder's
        own text, is parsed once and served: so is a questionnaire new to this process. One
        stored before (a file since removed from the folder, say) only serves its responses."""
        now = time.monotonic()
        if self._checked_at is not None and now - self._checked_at < self.refresh_seconds:
            return
        self._checked_at = now
        try:
            if self._baseline is None:
                self._baseline = self._latest(QuestionnaireVersion.loaded_at < self._started)
            latest = self._latest()
        except (SQLAlchemyError, RuntimeError):  # no database (yet), or outside an app
            db.session.rollback() if has_app_context() else None
            return
        for questionnaire_id, version_id in latest.items():
            served = self._newer.get(questionnaire_id)
            if version_id <= self._baseline.get(questionnaire_id, 0) or (
                served and served[0] == version_id
            ):
                continue
            row = db.session.get(QuestionnaireVersion, version_id)
            folder = self.current().get(questionnaire_id)
            if row is None:
                continue
            if folder and content_hash(folder.source_text) == row.content_hash:
                self._newer[questionnaire_id] = (version_id, folder)  # the folder's own text
                continue
            try:
                self._newer[questionnaire_id] = (version_id, Registry.for_version(row))
            except (StoredDefinitionError, DefinitionError):
                logger.exception("stored version %s of %s not served", version_id, questionnaire_id)

    @staticmethod
    def _latest(*where) -> dict[str, int]:
        """The latest stored version id of each questionnaire (of the rows ``where`` holds)."""
        query = select(QuestionnaireVersion.questionnaire_id, func.max(QuestionnaireVersion.id))
        return dict(
            db.session.execute(
                query.where(*where).group_by(QuestionnaireVersion.questionnaire_id)
            ).all()
        )

    def ensure_version(self, questionnaire: Questionnaire) -> QuestionnaireVersion:
        """The stored version for this exact text, created (as the next number) if new."""
        digest = content_hash(questionnaire.source_text)
        row = db.session.scalar(
            select(QuestionnaireVersion).filter_by(
                questionnaire_id=questionnaire.id, content_hash=digest
            )
        )
        if row is None:
            latest = db.session.scalar(
                select(func.max(QuestionnaireVersion.version)).filter_by(
                    questionnaire_id=questionnaire.id
                )
            )
            row = QuestionnaireVersion(
                questionnaire_id=questionnaire.id,
                version=(latest or 0) + 1,
                content_hash=digest,
                title=questionnaire.title,
                source=questionnaire.source_text,
            )
            db.session.add(row)
            db.session.flush()
        return row

    def sync(self) -> list[QuestionnaireVersion]:
        """Store each questionnaire of the folder as a version (``survey load``), refusing, as
        ``survey check`` does, a definition that would orphan answers already collected."""
        rows = []
        for path, questionnaire in self.current_paths().items():
            problems = refusals(questionnaire)
            if problems:
                where = questionnaire.source_path or path
                self.errors[path] = DefinitionError(
                    [Problem(where, 0, "", message) for message in problems]
                )
                continue
            rows.append(self.ensure_version(questionnaire))
        db.session.commit()
        return rows

    def current_paths(self) -> dict[str, Questionnaire]:
        """The folder's definitions by file path."""
        return {q.source_path: q for q in self.current().values()}

    @staticmethod
    def for_version(row: QuestionnaireVersion) -> Questionnaire:
        """The definition a response was answered on; parsed once per process and version.

        Cached under the row's questionnaire and content hash, but only once the row's source
        has been hashed again and found to be that hash, and has parsed as that questionnaire:
        so no row (an imported one, say) can stand for another's text, and genuine respondents
        are always shown the questions they answered."""
        key = (row.questionnaire_id, row.content_hash)
        cached = _BY_VERSION.get(key)
        if cached is None:
            cached = _parse_stored(row)
            _BY_VERSION[key] = cached
        return cached

    @staticmethod
    def for_stored(version_id: int, questionnaire_id: str, digest: str) -> Questionnaire:
        """As :meth:`for_version`, from a response record's version id, questionnaire and
        content hash: the row (with its YAML) is read only the first time a process meets it."""
        cached = _BY_VERSION.get((questionnaire_id, digest))
        if cached is not None:
            return cached
        row = db.session.get(QuestionnaireVersion, version_id)
        if row is None:
            raise StoredDefinitionError(f"no stored version {version_id} of {questionnaire_id}")
        return Registry.for_version(row)


def refusals(questionnaire: Questionnaire) -> list[str]:
    """What a new definition would orphan in every stored version of it: questions removed or
    retyped, options dropped, while responses hold answers to them (one list for ``survey
    check`` and ``survey load``)."""
    from survey.questionnaire.versioning import (
        answered_question_ids,
        choice_keys,
        orphaning_changes,
    )
    from survey.responses.reading import answered_keys, chosen_options

    rows = db.session.scalars(
        select(QuestionnaireVersion).filter_by(questionnaire_id=questionnaire.id)
    ).all()
    problems: list[str] = []
    for row in rows:
        if row.content_hash == content_hash(questionnaire.source_text):
            continue  # the very text: nothing changes
        old = Registry.for_version(row)
        answered = answered_question_ids(old, answered_keys(row.id))
        chosen = chosen_options(row.id, choice_keys(old))
        problems += orphaning_changes(old, questionnaire, answered, chosen)
    return sorted(set(problems))


class StoredDefinitionError(Exception):
    """A stored version's text is not what its row says it is (tampered with, or corrupt)."""


_BY_VERSION: dict[tuple[str, str], Questionnaire] = {}


def _parse_stored(row: QuestionnaireVersion) -> Questionnaire:
    name = f"{row.questionnaire_id} v{row.version}"
    if content_hash(row.source) != row.content_hash:
        logger.error("questionnaire %s: the stored text does not match its content hash", name)
        raise StoredDefinitionError(f"{name}: the stored text does not match its content hash")
    questionnaire = _parse(row.content_hash, row.source, name, False)
    if questionnaire.id != row.questionnaire_id:
        logger.error("questionnaire %s: the stored text defines '%s'", name, questionnaire.id)
        raise StoredDefinitionError(f"{name}: the stored text defines '{questionnaire.id}'")
    return questionnaire


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def _parse(digest: str, source: str, name: str, scoring: bool) -> Questionnaire:
    """The definition in ``source``; with ``scoring``, its scoring declarations checked too.

    A file of the folder is checked whole (:mod:`survey.definitions`), so a broken figures section
    is refused like any other problem. A stored version is only parsed: it is the record of what
    respondents answered, accepted when it was stored (or imported), and its responses must stay
    readable even if its figures would be refused today (their page reports that problem)."""
    if scoring:
        return definitions.loads(source, name)
    return loader.loads(source, name)
