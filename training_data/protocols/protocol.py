"""The `Protocol` dataclass: one named, versioned recipe for training an architecture on a task.

A protocol fixes everything that influences a score except the architecture and the seed:
network size, optimiser and schedule, data subset, augmentation, precision. Changing any of
it means a new protocol version (a new name ending in ``-v<version>``); records carry the
protocol name, its version and its :meth:`Protocol.hash`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from graph_encodings.seeds import check_seed

OPTIMIZERS: tuple[str, ...] = ("sgd", "adamw")
SCHEDULES: tuple[str, ...] = ("cosine", "constant")
AUGMENTATIONS: tuple[str, ...] = ("none", "shift1d", "crop_flip")
AMP_DTYPES: tuple[str, ...] = ("bf16", "fp16")
DEVICE_CLASSES: tuple[str, ...] = ("cpu", "gpu", "tiny")
SPACES: tuple[str, ...] = ("darts", "nb201")
SEED_POLICIES: tuple[str, ...] = ("shared", "per_architecture")
# Fields added after the v1 protocols were registered: left out of :meth:`Protocol.hash` while
# they hold their default, so every earlier protocol (and its records) keeps its hash.
_LATER_FIELDS: dict[str, object] = {"seed_policy": "shared", "input_shape": None, "n_outputs": None,
                                     "weight_averaging": None, "repeats": 1, "swa_start": None,
                                     "swa_bn_samples": None}

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*-v(\d+)$")


def _check_choice(field_name: str, value: str, valid: tuple[str, ...]) -> None:
    if value not in valid:
        raise ValueError(f"protocol field {field_name}={value!r} is not valid; valid: {list(valid)}")


def _check_positive(field_name: str, value: float | None, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value is None or value <= 0:
        raise ValueError(f"protocol field {field_name}={value!r} must be > 0")


def _as_tuple(value: Any) -> Any:
    """``value`` with every list in it a tuple (so a data option read back from JSON is hashable
    and equal to the registered one)."""
    if isinstance(value, (list, tuple)):
        return tuple(_as_tuple(v) for v in value)
    return value


@dataclass(frozen=True)
class Protocol:
    """A training recipe (frozen; build variants with :func:`dataclasses.replace`).

    ``n_train`` / ``n_val`` / ``n_test`` cap the split sizes (``None``: the whole split); the
    subset is drawn once per protocol with ``subset_seed`` (the same data for every architecture
    and seed); validation and test subsets keep whole groups (e.g. every window of an ECG
    record) so grouped scores stay meaningful; ``group_cap`` keeps at most that many evenly
    spaced samples per group there (cheaper votes over more records). ``data_options`` are
    passed to ``task.load``.
    ``drop_path_prob`` is ramped linearly from 0 over the epochs, as DARTS/NB360 do.
    ``repeats`` > 1 makes one run train that many networks of the architecture from independent
    random streams (:func:`repeat_seeds`) and score their mean (curves averaged per epoch): a
    lower-variance estimate of the architecture's score per run, at ``repeats`` times the cost.
    ``weight_averaging`` (an EMA decay per step) or ``swa_start`` (SWA: the equal-weight mean of
    the weights after every step past that fraction of the training steps, batch-norm statistics
    recomputed) makes validation and test score an average of the weights
    (:mod:`training_data.training.averaging`); at most one of them is set. ``swa_bn_samples``
    caps the batch-norm pass at that many training samples (one fixed random subset for every
    run of the protocol; None: all of them).
    ``amp`` (mixed precision with ``amp_dtype``) applies on CUDA only. ``deterministic`` turns
    on ``torch.use_deterministic_algorithms`` and turns off ``cudnn.benchmark``.
    """

    name: str
    task: str
    device_class: str
    epochs: int
    C: int
    layers: int
    batch_size: int
    lr: float
    version: int = 1
    spaces: tuple[str, ...] = SPACES
    stem_multiplier: int = 3
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 3e-4
    schedule: str = "cosine"
    grad_clip: float | None = 5.0
    drop_path_prob: float = 0.0
    n_train: int | None = None
    n_val: int | None = None
    n_test: int | None = None
    subset_seed: int = 0
    group_cap: int | None = None
    augmentation: str = "none"
    amp: bool = False
    amp_dtype: str = "bf16"
    deterministic: bool = True
    eval_batch_size: int = 256
    data_options: tuple[tuple[str, Any], ...] = ()
    seed_policy: str = "shared"
    input_shape: tuple[int, ...] | None = None
    n_outputs: int | None = None
    weight_averaging: float | None = None
    repeats: int = 1
    swa_start: float | None = None
    swa_bn_samples: int | None = None
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        match = _NAME.match(self.name)
        if match is None or int(match.group(2)) != self.version:
            raise ValueError(
                f"protocol name {self.name!r} must be lower-case words joined by '-' and end in "
                f"'-v{self.version}' (its version)"
            )
        _check_choice("device_class", self.device_class, DEVICE_CLASSES)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("schedule", self.schedule, SCHEDULES)
        _check_choice("augmentation", self.augmentation, AUGMENTATIONS)
        _check_choice("amp_dtype", self.amp_dtype, AMP_DTYPES)
        _check_choice("seed_policy", self.seed_policy, SEED_POLICIES)
        if self.input_shape is not None:
            shape = tuple(self.input_shape)
            if not shape or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in shape):
                raise ValueError(f"protocol field input_shape={self.input_shape!r} must be positive "
                                 f"integer sizes of one sample, e.g. (1, 8, 52)")
            object.__setattr__(self, "input_shape", shape)
        if self.n_outputs is not None and (isinstance(self.n_outputs, bool) or not isinstance(self.n_outputs, int)
                                           or self.n_outputs < 1):
            raise ValueError(f"protocol field n_outputs={self.n_outputs!r} must be a positive integer")
        for space in self.spaces:
            _check_choice("spaces", space, SPACES)
        for name in ("epochs", "C", "layers", "batch_size", "eval_batch_size", "stem_multiplier", "repeats"):
            _check_positive(name, getattr(self, name))
        _check_positive("lr", self.lr)
        _check_positive("grad_clip", self.grad_clip, allow_none=True)
        for name in ("n_train", "n_val", "n_test", "group_cap"):
            _check_positive(name, getattr(self, name), allow_none=True)
        if isinstance(self.repeats, bool) or not isinstance(self.repeats, int):
            raise ValueError(f"protocol field repeats={self.repeats!r} must be a positive integer")
        if self.weight_averaging is not None and not 0.0 < self.weight_averaging < 1.0:
            raise ValueError(f"protocol field weight_averaging={self.weight_averaging!r} must be in (0, 1) or None")
        if self.swa_start is not None and (isinstance(self.swa_start, bool) or not isinstance(self.swa_start, (int, float))
                                           or not 0.0 <= self.swa_start < 1.0):
            raise ValueError(f"protocol field swa_start={self.swa_start!r} must be in [0, 1) or None "
                             f"(the fraction of training steps before SWA starts averaging)")
        if self.swa_start is not None and self.weight_averaging is not None:
            raise ValueError(f"protocol fields weight_averaging={self.weight_averaging!r} and "
                             f"swa_start={self.swa_start!r} are two averaging rules; set at most one")
        if self.swa_bn_samples is not None and (isinstance(self.swa_bn_samples, bool)
                                                or not isinstance(self.swa_bn_samples, int)):
            raise ValueError(f"protocol field swa_bn_samples={self.swa_bn_samples!r} must be a positive integer or None")
        _check_positive("swa_bn_samples", self.swa_bn_samples, allow_none=True)
        if self.swa_bn_samples is not None and self.swa_start is None:
            raise ValueError(f"protocol field swa_bn_samples={self.swa_bn_samples!r} caps SWA's batch-norm "
                             f"pass, but swa_start is None (no SWA); set swa_start too, or leave it None")
        if not 0.0 <= self.drop_path_prob < 1.0:
            raise ValueError(f"protocol field drop_path_prob={self.drop_path_prob!r} must be in [0, 1)")
        if self.weight_decay < 0:
            raise ValueError(f"protocol field weight_decay={self.weight_decay!r} must be >= 0")
        # Normalise data_options to a sorted tuple of pairs (hashable, order-independent; a list
        # value, as JSON gives back a tuple, becomes a tuple).
        options = {k: _as_tuple(v) for k, v in dict(self.data_options).items()}
        object.__setattr__(self, "data_options", tuple(sorted(options.items())))

    @property
    def load_options(self) -> dict[str, Any]:
        """Keyword options for ``task.load``."""
        return dict(self.data_options)

    @property
    def tasks(self) -> tuple[str, ...]:
        """The tasks whose records this protocol makes (one; see :class:`ImportedProtocol`)."""
        return (self.task,)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (inverse: :meth:`from_dict`)."""
        out = dataclasses.asdict(self)
        out["spaces"] = list(self.spaces)
        out["data_options"] = dict(self.data_options)
        if self.input_shape is not None:
            out["input_shape"] = list(self.input_shape)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Protocol:
        """The protocol described by ``data`` (as written by :meth:`to_dict`)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown protocol fields {unknown}; valid: {sorted(known)}")
        kwargs = dict(data)
        if "spaces" in kwargs:
            kwargs["spaces"] = tuple(kwargs["spaces"])
        if "data_options" in kwargs:
            kwargs["data_options"] = tuple(dict(kwargs["data_options"]).items())
        if kwargs.get("input_shape") is not None:
            kwargs["input_shape"] = tuple(kwargs["input_shape"])
        return cls(**kwargs)

    def hash(self) -> str:
        """sha256 (hex, 16 bytes) of the settings, excluding the free-text description."""
        settings = self.to_dict()
        settings.pop("description")
        for name, default in _LATER_FIELDS.items():
            if settings[name] == default:
                settings.pop(name)
        text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ImportedProtocol:
    """How records made elsewhere were trained (e.g. NB360's own tables, imported as records).

    Registered like a :class:`Protocol` so it can be listed and described, but it cannot be
    trained here: :func:`~training_data.protocols.training_protocol` refuses it, saying so.
    ``C`` and ``layers`` are the width and depth of the network the runs trained.
    """

    name: str
    tasks: tuple[str, ...]
    spaces: tuple[str, ...]
    epochs: int
    C: int
    layers: int
    imported_by: str  # the module that turns the source tables into records
    version: int = 1
    description: str = field(default="", compare=False)

    device_class: ClassVar[str] = "imported"
    seed_policy: ClassVar[str] = "imported"  # seeds as the table's authors ran them

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (inverse: :meth:`from_dict`)."""
        return {**dataclasses.asdict(self), "tasks": list(self.tasks), "spaces": list(self.spaces)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportedProtocol:
        """The protocol described by ``data`` (as written by :meth:`to_dict`)."""
        return cls(**{**data, "tasks": tuple(data["tasks"]), "spaces": tuple(data["spaces"])})

    def hash(self) -> str:
        """sha256 (hex, 16 bytes) of the settings, excluding the free-text description."""
        settings = {k: v for k, v in self.to_dict().items() if k != "description"}
        text = json.dumps(settings, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def not_trainable(self) -> ValueError:
        """The error of an attempt to train under this protocol."""
        return ValueError(
            f"protocol {self.name!r} cannot be trained here: it describes runs made elsewhere "
            f"({self.description.split('. ')[0]}), imported as records by {self.imported_by}; "
            f"train under a registered protocol of the task (training_data.list_protocols(task))")


def training_seed(protocol: Protocol, arch_hash: str, seed: int) -> int:
    """The random stream a run of ``arch_hash`` with ``seed`` trains from under ``protocol``.

    ``shared``: ``seed`` itself. ``per_architecture``: 31 bits of sha256 of the canonical hash
    and the seed, so two architectures (or two seeds) never share a stream except by a 2^-31
    collision, and every reader derives the same stream from the record.
    """
    seed = check_seed(seed)
    if protocol.seed_policy == "shared":
        return seed
    digest = hashlib.sha256(f"{arch_hash}/{seed}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def repeat_seeds(protocol: Protocol, torch_seed: int) -> list[int]:
    """The random streams of a run's ``protocol.repeats`` networks: the run's own first, then
    31 bits of sha256 of the run's stream and the repeat index (independent of other runs)."""
    seeds = [int(torch_seed)]
    for k in range(1, protocol.repeats):
        digest = hashlib.sha256(f"{torch_seed}/repeat/{k}".encode()).digest()
        seeds.append(int.from_bytes(digest[:4], "big") & 0x7FFFFFFF)
    return seeds


def network_io(protocol: Protocol, task: Any) -> tuple[tuple[int, ...], int]:
    """The input shape (one sample) and output count of the networks ``protocol`` builds for ``task``."""
    shape = protocol.input_shape if protocol.input_shape is not None else tuple(task.input_shape)
    outputs = protocol.n_outputs if protocol.n_outputs is not None else int(task.n_outputs)
    return tuple(shape), int(outputs)


def network_family(protocol: Protocol, task: Any) -> str:
    """The network family ``protocol`` builds for ``task``: the task's, except that a point task
    whose protocol feeds inputs of another rank gets the point family of that rank (NinaPro's
    electrodes as the channels of a 1D signal, ``input_shape=(8, 52)``: ``point1d``)."""
    family = str(task.family)
    if protocol.input_shape is None or family not in _POINT_FAMILY_BY_DIMS.values():
        return family
    dims = len(protocol.input_shape) - 1
    if dims not in _POINT_FAMILY_BY_DIMS:
        raise ValueError(f"protocol {protocol.name!r}: input_shape={tuple(protocol.input_shape)!r} has "
                         f"{dims} spatial dimensions; point networks take "
                         f"{sorted(_POINT_FAMILY_BY_DIMS)} (channels first)")
    return _POINT_FAMILY_BY_DIMS[dims]


_POINT_FAMILY_BY_DIMS = {1: "point1d", 2: "point2d"}
