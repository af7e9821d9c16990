"""A copy of the bilingual example in a folder of the test's own, so catalogues can be rewritten."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

EXAMPLE = ROOT / "questionnaires" / "examples" / "library_bilingual.yaml"
WELSH_PO = ROOT / "questionnaires" / "examples" / "translations" / "library_services" / "cy.po"


@pytest.fixture
def bilingual(tmp_path) -> Path:
    """The example questionnaire and its Welsh catalogue (not compiled), copied to tmp_path."""
    folder = tmp_path / "translations" / "library_services"
    folder.mkdir(parents=True)
    shutil.copy(WELSH_PO, folder / "cy.po")
    return Path(shutil.copy(EXAMPLE, tmp_path / EXAMPLE.name))
