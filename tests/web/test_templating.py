"""The grid rows written in Python (the heaviest page) keep the markup safe and accessible."""

from __future__ import annotations

from types import SimpleNamespace

from survey.questionnaire.model import Option
from survey.web.templating import grid_header, grid_rows

COLUMNS = (Option("yes", "Yes"), Option("no", "No <b>"))


class FakeForm(dict):
    def __getitem__(self, key):
        return SimpleNamespace(data=self.get(key))


def test_grid_rows_escape_labels_and_mark_the_chosen_answer():
    rows = (Option("it", "IT & <script>alert(1)</script>"), Option("hr", "People"))
    html = grid_rows("q9", rows, COLUMNS, FakeForm({"q9_hr": "no"}), {})
    assert "<script>" not in html and "IT &amp; &lt;script&gt;" in html
    assert "No &lt;b&gt;" in html
    assert html.count("<fieldset ") == 2 and html.count('type="radio"') == 4
    assert (
        '<legend class="govuk-fieldset__legend app-grid__legend" id="q9_it-label">IT &amp;' in html
    )
    assert 'id="q9_hr-2" name="q9_hr" type="radio" value="no" checked' in html
    assert 'value="yes" checked' not in html
    # every button is labelled with its column, inside its row's fieldset, for screen readers
    assert 'for="q9_hr-2"><span class="app-grid__choice-text">No &lt;b&gt;</span></label>' in html


def test_grid_rows_show_a_row_error_beside_its_label():
    rows = (Option("it", "IT"),)
    html = grid_rows("q9", rows, COLUMNS, FakeForm(), {"q9_it": "Choose one for <IT>"})
    assert 'class="govuk-fieldset app-grid__row app-grid__row--error"' in html
    assert 'aria-describedby="q9_it-error"' in html
    assert '<p id="q9_it-error" class="govuk-error-message">' in html
    assert "Choose one for &lt;IT&gt;" in html


def test_grid_rows_pieces_are_reused_without_carrying_answers_between_requests():
    rows = (Option("it", "IT {budget}"), Option("hr", "People"))
    first = grid_rows("q9", rows, COLUMNS, FakeForm({"q9_it": "yes"}), {"q9_hr": "Choose one"})
    second = grid_rows("q9", rows, COLUMNS, FakeForm({"q9_hr": "no"}), {})
    assert "IT {budget}" in first and "IT {budget}" in second  # braces are text, not a format
    assert 'value="yes" checked' in first and 'value="yes" checked' not in second
    assert 'value="no" checked' in second and "Choose one" not in second
    assert second.count(" checked") == 1 and "app-grid__row--error" not in second


def test_grid_header_is_hidden_from_screen_readers_and_escaped():
    html = grid_header(COLUMNS)
    assert 'aria-hidden="true"' in html and "No &lt;b&gt;" in html and "Factor" in html
