"""The Milvus vector backend (placeholder: being built)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wbpolicy.index import Index

COLLECTION = "wbpolicy_passages"


def open_vectors(index: Index, rebuild: bool) -> Any:
    raise NotImplementedError("the Milvus backend is not built yet")
