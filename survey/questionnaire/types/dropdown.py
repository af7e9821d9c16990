"""A ``dropdown``: one choice from a long list (local authorities, countries), a plain ``<select>``
that GOV.UK's accessible-autocomplete turns into a type-ahead where JavaScript runs.

It stores what a ``single`` stores (one option id) and downloads the same coded column, so it is
a single choice laid out differently. What a select cannot show is refused at load rather than
ignored: an option's hint, a "please specify" text, an exclusive flag or a follow-up (use a
``single`` for those).
"""

from __future__ import annotations

from survey.questionnaire.types.base import FieldSpec, choices, refuse_choice_only
from survey.questionnaire.types.choice import ChoiceType


class DropdownType(ChoiceType):
    template = "respondent/types/dropdown.html"
    print_template = "print/types/dropdown.html"
    govuk = "select"
    yaml_keys = frozenset({"options", "option_labels"})
    PRINTED_OPTIONS = 30  # a longer list is printed as a line to write on, not as boxes

    def parse(self, v, raw, path, kw) -> None:
        super().parse(v, raw, path, kw)
        options = kw["options"]
        refuse_choice_only(v, raw, f"{path}.options", options, "a dropdown")
        for o in options:
            if o.specify:
                v.problem(
                    raw,
                    f"{path}.options",
                    f"option '{o.id}' asks to 'specify', which a dropdown cannot reveal: use "
                    "type single for an option with a text of its own",
                )

    def describe(self, q) -> dict:
        return {"choice": {"exclusive": [], "layout": "dropdown with type-ahead"}}

    def field_specs(self, key, spec) -> list[FieldSpec]:
        return [(key, "select", choices(spec.options))]

    def printed_as_boxes(self, q) -> bool:
        """Whether paper lists the options as boxes (a short list) or gives a line to write on."""
        return len(q.options) <= self.PRINTED_OPTIONS
