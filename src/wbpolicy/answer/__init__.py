"""Answers built from verbatim evidence: ``ask`` (a question), ``brief`` (a topic across
countries) and ``matrix`` (countries x topics), with their text, CSV, HTML and JSON forms."""

from wbpolicy.answer.briefing import Brief, brief
from wbpolicy.answer.country_matrix import Matrix, matrix
from wbpolicy.answer.question import answer, ask
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
