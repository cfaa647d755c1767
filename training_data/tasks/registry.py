"""The ten NAS-Bench-360 tasks: shapes, loss, score (as an error), data loader.

``get_task(name)`` / ``list_tasks()`` / ``describe_task(name)``. Loaders are found by module name,
``training_data.tasks.loaders.<task>``, and imported lazily (``importlib``), so the registry works
while a loader module is missing (``has_data`` is then False and ``load`` raises ``ImportError``).
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from torch import nn

from graph_encodings.registry import Registry
from training_data.tasks.data_root import DataFileNotFoundError
from training_data.tasks.dataset import TaskData
from training_data.tasks.scores import (
    GaussianNormaliser,
    auroc_error,
    create_loss,
    fnr_error,
    mae8_error,
    map_error,
    relative_l2_error,
    vote_f1_error,
    zero_one_error,
)

OUTPUT_TYPES = ("classification", "multilabel", "dense_regression", "dense_binary")
FAMILIES = ("point2d", "dense2d", "point1d")
LOADER_PACKAGE = "training_data.tasks.loaders"

# score name -> (function, the optional inputs it uses among groups / mask / normaliser)
SCORES: dict[str, tuple[Callable[..., float], frozenset[str]]] = {
    "zero_one_error": (zero_one_error, frozenset()),
    "map_error": (map_error, frozenset({"groups"})),
    "relative_l2": (relative_l2_error, frozenset({"normaliser"})),
    "mae8": (mae8_error, frozenset({"mask"})),
    "fnr": (fnr_error, frozenset()),
    "vote_f1_error": (vote_f1_error, frozenset({"groups"})),
    "auroc_error": (auroc_error, frozenset()),
}


@dataclass(frozen=True)
class Task:
    """One NB360 task. Scores are errors (lower is better); ``score_unit`` is '%', 'fraction' or 'A' (angstrom).

    ``input_shape`` / ``output_shape`` exclude the batch axis. PSICOV's shapes are those of the
    training crops; its validation/test maps are full size (the dense networks are convolutional).
    ``chance_score`` is the error of a trivial, input-blind predictor (``None`` where it depends
    on the data); ``chance_description`` says which predictor.
    """

    name: str
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    output_type: str
    family: str
    n_outputs: int
    loss: str
    score_name: str
    score_description: str
    score_unit: str
    chance_score: float | None
    chance_description: str
    loader: str = field(default="")

    def __post_init__(self) -> None:
        if self.output_type not in OUTPUT_TYPES:
            raise ValueError(f"task {self.name!r}: output_type {self.output_type!r} not in {OUTPUT_TYPES}")
        if self.family not in FAMILIES:
            raise ValueError(f"task {self.name!r}: family {self.family!r} not in {FAMILIES}")
        if self.score_name not in SCORES:
            raise ValueError(f"task {self.name!r}: score {self.score_name!r} not in {sorted(SCORES)}")
        if not self.loader:
            object.__setattr__(self, "loader", f"{LOADER_PACKAGE}.{self.name}")

    # ------------------------------------------------------------------ training and scoring
    def loss_fn(self, **kwargs: Any) -> nn.Module:
        """A fresh torch loss module (keyword arguments go to its constructor)."""
        return create_loss(self.loss, **kwargs)

    def score(
        self,
        pred: Any,
        target: Any,
        *,
        groups: Any = None,
        mask: Any = None,
        normaliser: GaussianNormaliser | dict[str, Any] | None = None,
    ) -> float:
        """NB360's score as an error, from raw outputs (logits / dense outputs; numpy or torch).

        ``groups``: the record / clip of each sample (ECG vote, FSD50K clip averaging);
        ``mask``: PSICOV's valid-pair mask; ``normaliser``: Darcy's y-normaliser (object or its
        ``to_dict()``). Inputs the task's score does not use are ignored (Cosmic's ignore plane
        only enters the loss: NB360's FNR counts every pixel).
        """
        function, uses = SCORES[self.score_name]
        kwargs: dict[str, Any] = {}
        if "groups" in uses:
            kwargs["groups"] = groups
        if "mask" in uses:
            kwargs["mask"] = mask
        if "normaliser" in uses:
            if isinstance(normaliser, dict):
                normaliser = GaussianNormaliser.from_dict(normaliser)
            kwargs["normaliser"] = normaliser
        return function(pred, target, **kwargs)

    # ------------------------------------------------------------------ data
    @property
    def source(self) -> str:
        """Where a user gets the data (the loader's ``SOURCE``)."""
        return str(self._loader_module().SOURCE)

    def load(self, data_root: str | os.PathLike[str] | None = None, **options: Any) -> TaskData:
        """Train / val / test splits from the official files under the data root."""
        data = self._loader_module().load(data_root, **options)
        if not isinstance(data, TaskData):
            raise TypeError(f"loader {self.loader} returned {type(data).__name__}, expected TaskData")
        return data

    def has_data(self, data_root: str | os.PathLike[str] | None = None) -> bool:
        """Whether the task's files are on disk (False when the loader module is missing)."""
        try:
            module = self._loader_module()
        except ImportError:
            return False
        check = getattr(module, "has_data", None)
        if check is not None:
            return bool(check(data_root))
        try:
            module.load(data_root)
        except DataFileNotFoundError:
            return False
        return True

    def _loader_module(self) -> ModuleType:
        try:
            return importlib.import_module(self.loader)
        except ModuleNotFoundError as error:
            if error.name != self.loader:
                raise  # a dependency of the loader is missing: say so unchanged
            raise ImportError(
                f"task {self.name!r}: its loader module {self.loader} is not available"
            ) from error


_PERCENT_01 = "0-1 error in % (100 * fraction of samples whose argmax class is wrong)"

_TASKS: tuple[Task, ...] = (
    Task(
        "cifar100", (3, 32, 32), (100,), "classification", "point2d", 100, "cross_entropy",
        "zero_one_error", _PERCENT_01, "%", 99.0,
        "balanced 100 classes: any constant class (or uniform guessing) is wrong 99% of the time",
    ),
    Task(
        "spherical", (3, 60, 60), (100,), "classification", "point2d", 100, "cross_entropy",
        "zero_one_error", _PERCENT_01, "%", 99.0,
        "spherical projection of CIFAR-100: balanced 100 classes, constant class -> 99% error",
    ),
    Task(
        "ninapro", (1, 16, 52), (18,), "classification", "point2d", 18, "cross_entropy",
        "zero_one_error", _PERCENT_01, "%", 100.0 * (1 - 1 / 18),
        "uniform guessing over 18 gestures (94.4%); the majority-class error depends on the "
        "split's class frequencies (the classes are not exactly balanced)",
    ),
    Task(
        "fsd50k", (1, 96, 101), (200,), "multilabel", "point2d", 200, "bce_with_logits",
        "map_error",
        "1 - mAP: macro average precision over the 200 labels of clip-level predictions (chunk "
        "logits averaged per clip); labels without positives count as AP 0 (sklearn, as NB360)",
        "fraction", None,
        "an input-blind constant score gives AP = label prevalence, so 1 - mean prevalence "
        "(~0.99 on FSD50K); data dependent",
    ),
    Task(
        "darcyflow", (3, 85, 85), (1, 85, 85), "dense_regression", "dense2d", 1, "relative_l2",
        "relative_l2",
        "relative L2 error ||u_pred - u|| / ||u|| per sample, averaged; outputs decoded with "
        "the train Gaussian normaliser first",
        "fraction", 1.0,
        "predicting u = 0 gives exactly 1.0; the train mean field is a stronger, data-dependent baseline",
    ),
    Task(
        "psicov", (57, 128, 128), (1, 128, 128), "dense_regression", "dense2d", 1, "mse",
        "mae8",
        "MAE8: mean absolute error (A) of predicted distances over residue pairs with sequence "
        "separation >= 24 and true distance <= 8 A, per protein then averaged (full maps)",
        "A", None,
        "no data-free value: the pairs are selected by true distance <= 8 A, so a constant "
        "prediction near their mean (~6 A) already scores ~1-1.5 A",
    ),
    Task(
        "cosmic", (1, 128, 128), (1, 128, 128), "dense_binary", "dense2d", 1,
        "masked_bce_with_logits", "fnr",
        "false-negative rate in % of cosmic-ray pixels, raw logits thresholded at 0.5 (NB360)",
        "%", 100.0,
        "predicting 'no cosmic ray' everywhere misses all of them (100%); FNR alone rewards "
        "flagging everything (0%), so read it with the loss",
    ),
    Task(
        "ecg", (1, 1000), (4,), "classification", "point1d", 4, "cross_entropy",
        "vote_f1_error",
        "1 - macro F1 over the 4 classes (N/A/O/~) after a majority vote of the windows of each record",
        "fraction", 0.75,
        "guessing with the class frequencies gives expected F1 = frequency per class, so macro "
        "F1 = 1/4 -> 0.75; always 'N' (59% of records) is worse: 1 - 0.74/4 = 0.81",
    ),
    Task(
        "satellite", (1, 46), (24,), "classification", "point1d", 24, "cross_entropy",
        "zero_one_error", _PERCENT_01, "%", 100.0 * (1 - 1 / 24),
        "24 classes, balanced in the UCR Crop subsample: constant class -> 95.8% error",
    ),
    Task(
        "deepsea", (4, 1000), (36,), "multilabel", "point1d", 36, "bce_with_logits",
        "auroc_error",
        "1 - mean AUROC over the 36 labels (labels with a single class in the split are skipped)",
        "fraction", 0.5,
        "any input-blind score (constant or random) has AUROC 0.5",
    ),
)



def _describe(name: str, task: Task) -> str:
    chance = "data dependent" if task.chance_score is None else f"{task.chance_score:.4g}"
    return (f"{name}: input {task.input_shape} -> {task.output_type} {task.output_shape} "
            f"({task.family}); loss {task.loss}; score {task.score_name} in {task.score_unit} "
            f"(an error, lower is better; chance {chance}): {task.score_description}")


TASKS: Registry[Task] = Registry("task", describe=_describe, sort=False)
for _task in _TASKS:
    TASKS.add(_task.name, _task)


def list_tasks() -> list[str]:
    """The ten task names, in NAS-Bench-360's (DESIGN.md) order."""
    return TASKS.names()


def get_task(name: str) -> Task:
    """The task called ``name``; :class:`~graph_encodings.registry.UnknownNameError` (a
    ``ValueError``) listing the valid names otherwise."""
    return TASKS.get(name)


def describe_task(name: str) -> str:
    """The task's shapes, loss and score (what it measures, its unit, the chance level)."""
    return TASKS.describe(name)
