"""Secondary (complementary) suppression: no hidden cell may be worked out from what is shown.

A cell from fewer than ``min_authorities`` authorities is N/A (primary suppression, done by the
kinds). That alone is not enough: a total minus its visible group splits gives a hidden split
back, and shares that add up to 100 % give the one hidden share back. This module sees the
published figures as *variables* (the numbers a reader could know) tied together by *relations*
(linear equations: a total is the sum of its splits, shares add up to 100), and hides more cells
until no *sensitive* variable -- a primary-suppressed cell, or an unpublished remainder from too
few authorities -- is determined by the relations and the values still shown.

"Determined" is decided exactly, by linear algebra over fractions: with the shown values as
constants, a hidden variable is determined when its unit vector lies in the row space of the
relations restricted to the hidden variables. Non-negative counts add one more way in: when the
hidden parts of a total add up to zero, each of them is zero; that is caught too.

The loop: while some sensitive variable is determined, take the relation through it with the
fewest hidden members and hide one more of its shown cells -- the one with the smallest non-zero
value, group splits before totals, ties broken by the order the cells were declared (a zero
partner only when nothing else is left: a reader may guess it is zero) -- then look again. It ends because every round hides at least one cell. The kinds' full-precision data are
never touched: this only chooses which *units* (the cells as published) to hide.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction

Unit = Hashable  # a published cell (or a row shown as one), hidden or shown as a whole
Key = Hashable  # a variable's name


@dataclass
class Variable:
    """A number a reader could know if the units showing it are shown."""

    key: Key
    value: Fraction
    units: tuple[Unit, ...] = ()  # shown if any of these is shown; () = never published
    sensitive: bool = (
        False  # must never be derivable (a primary-suppressed cell, a small remainder)
    )
    guarded: bool = True  # once hidden (as a complement too), must not be derivable either
    nonnegative: bool = True
    is_total: bool = False  # a total of a family: hidden only when no split can be
    order: int = 0  # declaration order, for deterministic choices


@dataclass
class Relation:
    """``sum(coefficient x variable) == constant`` holds for the true values."""

    terms: dict[Key, int]
    constant: Fraction = Fraction(0)
    name: str = ""


@dataclass
class System:
    """The variables and relations of a report, and the units hidden so far."""

    variables: dict[Key, Variable] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)

    def add(self, variable: Variable) -> Variable:
        variable.order = len(self.variables)
        self.variables.setdefault(variable.key, variable)
        return self.variables[variable.key]

    def relate(self, terms: dict[Key, int], constant: Fraction | int = 0, name: str = "") -> None:
        terms = {k: c for k, c in terms.items() if c and k in self.variables}
        if len(terms) > 1 or (terms and constant):
            self.relations.append(Relation(terms, Fraction(constant), name))


def is_shown(variable: Variable, hidden: set[Unit]) -> bool:
    return any(u not in hidden for u in variable.units)


def _zero_sum_sign(system: System, relation: Relation, hidden: set[Unit]) -> bool | None:
    """The sign of the hidden terms when they are non-negative, of one sign, and the values
    shown leave them zero to share (so each is zero); else None."""
    unknown = [k for k in relation.terms if not is_shown(system.variables[k], hidden)]
    signs = {relation.terms[k] > 0 for k in unknown}
    if len(signs) != 1 or not all(system.variables[k].nonnegative for k in unknown):
        return None
    shown = sum(
        relation.terms[k] * system.variables[k].value for k in relation.terms if k not in unknown
    )
    return signs.pop() if relation.constant == shown else None


def determined(system: System, hidden: set[Unit]) -> set[Key]:
    """The unknown variables that the shown values and the relations pin down exactly."""
    known = {k for k, v in system.variables.items() if is_shown(v, hidden)}
    pinned: set[Key] = set()
    changed = True
    while changed:  # zero-sum rule; each pass may make more variables known
        changed = False
        for rel in system.relations:
            unknown = [k for k in rel.terms if k not in known and k not in pinned]
            if not unknown:
                continue
            signs = {rel.terms[k] > 0 for k in unknown}
            if len(signs) != 1 or not all(system.variables[k].nonnegative for k in unknown):
                continue
            rest = rel.constant - sum(
                rel.terms[k] * system.variables[k].value
                for k in rel.terms
                if k in known or k in pinned
            )
            if rest == 0:
                pinned.update(unknown)
                changed = True
    return pinned | _linear(system, known | pinned)


def _linear(system: System, known: set[Key]) -> set[Key]:
    """Unknowns fixed by the relations: Gaussian elimination, component by component."""
    rows = [
        {k: Fraction(c) for k, c in r.terms.items() if k not in known} for r in system.relations
    ]
    rows = [r for r in rows if r]
    out: set[Key] = set()
    for component in _components(rows):
        out |= _pinned_in(component)
    return out


def _components(rows: list[dict[Key, Fraction]]) -> Iterable[list[dict[Key, Fraction]]]:
    parent: dict[Key, Key] = {}

    def find(k: Key) -> Key:
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for row in rows:
        first, *others = row
        for k in others:
            parent[find(k)] = find(first)
    groups: dict[Key, list[dict[Key, Fraction]]] = defaultdict(list)
    for row in rows:
        groups[find(next(iter(row)))].append(row)
    return groups.values()


def _pinned_in(rows: list[dict[Key, Fraction]]) -> set[Key]:
    """Reduced row echelon form; a variable is fixed when its pivot row has nothing else."""
    rows = [dict(r) for r in rows]
    pivots: list[tuple[Key, dict[Key, Fraction]]] = []
    while rows:
        row = rows.pop()
        for key, pivot in pivots:  # eliminate the pivots found so far
            _eliminate(row, key, pivot)
        if not row:
            continue
        key = min(row, key=repr)
        lead = row[key]
        row = {k: c / lead for k, c in row.items()}
        for _, other in pivots:  # keep the earlier pivot rows reduced
            _eliminate(other, key, row)
        pivots.append((key, row))
    return {key for key, row in pivots if len(row) == 1}


def _eliminate(row: dict[Key, Fraction], key: Key, pivot: dict[Key, Fraction]) -> None:
    """Subtract from ``row`` the multiple of ``pivot`` (whose ``key`` coefficient is 1) that
    removes ``key`` from it, dropping the terms that cancel."""
    if key not in row:
        return
    factor = row.pop(key)
    for k, c in pivot.items():
        if k != key:
            row[k] = row.get(k, 0) - factor * c
            if row[k] == 0:
                del row[k]


def exposed(system: System, hidden: set[Unit]) -> list[Key]:
    """The sensitive variables a reader could work out, in declaration order."""
    pinned = determined(system, hidden)

    def secret(v: Variable) -> bool:
        return v.sensitive or (v.guarded and bool(v.units) and not is_shown(v, hidden))

    return sorted(
        (k for k in pinned if secret(system.variables[k])),
        key=lambda k: system.variables[k].order,
    )


def protect(system: System, hidden: Iterable[Unit]) -> set[Unit]:
    """``hidden`` (the primary-suppressed units) plus the complementary ones needed so that no
    sensitive variable can be worked out.

    Each round hides at most one more unit per relation: a variable whose relations a hidden
    unit of this round touched waits for the next round, which may find it safe already."""
    hidden = set(hidden)
    through: dict[Key, list[int]] = defaultdict(list)
    for i, relation in enumerate(system.relations):
        for key in relation.terms:
            through[key].append(i)
    shows: dict[Unit, list[Key]] = defaultdict(list)
    for key, variable in system.variables.items():
        for unit in variable.units:
            shows[unit].append(key)
    while True:
        added: set[Unit] = set()
        dirty: set[int] = set()
        for key in exposed(system, hidden):
            if any(i in dirty for i in through[key]):
                continue
            choice = _complement(system, hidden | added, through[key], key)
            if choice is not None:
                added.add(choice)
                dirty.update(i for k in shows[choice] for i in through[k])
        if not added:  # safe, or nothing shown is left that would help
            return hidden
        hidden |= added


def _complement(system: System, hidden: set[Unit], through: list[int], key: Key) -> Unit | None:
    """The unit to hide so that ``key`` gains an unknown partner, or None: in the relation
    through it with the fewest unknowns, the shown cell with the smallest non-zero value
    (group splits before totals, then the first declared); a zero only when nothing else is
    left, since a reader may guess a hidden partner is zero."""
    through = sorted(
        through,
        key=lambda i: sum(
            1 for k in system.relations[i].terms if not is_shown(system.variables[k], hidden)
        ),
    )
    for i in through:
        relation = system.relations[i]
        candidates = [
            system.variables[k] for k in relation.terms if is_shown(system.variables[k], hidden)
        ]
        sign = _zero_sum_sign(system, relation, hidden)
        if sign is not None:  # hiding another zero of the same sign would still leave all zero
            candidates = [
                v for v in candidates if v.value != 0 or (relation.terms[v.key] > 0) != sign
            ]
        if candidates:
            best = min(candidates, key=lambda v: (v.value == 0, v.is_total, abs(v.value), v.order))
            return next(u for u in best.units if u not in hidden)
    return None
