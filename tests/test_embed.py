"""Embedders: the deterministic hash embedder, spec parsing, and the bundled model."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from wbpolicy.embed import BUNDLED_MODEL_ID, HashEmbedder, load_embedder, passage_input
from wbpolicy.errors import WbpolicyError


def test_hash_embedder_is_deterministic_normalised_and_similarity_aware():
    e = load_embedder("hash:64")
    assert isinstance(e, HashEmbedder) and e.dim == 64 and e.model_id == "hash:64"
    texts = [
        "national cyber security strategy of Serbia",
        "Serbia national cyber security strategy",
        "fishing quotas in the Baltic sea",
        "",
    ]
    v = e.embed(texts, "passage")
    assert v.dtype == np.float32 and v.shape == (4, 64)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(v, HashEmbedder(64).embed(texts, "query"))
    sims = v @ v.T
    assert sims[0, 1] > 0.6 > sims[0, 2]
    assert e.count_tokens("Law no. 5, art.3") == 8


def test_bad_specs():
    for spec in ["hash:x", "bundled:other-model", "/nonexistent/model/dir", "hash:1"]:
        with pytest.raises(WbpolicyError):
            load_embedder(spec)


def test_a_precision_suffix_names_the_int8_export():
    from wbpolicy.embed import split_precision

    assert split_precision("bundled:all-MiniLM-L6-v2@int8") == ("bundled:all-MiniLM-L6-v2", "int8")
    assert split_precision("bundled:all-MiniLM-L6-v2@fp32") == ("bundled:all-MiniLM-L6-v2", "fp32")
    assert split_precision("/models/x@y") == ("/models/x@y", None)
    assert split_precision("@int8") == ("@int8", None)
    e = load_embedder("bundled:all-MiniLM-L6-v2@int8")  # nothing loads before the first embed
    assert e.model_id == f"{BUNDLED_MODEL_ID}@int8" and e.max_tokens == 256
    assert load_embedder("bundled:all-MiniLM-L6-v2@fp32").model_id == BUNDLED_MODEL_ID
    for spec in ["st:bundled:all-MiniLM-L6-v2@int8", "hash:64@int8"]:
        with pytest.raises(WbpolicyError, match="precision"):
            load_embedder(spec)


def test_passage_input_keeps_text_last():
    assert passage_input("Body.", "Title", "1 A > 1.1 B") == "Title | 1 A > 1.1 B\nBody."
    assert passage_input("Body.") == "Body."


def test_bundled_token_counting_does_not_import_torch():
    code = (
        "import sys; from wbpolicy.embed import load_embedder\n"
        "e = load_embedder('bundled:all-MiniLM-L6-v2')\n"
        "print(e.model_id, e.dim, e.max_tokens, e.count_tokens('Cybersecurity in Kosovo*.'),"
        " 'torch' in sys.modules)\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    assert out[:3] == [BUNDLED_MODEL_ID, "384", "256"]
    assert int(out[3]) >= 6 and out[4] == "False"


@pytest.mark.model
def test_bundled_model_embeds_offline():
    e = load_embedder("bundled:all-MiniLM-L6-v2")
    v = e.embed(
        [
            "national cybersecurity strategy",
            "cyber security strategy of the state",
            "recipe for apple pie",
        ],
        "passage",
    )
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.2
    assert os.environ["HF_HUB_OFFLINE"] == "1"
