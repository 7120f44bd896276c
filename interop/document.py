"""The one shape every format reads into and writes from: a strategy as plain rows.

A format module turns a file into a :class:`StrategyDocument` (and back); it never
touches the database. The pipeline (``interop.services``) compares a document with
what the unit already holds and writes the difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ERROR = "error"
WARNING = "warning"

MEANS_OBJECTIVE = "means_objective"
PRACTICE_OBJECTIVE = "practice_objective"
PRACTICE_MEANS = "practice_means"
LINK_KINDS = (MEANS_OBJECTIVE, PRACTICE_OBJECTIVE, PRACTICE_MEANS)

#: The longest a name or title may be (the models' max_length).
NAME_LIMIT = 200
RATIONALE_LIMIT = 300


class ImportFileError(Exception):
    """The file cannot be read at all (not the format, hostile, truncated); nothing is written."""


@dataclass(frozen=True)
class Issue:
    level: str  # ERROR stops the import; WARNING is reported and the import goes on
    where: str  # "line 12", "element id-4f2", "elements.csv line 3": what a person can find
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"level": self.level, "where": self.where, "message": self.message}


@dataclass
class ObjectiveRow:
    ref: str
    title: str
    statement: str = ""
    parent_ref: str | None = None
    unit_code: str | None = None
    owner: str | None = None  # e-mail or username
    starts_on: date | None = None
    ends_on: date | None = None
    status: str | None = None
    where: str = ""


@dataclass
class MeansRow:
    ref: str
    name: str
    kind: str
    description: str = ""
    url: str = ""
    unit_code: str | None = None
    owner: str | None = None
    status: str | None = None
    where: str = ""


@dataclass
class PracticeRow:
    ref: str
    name: str
    description: str = ""
    unit_code: str | None = None
    owner: str | None = None
    status: str | None = None
    where: str = ""


@dataclass
class LinkRow:
    kind: str  # one of LINK_KINDS; source is the means or practice, target the objective or means
    source_ref: str
    target_ref: str
    rationale: str
    where: str = ""


@dataclass
class StrategyDocument:
    objectives: list[ObjectiveRow] = field(default_factory=list)
    means: list[MeansRow] = field(default_factory=list)
    practices: list[PracticeRow] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    #: Counted, not listed one by one: element types no record stands for ("BusinessObject": 10).
    not_imported: dict[str, int] = field(default_factory=dict)
    name: str = ""

    def warn(self, where: str, message: str) -> None:
        self.issues.append(Issue(WARNING, where, message))

    def error(self, where: str, message: str) -> None:
        self.issues.append(Issue(ERROR, where, message))

    @property
    def size(self) -> int:
        return len(self.objectives) + len(self.means) + len(self.practices) + len(self.links)


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut shown by an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())
