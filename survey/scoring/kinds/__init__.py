"""The figure kinds, each implemented once; each figure of a report is an instance with parameters.

:data:`KINDS` maps the name a declaration gives (``kind: savings_ratio``) to its class. A kind
lives in the module of its family: :mod:`.base` holds what they share (the context, the base
class, cells and the result's shape), and adding a kind is one class in its family's module and
one line here. docs/figures.md describes every kind and the shape of its result.
"""

from __future__ import annotations

from survey.scoring.kinds.base import Kind
from survey.scoring.kinds.example_amounts import ByFactor, MeanByApproach
from survey.scoring.kinds.examples import TopApproachesByCategory
from survey.scoring.kinds.grids import GridDistribution
from survey.scoring.kinds.numeric import MeanOfFields, TotalsByField
from survey.scoring.kinds.rankings import RankingCounts
from survey.scoring.kinds.rates import ResponseRates
from survey.scoring.kinds.ratios import RatioDistribution
from survey.scoring.kinds.shares import MeanShare
from survey.scoring.kinds.tables import PercentDifference, SavingsRatio

KINDS: dict[str, type[Kind]] = {
    k.name: k
    for k in (
        ResponseRates,
        RankingCounts,
        SavingsRatio,
        PercentDifference,
        MeanShare,
        GridDistribution,
        TopApproachesByCategory,
        MeanByApproach,
        ByFactor,
        MeanOfFields,
        RatioDistribution,
        TotalsByField,
    )
}
