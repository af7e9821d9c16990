"""A threshold per download format (an Excel file costs about three times a CSV per response,
an SPSS or Stata file is held whole in memory): ``JOBS_EXPORT_THRESHOLDS`` read per format, ``JOBS_EXPORT_THRESHOLD`` for the
formats it does not name, the defaults otherwise, and a setting that cannot be used refused
at start with what is wrong."""

from __future__ import annotations

import pytest

from survey import create_app
from survey.config import EXPORT_THRESHOLDS, ConfigError, export_threshold, parse_thresholds
from tests.jobs.conftest import QID, demo

BASE = f"/research/{QID}"


def test_thresholds_are_read_per_format_with_csv_for_both_layouts():
    assert parse_thresholds("xlsx=500, sav=400,csv=5000") == {
        "xlsx": 500, "sav": 400, "csv-wide": 5000, "csv-long": 5000
    }  # fmt: skip
    assert parse_thresholds("") == {} and parse_thresholds({"dta": 3}) == {"dta": 3}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("xlsx=lots", "'xlsx=lots' is not a whole number"),
        ("xlsx=-1", "'xlsx=-1' is not a whole number"),
        ("xlsx", "'xlsx' has no '='"),
        ("pdf=3", "unknown format 'pdf'"),
        ({"xlsx": True}, "is not a whole number"),
    ],
)
def test_a_bad_threshold_is_refused_with_what_is_wrong(value, says):
    with pytest.raises(ConfigError, match=says):
        parse_thresholds(value)


def test_the_defaults_follow_the_measured_costs_and_the_settings_override_them():
    assert export_threshold({}, "xlsx") == EXPORT_THRESHOLDS["xlsx"] == 1000
    assert export_threshold({}, "csv-wide") == 2000 and export_threshold({}, "sav") == 500
    every = {"JOBS_EXPORT_THRESHOLD": 7}
    assert {export_threshold(every, f) for f in EXPORT_THRESHOLDS} == {7}
    both = {"JOBS_EXPORT_THRESHOLD": 7, "JOBS_EXPORT_THRESHOLDS": "xlsx=9"}
    assert export_threshold(both, "xlsx") == 9 and export_threshold(both, "dta") == 7
    with pytest.raises(ConfigError, match="JOBS_EXPORT_THRESHOLD: 'x'"):
        export_threshold({"JOBS_EXPORT_THRESHOLD": "x"}, "xlsx")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SURVEY_JOBS_EXPORT_THRESHOLD", "five"), ("SURVEY_JOBS_LEASE_SECONDS", ""),
     ("SURVEY_SCHEDULE", "{not json")],
)  # fmt: skip
def test_a_setting_that_is_not_a_number_is_refused_naming_its_variable(
    monkeypatch, tmp_path, variable, value
):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=f"{variable}=.* is not valid"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "JOBS_DIR": str(tmp_path)})


def test_a_relative_instance_folder_is_taken_from_the_project_folder(monkeypatch):
    from survey.config import PROJECT_ROOT, instance_path

    monkeypatch.setenv("SURVEY_INSTANCE_DIR", "instance-second")
    assert instance_path() == str(PROJECT_ROOT / "instance-second")
    monkeypatch.setenv("SURVEY_INSTANCE_DIR", "/srv/survey/instance")
    assert instance_path() == "/srv/survey/instance"
    monkeypatch.setenv("SURVEY_INSTANCE_DIR", "")
    assert instance_path() == str(PROJECT_ROOT / "instance")


def test_the_application_does_not_start_with_a_bad_threshold(monkeypatch, tmp_path):
    monkeypatch.setenv("SURVEY_JOBS_EXPORT_THRESHOLDS", "xlsx=500,sav=five")
    with pytest.raises(ConfigError, match="'sav=five' is not a whole number"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "JOBS_DIR": str(tmp_path)})


def test_each_format_is_made_by_a_job_above_its_own_threshold(queued_app, sign_in_queued):
    queued_app.config["JOBS_EXPORT_THRESHOLDS"] = "xlsx=2,csv=5"
    client = sign_in_queued("researcher")
    demo(queued_app, 3)
    excel = client.get(f"{BASE}/downloads/xlsx")
    assert excel.status_code == 303 and "/research/jobs/" in excel.headers["Location"]
    csv = client.get(f"{BASE}/downloads/csv-wide")
    assert csv.status_code == 200 and b"response_id," in csv.data[:20]  # small: at once
    queued_app.config["JOBS_EXPORT_THRESHOLDS"] = "xlsx=3"
    assert client.get(f"{BASE}/downloads/xlsx").status_code == 200
