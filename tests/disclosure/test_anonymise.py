"""Free text scrubbed for anonymised downloads: contact details and the respondent's names."""

from __future__ import annotations

import pytest

from survey.disclosure.anonymise import name_variants, scrub_free_text


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("London Borough of Barnet", "Barnet"),
        ("Eden District Council", "Eden"),
        ("Royal Borough of Kensington and Chelsea", "Kensington and Chelsea"),
        ("Devon and Somerset Fire and Rescue Authority", "Devon and Somerset"),
        ("Leeds City Council", "Leeds"),
    ],
)
def test_a_council_is_also_found_by_its_own_name(name, core):
    assert name_variants(name) == {name, core}


@pytest.mark.parametrize(
    "number",
    ["020 7946 0001", "01632 960001", "07700 900982", "+44 20 7946 0000", "+44 (0)20 7946 0002"],
)
def test_uk_telephone_numbers_are_removed(number):
    assert scrub_free_text(f"ring {number} today") == "ring [telephone number removed] today"


@pytest.mark.parametrize(
    "text",
    ["saved £1,200,000 in 2011-12", "15% of 78500", "Q8 2010/11 base 150000", "ref 2013-06-19"],
)
def test_money_years_and_dates_are_left_alone(text):
    assert scrub_free_text(text, ["Barnet"]) == text


def test_names_match_whole_words_whatever_the_case_and_spacing():
    assert scrub_free_text(
        "BARNET and  london borough of barnet", ["London Borough of Barnet"]
    ) == ("[name removed] and  [name removed]")
    assert scrub_free_text("Barnetby is elsewhere", ["Barnet"]) == "Barnetby is elsewhere"
    assert scrub_free_text("Eden", [None, "", "Ed"]) == "Eden"  # too short to be a name


def test_a_persons_name_words_are_matched_as_written_and_the_full_name_in_any_case():
    from survey.disclosure.anonymise import Identifiers, redact

    found = Identifiers(people=("Will Smithson",))
    assert redact("will SMITHSON: Will will call; Smithson agreed", found) == (
        "[name removed]: [name removed] will call; [name removed] agreed"
    )


def test_personal_data_values_left_after_the_other_redactions_are_removed_as_typed():
    from survey.disclosure.anonymise import Identifiers, redact

    found = Identifiers(literals=("Flat 2, 10 High Street",))
    assert redact("post to flat 2, 10 high street please", found) == (
        "post to [personal data removed] please"
    )
