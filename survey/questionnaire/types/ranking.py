"""A ``ranking``: the respondent orders up to ``ranks`` of the options they ticked at an earlier
multiple-choice question (``of``). Only what was chosen there can be ranked, so its form fields
depend on the answers (or, on the same page, on what was just posted)."""

from __future__ import annotations

import re
from typing import Any

from survey.questionnaire import keys
from survey.questionnaire.engine_texts import word
from survey.questionnaire.limits import MAX_RANKS
from survey.questionnaire.model import Option, QuestionInstance, Questionnaire
from survey.questionnaire.types.base import FieldSpec, QuestionType, Shape, choices, posted_value
from survey.questionnaire.yaml_lines import line


def plural(noun: str) -> str:
    if re.search(r"(s|x|ch|sh)$", noun):
        return noun + "es"
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    return noun + "s"


def chosen_options(
    questionnaire: Questionnaire, qi: QuestionInstance, answers: Any, formdata: Any = None
) -> list[Option]:
    """The options a ranking may use: those chosen at the question it ranks.

    When that question is on the same page, the choices just posted count.
    """
    source = questionnaire.question(qi.question.ranking_of or "")
    if source is None:
        return []
    key = qi.sibling_key(source.id)
    if formdata is not None and key in formdata:
        chosen = formdata.getlist(key)
    else:
        chosen = answers.get(key) or []
    return [o for o in source.options if o.id in chosen]


class RankingType(QuestionType):
    template = "respondent/types/ranking.html"
    print_template = "print/types/ranking.html"
    yaml_keys = frozenset({"of", "ranks", "rank_labels", "noun"})
    shapes = frozenset({Shape.RANKS})

    def parse(self, v, raw, path, kw) -> None:
        of = raw.get("of")
        if not of:
            v.problem(raw, path, "a ranking needs 'of' (the multiple-choice question it ranks)")
        else:
            kw["ranking_of"] = str(of)
            v.refer(str(of), f"{path}.of", line(raw, "of"), "ranking")
        ranks = v.integer(raw, "ranks", path, minimum=1, maximum=MAX_RANKS)
        if ranks is not None and of:
            v.limit_ranks(str(of), ranks, f"{path}.ranks", line(raw, "ranks"))
        if ranks is None:
            if "ranks" not in raw:
                v.problem(raw, path, "a ranking needs 'ranks' (how many to rank)")
            ranks = 0
        kw["ranks"] = ranks
        kw["noun"] = v.text(raw, "noun", path)
        labels = raw.get("rank_labels") or []
        if not ranks:
            labels = []  # (the ranks are wrong, reported above)
        elif not isinstance(labels, list) or (labels and len(labels) != ranks):
            v.problem(raw, f"{path}.rank_labels", f"give one label per rank ({ranks})")
            labels = []
        kw["rank_labels"] = tuple(str(label) for label in labels) or tuple(
            f"Rank {i}" for i in range(1, ranks + 1)
        )

    def describe(self, q) -> dict[str, Any]:
        return {
            "ranking": {"of": q.ranking_of, "ranks": q.ranks, "rank_labels": list(q.rank_labels)}
        }

    def keys(self, questionnaire, qi) -> list[str]:
        return [keys.rank_key(qi.key, i) for i in range(1, qi.question.ranks + 1)]

    def key_count(self, q) -> int:
        return q.ranks

    def labels(self, qi, base) -> dict[str, str]:
        return {
            keys.rank_key(qi.key, i): f"{base}: {rank}"
            for i, rank in enumerate(qi.question.rank_labels, start=1)
        }

    def fields(self, questionnaire, qi, answers, formdata) -> list[FieldSpec]:
        chosen = chosen_options(questionnaire, qi, answers, formdata)
        # as many ranks as options chosen, up to the number the question asks for
        ranked = (("", word("not_ranked")), *choices(chosen))
        count = min(qi.question.ranks, len(chosen))
        return [(keys.rank_key(qi.key, i), "select", ranked) for i in range(1, count + 1)]

    def check(self, questionnaire, qi, posted, result, require_mandatory) -> None:
        q, key = qi.question, qi.key
        first = posted.get(keys.rank_key(key, 1))
        allowed = {value for value, _ in first.choices if value} if first else set()
        labels = [label[0].lower() + label[1:] for label in q.rank_labels]
        noun = q.noun or word("rank_option")
        nouns = plural(q.noun) if q.noun else word("rank_options")
        seen: dict[str, int] = {}
        for i in range(1, q.ranks + 1):
            k = keys.rank_key(key, i)
            value = posted_value(posted, k)
            if value is None or k not in posted:
                result.values[k] = None
                continue
            if value not in allowed:
                result.errors[k] = word("error_rank_not_chosen", rank=labels[i - 1], options=nouns)
                continue
            if value in seen:
                result.errors[k] = word(
                    "error_rank_twice",
                    option=noun,
                    rank=labels[i - 1],
                    earlier=labels[seen[value] - 1],
                )
                continue
            missing = [
                j for j in range(1, i) if posted_value(posted, keys.rank_key(key, j)) is None
            ]
            if missing:
                result.errors[k] = word(
                    "error_rank_gap",
                    option=noun,
                    earlier=labels[missing[0] - 1],
                    rank=labels[i - 1],
                )
                continue
            seen[value] = i
            result.values[k] = value

    def effective(self, questionnaire, qi, answers, kept) -> None:
        chosen = answers.get(qi.sibling_key(qi.question.ranking_of or "")) or []
        for k in self.keys(questionnaire, qi):
            if kept.get(k) is not None and kept[k] not in chosen:
                kept.pop(k)

    def answer_lines(self, questionnaire, qi, answers) -> list[str]:
        q = qi.question
        source = questionnaire.question(q.ranking_of or "")
        labels = {o.id: o.label for o in source.options} if source else {}
        return [
            f"{q.rank_labels[i - 1]}: {labels.get(answers[k], answers[k])}"
            for i in range(1, q.ranks + 1)
            if (k := keys.rank_key(qi.key, i)) in answers
        ]

    def number_label(self, questionnaire, qi) -> str:
        """An unnumbered ranking is named after the question it ranks: "4 ranking"."""
        if qi.number:
            return qi.number
        source = questionnaire.question(qi.question.ranking_of or "")
        if source is not None:
            source_qi = qi.sibling(source)
            if source_qi.number:
                return f"{source_qi.number} ranking"
        return ""

    def variables(self, questionnaire, qi, var) -> list[Any]:
        q = qi.question
        source = questionnaire.question(q.ranking_of or "")
        options = source.options if source else ()
        out = []
        for i in range(1, q.ranks + 1):
            sub = q.rank_labels[i - 1] if i <= len(q.rank_labels) else f"Rank {i}"
            out.append(var(keys.rank_key(qi.key, i), "code", options=options, sub=sub))
        return out

    def stored_kinds(self, questionnaire, qi) -> dict[str, str]:
        return {k: "choice" for k in self.keys(questionnaire, qi)}

    def answer_options(self, questionnaire, qi) -> dict[str, tuple[Option, ...]]:
        source = questionnaire.question(qi.question.ranking_of or "")
        options = source.options if source is not None else ()
        return {k: options for k in self.keys(questionnaire, qi)} if options else {}

    def printed(self, questionnaire, qi, block) -> None:
        source = questionnaire.question(qi.question.ranking_of or "")
        if source is not None:
            block.source = qi.sibling(source)

    def demo(self, generator, qi, answers) -> None:
        q = qi.question
        chosen = answers.get(qi.sibling_key(q.ranking_of or "")) or []
        source = generator.q.question(q.ranking_of or "")
        options = [o for o in (source.options if source else ()) if o.id in chosen]
        ranked = generator.pick(options, source.options_list if source else None, q.ranks)
        for i, o in enumerate(ranked, start=1):
            answers[keys.rank_key(qi.key, i)] = o.id
