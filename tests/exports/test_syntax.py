"""The SPSS and R syntax files (survey.exports.spss_syntax, r_syntax): run in PSPP and R on the
CSV downloaded with them, where those are installed, and compared with the .sav file."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from survey.exports import ExportOptions, export_to
from survey.exports.r_syntax import r_string
from survey.exports.spss_syntax import quote
from tests.exports.helpers import HOSTILE, QID
from tests.exports.tools import pspp, rscript


def _files(app, tmp_path, options: ExportOptions, *formats: str) -> dict[str, str]:
    suffix = "-anonymised" if options.anonymised else ""
    names = {
        "csv-wide": f"{QID}-csv-wide{suffix}.csv",
        "spss-syntax": f"{QID}-csv-wide{suffix}.sps",
        "r-syntax": f"{QID}-csv-wide{suffix}.R",
        "sav": "direct.sav",
    }
    with app.app_context():
        for fmt in ("csv-wide", *formats):
            export_to(QID, fmt, tmp_path / names[fmt], options)
    return {fmt: (tmp_path / names[fmt]).read_text("utf-8") for fmt in formats if fmt != "sav"}


def _same(a, b) -> bool:
    if pd.isna(a) and pd.isna(b):
        return True
    return a == b or (a in ("", None) and b in ("", None))


@pytest.mark.slow
@pytest.mark.parametrize("anonymised", [False, True])
def test_spss_syntax_in_pspp_makes_the_sav_file_from_the_csv(filled, tmp_path, anonymised):
    options = ExportOptions(anonymised=anonymised, include_in_progress=True)
    syntax = _files(filled, tmp_path, options, "spss-syntax", "sav")["spss-syntax"]
    pspp(syntax + "SAVE OUTFILE='from_csv.sav'.\n", tmp_path)
    made, made_meta = pyreadstat.read_sav(str(tmp_path / "from_csv.sav"), user_missing=True)
    direct, meta = pyreadstat.read_sav(str(tmp_path / "direct.sav"), user_missing=True)
    assert made_meta.column_names == meta.column_names
    assert made_meta.column_names_to_labels == meta.column_names_to_labels
    assert made_meta.variable_value_labels == meta.variable_value_labels
    assert made_meta.missing_ranges == meta.missing_ranges
    measured = {k: v for k, v in meta.variable_measure.items() if v != "unknown"}  # not meta
    assert {k: made_meta.variable_measure[k] for k in measured} == measured
    assert made_meta.file_label == meta.file_label
    assert len(made) == len(direct) == 3
    for name in meta.column_names:
        for i in range(len(direct)):
            want, got = direct[name].iloc[i], made[name].iloc[i]
            if name.endswith("_at") and not pd.isna(want):
                assert abs((got - want).total_seconds()) < 1, name
                continue
            if isinstance(want, str) and got != want:
                assert got == "'" + want, (name, want, got)  # the CSV's formula quote
                continue
            assert _same(want, got), (name, i, want, got)


@pytest.mark.slow
def test_r_script_reads_the_csv_with_labels_and_missing_levels(filled, tmp_path):
    script = _files(filled, tmp_path, ExportOptions(), "r-syntax")["r-syntax"]
    out = rscript(
        script
        + """
stopifnot(nrow(data) == 2, data$authority[1] == "Barnet")
stopifnot(is.factor(data$q2), as.character(data$q2[1]) == "London Borough")
stopifnot(levels(data$q2)[2] == "London Borough")
stopifnot(attr(data$q2, "label") == "Q2 Type of authority")
stopifnot(as.character(data$q9_ex1_it_systems[1]) == "N/A")
stopifnot(identical(attr(data$q9_ex1_it_systems, "missing_levels"), c("N/A", "D/K")))
stopifnot(data$q8_ex1_2011_12_delivered[1] == -1200, is.numeric(data$q8_ex1_2011_12_delivered))
stopifnot(data$q7_ex1_assets[1] == 1, data$q7_ex1_insourcing[1] == 0)
stopifnot(attr(data$q7_ex1_assets, "labels")[["Selected"]] == 1)
stopifnot(inherits(data$submitted_at, "POSIXct"))
stopifnot(format(data$submitted_at[1], "%Y-%m-%d %H:%M:%S", tz = "UTC") == "2013-06-01 10:30:15")
stopifnot(data$q4_ex3_other_text[2] == "Cemeteries", is.na(data$q4_ex3_other_text[1]))
clean <- missing_to_na(data)
stopifnot(is.na(clean$q9_ex1_it_systems[1]), !("N/A" %in% levels(clean$q9_ex1_it_systems)))
stopifnot(as.character(clean$q9_ex1_corporate_leadership[1]) == "Strongly assisted")
stopifnot(attr(clean$q9_ex1_it_systems, "label") == attr(data$q9_ex1_it_systems, "label"))
cat("R read", ncol(data), "variables\\n")
""",
        tmp_path,
    )
    assert "R read" in out


@pytest.mark.slow
def test_r_script_refuses_a_csv_of_other_columns(filled, tmp_path):
    script = _files(filled, tmp_path, ExportOptions(), "r-syntax")["r-syntax"]
    with filled.app_context():  # the anonymised CSV under the name the script reads
        export_to(QID, "csv-wide", tmp_path / f"{QID}-csv-wide.csv", ExportOptions(anonymised=True))
    with pytest.raises(AssertionError, match="this is not the CSV this script is for"):
        rscript(script, tmp_path)


def test_syntax_files_quote_every_text(filled, tmp_path):
    """Labels with quotes, backslashes and line breaks stay one literal each."""
    assert quote("It's\nhere") == "'It''s here'"
    assert r_string('a "b" \\ c\nd') == '"a \\"b\\" \\\\ c d"'
    syntax = _files(filled, tmp_path, ExportOptions(), "spss-syntax", "r-syntax")
    assert "GET DATA /TYPE=TXT" in syntax["spss-syntax"]
    assert "MISSING VALUES q9_ex1_it_systems (6, 7)." in syntax["spss-syntax"]
    assert "RECODE q2_text ('metropolitan'=1) ('london_borough'=2)" in syntax["spss-syntax"]
    assert (
        'attr(data[["q9_ex1_it_systems"]], "missing_levels") <- c("N/A", "D/K")'
        in (syntax["r-syntax"])
    )
    assert HOSTILE not in syntax["spss-syntax"]  # a definition's texts only, never an answer
