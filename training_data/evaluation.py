"""``evaluate``: train one architecture on one task under one protocol and return its record.

Bad inputs (unknown space, task, protocol or device; an architecture string that does not
parse; a protocol of another task or space) raise ``ValueError`` before anything is trained, and
a missing data file raises the loader's ``FileNotFoundError``. Everything that goes wrong after
that (NaN loss, CUDA out of memory, any other exception while building or training the network)
is caught and returned as a record with ``status`` ``"diverged"`` or ``"failed"`` and a message.

Determinism: the network's initial weights, the batch order and the augmentation draw from
generators seeded by ``seed``; the data subset is fixed per protocol. On CPU two runs with the
same seed give identical records (up to timings). CUDA runs of protocols with
``deterministic=False`` (the ``gpu`` ones) use ``cudnn.benchmark`` and are not bitwise stable.

CUDA: the model runs on the device; the whole (subset) dataset is copied to the GPU once when
it takes at most :data:`GPU_DATA_FRACTION` of the free GPU memory, otherwise batches are copied
from pinned host memory with ``non_blocking``; autocast with bf16 or fp16 (+ ``GradScaler``) when
the protocol asks for AMP.
"""
from __future__ import annotations

import inspect
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from graph_encodings import check_seed
from graph_encodings.resolve import resolve_arch
from graph_encodings.spaces.base import SearchSpace
from training_data.networks import build_network, count_flops, count_params
from training_data.protocols import (
    Protocol,
    network_family,
    network_io,
    repeat_seeds,
    training_protocol,
    training_seed,
)
from training_data.records.provenance import git_sha, package_version, utc_now_iso
from training_data.records.schema import Record
from training_data.tasks import get_task
from training_data.tasks.dataset import Split, TaskData
from training_data.training.augment import get_augmentation
from training_data.training.averaging import AveragedStep, weight_average
from training_data.training.cuda_graph_step import CudaGraphStep, supports
from training_data.training.data_cache import protocol_data
from training_data.training.device import (
    cpu_kernels,
    device_name,
    resolve_cuda_graphs,
    resolve_device,
    resolve_threads,
    torch_settings,
)
from training_data.training.host_memory import keep_freed_memory
from training_data.training.loop import (
    DivergedError,
    EagerStep,
    Precision,
    TensorSplit,
    TrainStep,
    make_optimizer,
    make_scheduler,
    predict,
    train_epoch,
)
from training_data.training.normalise import target_normaliser

GPU_DATA_FRACTION = 0.25
MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class Resolved:
    """The validated inputs of one evaluation."""

    space: SearchSpace
    arch: Any
    task: Any
    protocol: Protocol
    device: torch.device
    n_threads: int | None
    cuda_graphs: bool = False


def resolve_inputs(
    arch: Any,
    task: Any,
    protocol: str | Protocol,
    seed: int,
    device: str | torch.device,
    n_threads: int | None,
    space: str | SearchSpace | None,
    cuda_graphs: bool | None = None,
) -> Resolved:
    """Validate every user input (``ValueError`` naming the bad value and the valid ones)."""
    check_seed(seed)
    sp, arch_obj = resolve_arch(arch, space)
    task_obj = get_task(task) if isinstance(task, str) else task
    proto = training_protocol(protocol)
    if proto.task != task_obj.name:
        raise ValueError(
            f"protocol {proto.name!r} is for task {proto.task!r}, not {task_obj.name!r}; "
            f"protocols of {task_obj.name!r}: see training_data.list_protocols({task_obj.name!r})"
        )
    if sp.name not in proto.spaces:
        raise ValueError(f"protocol {proto.name!r} does not allow space {sp.name!r}; valid: {list(proto.spaces)}")
    get_augmentation(proto.augmentation, network_family(proto, task_obj))
    # Train the canonical representative: it computes the same function as ``arch``, and the
    # record's ``arch`` is then exactly the network that was trained.
    canonical = sp.canonical(arch_obj)
    resolved_device = resolve_device(device)
    return Resolved(sp, canonical, task_obj, proto, resolved_device, resolve_threads(n_threads),
                    resolve_cuda_graphs(cuda_graphs, resolved_device))


def network_settings(protocol: Protocol, space: SearchSpace) -> dict[str, Any]:
    """``build_network`` keywords: DARTS takes the protocol as is; NB201 has no stem multiplier
    nor drop-path, and its ``layers`` (cells per stage, 3 stages) is ``max(1, layers // 3)`` so
    the total cell count roughly matches the DARTS network's."""
    if space.name == "nb201":
        return {"C": protocol.C, "layers": max(1, protocol.layers // 3)}
    return {
        "C": protocol.C,
        "layers": protocol.layers,
        "stem_multiplier": protocol.stem_multiplier,
        "drop_path_prob": protocol.drop_path_prob,
    }


def loss_takes_mask(loss_fn: torch.nn.Module) -> bool:
    """Whether the loss accepts a third (mask) argument (Cosmic's ignore plane)."""
    return len(inspect.signature(loss_fn.forward).parameters) >= 3


def _to_tensors(split: Split, device: torch.device, on_device: bool, with_mask: bool) -> TensorSplit:
    def tensor(a: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(a))
        if device.type != "cuda":
            return t
        return t.to(device) if on_device else t.pin_memory()

    mask = None if split.mask is None or not with_mask else tensor(split.mask)
    return TensorSplit(tensor(split.x), tensor(split.y), mask)


def _fits_on_gpu(data: TaskData, device: torch.device) -> bool:
    if device.type != "cuda":
        return False
    nbytes = sum(
        a.nbytes for s in (data.train, data.val, data.test) for a in (s.x, s.y, s.mask) if a is not None
    )
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= GPU_DATA_FRACTION * free


@dataclass(frozen=True)
class _NetworkInputs:
    """What every network of a run trains and is scored on: family, shapes, loss, data as tensors."""

    family: str
    input_shape: tuple[int, ...]
    n_outputs: int
    loss_fn: torch.nn.Module
    train: TensorSplit
    val: TensorSplit
    test: TensorSplit


class _Run:
    """The mutable state of one training run (so a failure can still report what was done)."""

    def __init__(self, r: Resolved, data: TaskData, seed: int) -> None:
        self.r, self.data, self.seed = r, data, seed
        self.torch_seed = training_seed(r.protocol, r.space.canonical_hash(r.arch), seed)
        self.curve: list[dict[str, Any]] = []
        self.params: int | None = None
        self.flops: float | None = None
        self.train_seconds = 0.0
        self.cpu_seconds = 0.0  # process CPU time of the whole run (training and scoring)
        self.val_score: float | None = None
        self.test_score: float | None = None
        self.data_on_gpu = False
        self.step: TrainStep | None = None
        self.repeats: dict[str, Any] = {}  # per-network seeds and scores of a repeats > 1 run

    def score(self, model: torch.nn.Module, split: Split, x: torch.Tensor, precision: Precision) -> float:
        pred = predict(model, x, self.r.protocol.eval_batch_size, self.r.device, precision)
        return float(self.r.task.score(pred, split.y, **score_kwargs(self.r.task, self.data, split)))

    def train_step(self, eager: EagerStep) -> TrainStep:
        """The eager step, or its CUDA-graph replay when asked for and capturable."""
        if self.r.cuda_graphs and supports(eager, self.r.device):
            return CudaGraphStep(eager, self.r.protocol.batch_size, self.r.device)
        return eager

    def cuda_graph_facts(self) -> dict[str, Any]:
        """The record's account of CUDA graphs, when they were asked for."""
        if not self.r.cuda_graphs:
            return {}
        step = getattr(self.step, "inner", self.step)  # under a weight average: the step it wraps
        if not isinstance(step, CudaGraphStep):
            return {"cuda_graphs": False,
                    "cuda_graph_error": "not capturable (needs SGD and no fp16 gradient scaler)"}
        facts: dict[str, Any] = {"cuda_graphs": True, "cuda_graph_replays": step.replays}
        if step.error is not None:
            facts["cuda_graph_error"] = step.error
        return facts

    def execute(self) -> None:
        """Train the protocol's ``repeats`` networks; the run's scores are their means."""
        r, p, data = self.r, self.r.protocol, self.data
        input_shape, n_outputs = network_io(p, r.task)
        family = network_family(p, r.task)
        check_data_shape(data, input_shape, p, family)
        self.data_on_gpu = _fits_on_gpu(data, r.device)
        loss_fn = task_loss(r.task, data).to(r.device)
        train = _to_tensors(data.train, r.device, self.data_on_gpu, loss_takes_mask(loss_fn))
        val, test = (_to_tensors(s, r.device, self.data_on_gpu, False) for s in (data.val, data.test))
        inputs = _NetworkInputs(family, input_shape, n_outputs, loss_fn, train, val, test)
        seeds = repeat_seeds(p, self.torch_seed)
        curves, val_scores, test_scores = [], [], []
        for torch_seed in seeds:
            curve, test_score = self.train_network(torch_seed, inputs)
            curves.append(curve)
            val_scores.append(curve[-1]["val_score"])
            test_scores.append(test_score)
        self.curve = curves[0] if len(seeds) == 1 else mean_curve(curves)
        self.val_score = self.curve[-1]["val_score"]
        self.test_score = float(np.mean(test_scores))
        if len(seeds) > 1:
            self.repeats = {"repeat_torch_seeds": seeds, "repeat_test_scores": test_scores,
                            "repeat_val_scores": val_scores}

    def train_network(self, torch_seed: int, inputs: _NetworkInputs) -> tuple[list[dict[str, Any]], float]:
        """Train one network from ``torch_seed``: its learning curve and finite test score."""
        r, p, data = self.r, self.r.protocol, self.data
        torch.manual_seed(torch_seed)
        model = build_network(
            r.arch, inputs.family, inputs.input_shape[0], inputs.n_outputs, seed=torch_seed,
            **network_settings(p, r.space),
        )
        if self.params is None:  # every network of the run is the same architecture
            self.params = int(count_params(model))
            self.flops = float(count_flops(model, inputs.input_shape))
        model = model.to(r.device)
        loss_fn, train, val, test = inputs.loss_fn, inputs.train, inputs.val, inputs.test
        optimizer = make_optimizer(model, p)
        scheduler = make_scheduler(optimizer, p)
        precision = Precision.for_protocol(p, r.device)
        self.step = self.train_step(EagerStep(model, loss_fn, optimizer, p.grad_clip, precision,
                                              precision.grad_scaler()))
        average = weight_average(model, decay=p.weight_averaging, swa_start=p.swa_start,
                                 total_steps=p.epochs * -(-len(train) // p.batch_size))
        if average is not None:
            self.step = AveragedStep(self.step, average)

        statistics_inputs = batch_norm_inputs(train, p, r.device)

        def scored() -> torch.nn.Module:  # the network that is scored: the trained one, or its average
            return model if average is None else average.network_to_score(model, statistics_inputs)

        augment = get_augmentation(p.augmentation, inputs.family)
        generator = torch.Generator().manual_seed(torch_seed)
        curve: list[dict[str, Any]] = []
        self.curve = curve  # a failure reports the epochs done so far
        for epoch in range(p.epochs):
            start = time.perf_counter()
            lr = optimizer.param_groups[0]["lr"]
            if r.space.name == "darts":  # DARTS/NB360: drop-path ramps up linearly
                model.drop_path_prob = p.drop_path_prob * epoch / p.epochs
            try:
                loss = train_epoch(self.step, train, p.batch_size, r.device, generator, augment)
            except DivergedError as error:
                raise DivergedError(f"epoch {epoch + 1}: {error}") from None
            scheduler.step()
            if r.device.type == "cuda":
                torch.cuda.synchronize(r.device)
            seconds = time.perf_counter() - start
            self.train_seconds += seconds
            val_score = self.score(scored(), data.val, val.x, precision)
            curve.append({"epoch": epoch + 1, "train_loss": loss, "val_score": _finite(val_score),
                          "seconds": seconds, "lr": lr})
            if not np.isfinite(val_score):
                raise DivergedError(f"epoch {epoch + 1}: validation score became {val_score}")
        test_score = _finite(self.score(scored(), data.test, test.x, precision))
        if test_score is None:
            raise DivergedError("test score is not finite")
        return curve, test_score


def batch_norm_inputs(train: TensorSplit, protocol: Protocol,
                      device: torch.device) -> Callable[[], Iterator[torch.Tensor]]:
    """The inputs of SWA's batch-norm pass, in batches of ``eval_batch_size``: every training
    input in order, or one fixed random subset of ``swa_bn_samples`` of them (the same for
    every run of the protocol; it draws nothing from a run's random stream)."""
    n, cap = len(train), protocol.swa_bn_samples
    order = torch.arange(n) if cap is None or cap >= n else \
        torch.randperm(n, generator=torch.Generator().manual_seed(0))[:cap]
    batches = torch.split(order.to(train.x.device), protocol.eval_batch_size)
    return lambda: (train.batch(i, device)[0] for i in batches)


def mean_curve(curves: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per epoch: the mean training loss and validation score of several networks' curves, and
    their summed seconds (the run's cost)."""
    return [{"epoch": rows[0]["epoch"], "train_loss": float(np.mean([r["train_loss"] for r in rows])),
             "val_score": float(np.mean([r["val_score"] for r in rows])),
             "seconds": float(sum(r["seconds"] for r in rows)), "lr": rows[0]["lr"]}
            for rows in zip(*curves, strict=True)]


def check_data_shape(data: TaskData, input_shape: tuple[int, ...], protocol: Protocol, family: str) -> None:
    """``ValueError`` when the training inputs do not have the shape the protocol's networks take
    (point tasks must match exactly; dense tasks only in channels, as they are convolutional)."""
    got = tuple(data.train.x.shape[1:])
    dense = family == "dense2d"
    if (got[:1] if dense else got) != (input_shape[:1] if dense else tuple(input_shape)):
        raise ValueError(f"protocol {protocol.name!r} builds networks for inputs {tuple(input_shape)}, "
                         f"but the loaded {protocol.task} data has {got}: the protocol's input_shape "
                         f"does not match its data source ({dict(protocol.data_options)})")


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def task_loss(task: Any, data: TaskData) -> torch.nn.Module:
    """The task's training loss (Darcy's decodes with the data's target normaliser)."""
    normaliser = target_normaliser(data)
    return task.loss_fn(normaliser=normaliser) if normaliser is not None else task.loss_fn()


def score_kwargs(task: Any, data: TaskData, split: Split) -> dict[str, Any]:
    """Keyword arguments of ``task.score`` for ``split`` (groups, mask, normaliser)."""
    kwargs: dict[str, Any] = {}
    if split.groups is not None:
        kwargs["groups"] = split.groups
    if split.mask is not None:
        kwargs["mask"] = split.mask
    normaliser = target_normaliser(data)
    if normaliser is not None:
        kwargs["normaliser"] = normaliser
    return kwargs


def evaluate(
    arch: Any,
    task: Any,
    protocol: str | Protocol,
    seed: int = 0,
    device: str | torch.device = "auto",
    data_root: str | os.PathLike[str] | None = None,
    sampler: str = "manual",
    n_threads: int | None = None,
    space: str | SearchSpace | None = None,
    cuda_graphs: bool | None = None,
) -> Record:
    """Train ``arch`` on ``task`` under ``protocol`` with ``seed``; return the :class:`Record`.

    ``arch``: an architecture object or its text form (space inferred, or given by ``space``).
    ``task``: a task name or object. ``protocol``: a registered name or a :class:`Protocol`
    (e.g. a ``dataclasses.replace`` variant). ``device``: ``"auto"`` (CUDA if available),
    ``"cpu"``, ``"cuda"`` or ``"cuda:N"``. ``n_threads``: torch CPU threads for this call
    (default ``$NB360_TORCH_THREADS``, else torch's default), so parallel worker processes can
    use one thread each. ``cuda_graphs``: replay each full training batch as one captured CUDA
    graph (``training_data.training.cuda_graph_step``; default ``$NB360_CUDA_GRAPHS``; CUDA only),
    which removes the host's per-kernel launch cost that bounds small networks on a GPU.
    ``sampler``: who proposed the architecture (stored in the record). The record's ``score`` is
    the test score (NB360 error, lower is better); ``extra`` holds the protocol hash and the data
    sizes. CPU runs make glibc keep freed memory for reuse (``training_data.training.host_memory``;
    ``NB360_KEEP_HOST_MEMORY=0`` opts out). See the module docstring for errors and determinism.
    """
    r = resolve_inputs(arch, task, protocol, seed, device, n_threads, space, cuda_graphs)
    if r.device.type == "cpu":
        keep_freed_memory()  # large eval batches reuse memory instead of page-faulting
    p = r.protocol
    data = protocol_data(r.task, p, data_root)
    run = _Run(r, data, int(seed))
    status, message = "ok", ""
    devices = [r.device] if r.device.type == "cuda" else []
    with torch_settings(r.n_threads, p.deterministic), torch.random.fork_rng(devices=devices):
        cpu_start = time.process_time()
        try:
            run.execute()
        except DivergedError as error:
            status, message = "diverged", str(error)
        except Exception as error:  # noqa: BLE001 - every training failure becomes a record
            status, message = "failed", f"{type(error).__name__}: {error}"[:MESSAGE_LIMIT]
        run.cpu_seconds = time.process_time() - cpu_start
    if status == "failed" and r.device.type == "cuda":
        torch.cuda.empty_cache()  # after the except block: the traceback no longer pins memory
    return _record(run, status, message, sampler, data)


def _record(run: _Run, status: str, message: str, sampler: str, data: TaskData) -> Record:
    r, p = run.r, run.r.protocol
    ok = status == "ok"
    metric_name, metric_value = metric_of(r.task, run.test_score if ok else None)
    return Record(
        space=r.space.name,
        arch=r.space.format(r.arch),
        arch_hash=r.space.canonical_hash(r.arch),
        task=r.task.name,
        protocol=p.name,
        protocol_version=p.version,
        seed=run.seed,
        status=status,
        message=message,
        score=run.test_score if ok else None,
        metric_name=metric_name,
        metric_value=metric_value,
        val_score=run.val_score if ok else None,
        test_score=run.test_score if ok else None,
        learning_curve=run.curve,
        train_seconds=run.train_seconds,
        params=run.params,
        flops=run.flops,
        device=r.device.type,
        package_version=package_version(),
        git_sha=git_sha(),
        sampler=sampler,
        timestamp=utc_now_iso(),
        extra={
            "protocol_hash": p.hash(),
            **({"torch_seed": run.torch_seed} if p.seed_policy != "shared" else {}),
            **({"data_source": data.meta["source"]} if "source" in data.meta else {}),
            "device_name": device_name(r.device),
            "n_threads": torch.get_num_threads() if r.n_threads is None else r.n_threads,
            "cpu_seconds": round(run.cpu_seconds, 3),
            "n_train": len(data.train),
            "n_val": len(data.val),
            "n_test": len(data.test),
            "data_on_gpu": run.data_on_gpu,
            "amp": bool(p.amp and r.device.type == "cuda"),
            "torch_version": torch.__version__,
            **({"cpu_kernels": cpu_kernels()} if r.device.type == "cpu" else {}),
            **run.cuda_graph_facts(),
            **run.repeats,
        },
    )


# score name -> (raw metric name, raw metric from the error score)
RAW_METRICS: dict[str, tuple[str, Callable[[float], float]]] = {
    "zero_one_error": ("accuracy_percent", lambda s: 100.0 - s),
    "vote_f1_error": ("macro_f1", lambda s: 1.0 - s),
    "map_error": ("mAP", lambda s: 1.0 - s),
    "auroc_error": ("mean_auroc", lambda s: 1.0 - s),
    "relative_l2": ("relative_l2", lambda s: s),
    "mae8": ("mae8", lambda s: s),
    "fnr": ("fnr_percent", lambda s: s),
}


def metric_of(task: Any, score: float | None) -> tuple[str, float | None]:
    """The raw metric's name and value for a score (e.g. ``("accuracy_percent", 100 - error)``)."""
    name, convert = RAW_METRICS.get(task.score_name, (task.score_name, lambda s: s))
    return name, None if score is None else float(convert(score))
