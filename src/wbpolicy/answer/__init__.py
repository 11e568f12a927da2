"""Answers built from verbatim evidence: ``ask`` (a question), ``brief`` (a topic across
countries) and ``matrix`` (countries x topics), with their text, CSV, HTML and JSON forms."""

from wbpolicy.answer.ask import answer, ask
from wbpolicy.answer.brief import Brief, brief
from wbpolicy.answer.matrix import Matrix, matrix
from wbpolicy.answer.render import format_answer
from wbpolicy.answer.types import Answer, AnswerItem, CitedNote

__all__ = [
    "Answer",
    "AnswerItem",
    "Brief",
    "CitedNote",
    "Matrix",
    "answer",
    "ask",
    "brief",
    "format_answer",
    "matrix",
]
