"""wbpolicy: search policy documents with evidence.

The package is a library first: each pipeline stage is a module that takes and returns the frozen
dataclasses in :mod:`wbpolicy.models`.  Only :mod:`wbpolicy.cli` imports click, and heavy libraries
(pdfplumber, spaCy, torch, FAISS) are imported inside the functions that need them.
"""

__version__ = "0.1.0"
