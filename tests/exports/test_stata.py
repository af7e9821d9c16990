"""The Stata file (survey.exports.stata), read back with pyreadstat and, where installed, R's haven."""

from __future__ import annotations

import re

import pyreadstat

from survey.exports import ExportOptions, export_to
from survey.exports.stata import StataNames, stata_names, write_dta
from survey.exports.table import meta_columns, variables
from survey.questionnaire.loader import load
from tests.exports.helpers import HOSTILE, QID, SCRIPT
from tests.exports.tools import rscript

STATA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")


def test_dta_reads_back_with_labels_codes_and_extended_missing_values(filled, tmp_path):
    path = tmp_path / "responses.dta"
    with filled.app_context():
        assert write_dta(QID, path) == 2
    frame, meta = pyreadstat.read_dta(str(path), user_missing=True)
    assert list(frame["authority"]) == ["Barnet", "Eden"]
    labels = meta.column_names_to_labels
    assert labels["q2"] == "Q2 Type of authority"
    assert labels["q9_ex2_corporate_leadership"].startswith("Q17 [Corporate leadership] In this")
    assert all(len(label) <= 80 for label in labels.values() if label)
    assert meta.variable_value_labels["q2"][2] == "London Borough"
    # the scale 1..5 as in SPSS; N/A and D/K the extended missing values .a and .b, labelled
    assert meta.variable_value_labels["q9_ex1_it_systems"] == {
        1: "Strongly challenged", 2: "Challenged", 3: "Neutral", 4: "Assisted",
        5: "Strongly assisted", "a": "N/A", "b": "D/K",
    }  # fmt: skip
    assert meta.missing_user_values["q9_ex1_political_mandate"] == ["b"]  # as found in the data
    assert meta.variable_value_labels["q7_ex1_assets"] == {0: "Not selected", 1: "Selected"}
    barnet = frame.iloc[0]
    assert barnet["q2"] == 2
    assert barnet["q9_ex1_corporate_leadership"] == 5
    assert barnet["q9_ex1_it_systems"] == "a" and barnet["q9_ex1_political_mandate"] == "b"
    assert barnet["q8_ex1_2011_12_delivered"] == -1200
    assert barnet["q3_other_text"] == HOSTILE and barnet["q5_ex1"] == SCRIPT  # as typed
    assert barnet["q7_ex1_assets"] == 1 and barnet["q7_ex1_insourcing"] == 0
    assert frame.iloc[1]["q4_ex3_other_text"] == "Cemeteries"
    assert str(frame["submitted_at"].dtype).startswith("datetime64")
    # without user-missing values, N/A and D/K read as missing, the scale as numbers
    plain, _ = pyreadstat.read_dta(str(path))
    assert plain.iloc[0]["q9_ex1_it_systems"] != plain.iloc[0]["q9_ex1_it_systems"]  # NaN
    assert plain.iloc[0]["q9_ex1_corporate_leadership"] == 5
    assert meta.file_label.startswith("Good practice")


def test_dta_names_are_valid_and_match_the_codebook(filled, tmp_path):
    path = tmp_path / "anonymised.dta"
    with filled.app_context():
        assert (
            export_to(QID, "dta", path, ExportOptions(anonymised=True, include_in_progress=True))
            == 3
        )
    _, meta = pyreadstat.read_dta(str(path), metadataonly=True)
    assert "q1" not in meta.column_names and "q35_email" not in meta.column_names
    for name in meta.column_names:
        assert STATA_NAME.fullmatch(name), name
    for label_set in meta.variable_to_label.values():
        assert len(label_set) <= 32, label_set
    questionnaire = load(f"questionnaires/{QID}.yaml")
    found = variables(questionnaire, anonymised=True)
    meta_names, var_names = stata_names(meta_columns(True), found)
    assert meta.column_names == meta_names + var_names


def test_stata_names_follow_statas_rules():
    names = StataNames()
    assert names.name("q9_ex1_it_systems") == "q9_ex1_it_systems"
    assert names.name("2010_11") == "v2010_11"
    assert names.name("if") == "v_if" and names.name("str20") == "v_str20"
    long = names.name("q34_" + "x" * 40)
    assert len(long) == 32 and STATA_NAME.fullmatch(long)
    assert names.name("q34_" + "x" * 40) != long  # unique
    assert names.name("a-b.c") == "a_b_c"


def test_dta_opens_in_r_haven_with_labels_and_tagged_missing(filled, tmp_path):
    path = tmp_path / "responses.dta"
    with filled.app_context():
        write_dta(QID, path)
    out = rscript(
        """
        library(haven)
        d <- read_dta("responses.dta")
        stopifnot(nrow(d) == 2, d$authority[1] == "Barnet")
        stopifnot(attr(d$q2, "label") == "Q2 Type of authority")
        stopifnot(as.character(as_factor(d$q2))[1] == "London Borough")
        stopifnot(is_tagged_na(d$q9_ex1_it_systems[1], "a"))
        stopifnot(as.character(as_factor(d$q9_ex1_it_systems))[1] == "N/A")
        stopifnot(d$q9_ex1_corporate_leadership[1] == 5)
        stopifnot(d$q8_ex1_2011_12_delivered[1] == -1200)
        stopifnot(d$q3_other_text[1] == '=HYPERLINK("http://x","click")')
        cat("haven read", ncol(d), "variables\\n")
        """,
        tmp_path,
        packages=("haven",),
    )
    assert "haven read" in out
