"""The SPSS file (survey.exports.spss), read back with pyreadstat."""

from __future__ import annotations

import pyreadstat

from survey.exports import ExportOptions
from survey.exports.spss import SpssNames, write_sav
from tests.exports.helpers import HOSTILE, QID

# -- SPSS ----------------------------------------------------------------------------------------


def test_sav_reads_back_with_labels_codes_and_missing_values(filled, tmp_path):
    path = tmp_path / "responses.sav"
    with filled.app_context():
        assert write_sav(QID, path) == 2
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert list(frame["authority"]) == ["Barnet", "Eden"]
    labels = meta.column_names_to_labels
    assert labels["q2"] == "Q2 Type of authority"
    assert labels["q9_ex2_corporate_leadership"].startswith("Q17 [Corporate leadership] In this")
    assert all(len(label.encode()) <= 256 for label in labels.values() if label)
    assert meta.variable_value_labels["q2"][2] == "London Borough"
    assert meta.variable_value_labels["q9_ex1_it_systems"] == {
        1: "Strongly challenged", 2: "Challenged", 3: "Neutral", 4: "Assisted",
        5: "Strongly assisted", 6: "N/A", 7: "D/K",
    }  # fmt: skip
    assert meta.variable_value_labels["q7_ex1_assets"] == {0: "Not selected", 1: "Selected"}
    missing = meta.missing_ranges["q9_ex1_it_systems"]
    assert {(m["lo"], m["hi"]) for m in missing} == {(6, 6), (7, 7)}
    barnet = frame.iloc[0]
    assert barnet["q2"] == 2  # london_borough is the second option
    assert barnet["q9_ex1_corporate_leadership"] == 5
    assert barnet["q9_ex1_it_systems"] == 6  # N/A, user-missing
    assert barnet["q9_ex1_political_mandate"] == 7
    assert barnet["q8_ex1_2011_12_delivered"] == -1200
    assert barnet["q3_other_text"] == HOSTILE  # SPSS is not a spreadsheet: text kept as typed
    assert barnet["q7_ex1_assets"] == 1 and barnet["q7_ex1_insourcing"] == 0
    assert frame.iloc[1]["q4_ex3_other_text"] == "Cemeteries"
    assert meta.variable_measure["q9_ex1_it_systems"] == "ordinal"
    assert meta.variable_measure["q34_housing_delivered_2011_12"] == "scale"
    # without user-missing values, N/A and D/K read as missing
    plain, _ = pyreadstat.read_sav(str(path))
    assert plain.iloc[0]["q9_ex1_it_systems"] != plain.iloc[0]["q9_ex1_it_systems"]  # NaN
    assert plain.iloc[0]["q9_ex1_corporate_leadership"] == 5


def test_sav_variable_names_are_valid(filled, tmp_path):
    path = tmp_path / "responses.sav"
    with filled.app_context():
        write_sav(QID, path, ExportOptions(anonymised=True, include_in_progress=True))
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    assert meta.number_rows == 3
    assert "q1" not in meta.column_names and "q35_email" not in meta.column_names
    for name in meta.column_names:
        assert len(name.encode()) <= 64 and name[0].isalpha()
    names = SpssNames()
    assert names.name("2010_11") == "v2010_11"
    assert names.name("with") == "v_with"
    long = names.name("q" + "x" * 80)
    assert len(long) == 64 and long != names.name("q" + "x" * 81)
