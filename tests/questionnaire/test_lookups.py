"""A question and the repeat asking it are looked up in dicts the questionnaire makes once; they
must find what walking the pages finds (the first of an id), for every question of every
questionnaire."""

from __future__ import annotations

from survey.questionnaire.model import Repeat


def test_lookups_find_what_walking_the_pages_finds(app):
    questionnaires = list(app.extensions["survey_registry"].current().values())
    assert questionnaires
    checked = 0
    for q in questionnaires:
        for question in q.questions():
            walked = next(x for x in q.questions() if x.id == question.id)
            assert q.question(question.id) is walked
            holding = next(
                (
                    item
                    for item in q.items
                    if isinstance(item, Repeat)
                    and any(x.id == question.id for p in item.pages for x in p.questions)
                ),
                None,
            )
            assert q.repeat_holding(question.id) is holding
            checked += holding is not None
        assert q.question("no such question") is None and q.repeat_holding("nope") is None
    assert checked > 0  # some questions are in repeats
