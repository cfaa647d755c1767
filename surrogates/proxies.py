"""Zero-cost proxies: scores of an untrained network, extra inputs for the tree surrogates.

A proxy scores an architecture from its network at initialisation, without training and without
data (NAS-Bench-Suite-Zero, Krishnakumar et al. 2022, found such scores add most to a predictor
when it has few training architectures). Registered (:func:`list_proxies`):

* ``synflow`` (Tanaka et al., "Pruning neural networks without any data by iteratively conserving
  synaptic flow", NeurIPS 2020; as Abdelfattah et al. 2021 used it for NAS): every parameter
  replaced by its absolute value, batch norm at its initial statistics (eval mode: mean 0,
  variance 1, so it passes its input through unchanged up to ``eps``; dropout and drop-path off),
  one all-ones input of the task's shape, ``R`` = the sum of the outputs; the score is
  ``S = sum over parameters theta of |theta * dR/dtheta|``, computed in double precision and
  reported as ``log(1 + S)`` (S reaches 1e40 on these networks; ``log1p`` keeps the rare
  ``S = 0`` finite).
* ``params`` / ``flops``: the log of the proxy network's trainable parameters / forward FLOPs
  (exact counts, :mod:`surrogates.complexity`; vectorised, so not cached on disk).

Data-dependent proxies, where a training protocol's data is on this machine (``protocol=``; the
network is then the protocol's own at initialisation, on a fixed batch of
:data:`PROXY_BATCH_SIZE` training samples drawn with :data:`INIT_SEED`, in training mode, as
NAS-Bench-Suite-Zero computes them):

* ``grad_norm`` (Abdelfattah et al., "Zero-cost proxies for lightweight NAS", ICLR 2021): the sum
  over parameter tensors of the L2 norm of the task loss's gradient, reported as its log;
* ``snip`` (Lee et al., "SNIP: single-shot network pruning based on connection sensitivity",
  ICLR 2019): ``log(1 + sum |theta * dL/dtheta|)``;
* ``jacob_cov`` (Mellor et al., "Neural architecture search without training", ICML 2021, v1):
  the Jacobians of the summed outputs with respect to each input of the batch, their correlation
  matrix's eigenvalues ``e``, the score ``-sum(log(e + k) + 1 / (e + k))``, ``k = 1e-5``; NaN when
  a Jacobian is constant (the trees read NaN as missing).

**The proxy network** (:func:`proxy_network`, :data:`PROXY_NETWORK`): without a protocol, the
task's network family, input shape and number of outputs (``training_data.get_task(task)``), at a
fixed small width and depth: NB201 ``C = 16`` with one cell per stage (NB201's macro skeleton with ``N = 1``; on
150 NB201 cells of CIFAR-100 and NinaPro its synflow ranks the cells as the tables' ``N = 5``
network does, Kendall tau 0.98, at a quarter of the cost); DARTS ``C = 16``, 5 cells. Weights are
drawn from seed :data:`INIT_SEED`; torch runs on one thread. Every proxy is computed on the
architecture's canonical form, so isomorphic architectures share one value.

**The cache.** Per-architecture proxies (``synflow``) are computed once per (space, task,
canonical architecture hash, proxy, :data:`PROXY_CONFIG_VERSION`) and appended to a JSON-lines
file ``<space>-<task>-<proxy>-v<version>.jsonl`` (``<space>-<protocol>-...`` with a protocol) (one ``{"arch": hash, "value": v}`` per line) in
the cache folder: the ``cache_dir`` argument, else ``$NB360_PROXY_CACHE_DIR``, else
``proxies/`` in the project's cache folder (``$NB360_CACHE_DIR`` or ``~/.cache/nb360``). A changed
network or proxy definition bumps the version, so old values are never read. Files are also
memoised per process. :data:`COMPUTED` counts the values actually computed.

**Measured** (``benchmarks/bench_zero_cost.py``, docs/results.md "Zero-cost proxies"; 1,000
training cells of the NB201 tables, unseen test cells, medians of 3 splits): synflow raises a tuned
XGBoost on the one-hot encoding by 0.015 / 0.090 / 0.063 Kendall tau (CIFAR-100 / NinaPro /
Darcy), but on top of the graph features (the trees' default) only by 0.004 / 0.004 / 0.016, so
the defaults do not include it. On the DARTS v2 record sets (``benchmarks/bench_zero_cost_records.py``,
docs/results.md "Data-dependent proxies on the record sets") the data proxies add at most 0.01
to the trees; synflow adds 0.03 against Darcy's 3-seed means, but a benchmark would compute it
for every architecture queried, so no shipped benchmark uses a proxy.
"""
from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graph_encodings.registry import Registry, summary

PROXY_CONFIG_VERSION = 1  # bump when the proxy network or a proxy's definition changes
INIT_SEED = 0
PROXY_BATCH_SIZE = 64  # training samples the data-dependent proxies are computed on
PROXY_NETWORK: dict[str, dict[str, int]] = {"nb201": {"C": 16, "layers": 1},
                                            "darts": {"C": 16, "layers": 5}}
ENV_VAR = "NB360_PROXY_CACHE_DIR"
COMPUTED: Counter[str] = Counter()  # proxy name -> values computed (not read from a cache)


@dataclass(frozen=True)
class ProxyNetwork:
    """The small network proxies are computed on (module docstring): a task's shapes, fixed size."""

    space: str
    task: str
    family: str
    input_shape: tuple[int, ...]
    n_outputs: int
    C: int
    layers: int
    protocol: str | None = None  # the training protocol whose network and data these are

    def build(self, arch: Any) -> Any:
        """The torch network of ``arch``, weights drawn from :data:`INIT_SEED`."""
        from training_data.networks import build_network

        return build_network(arch, self.family, self.input_shape[0], self.n_outputs, C=self.C,
                             layers=self.layers, seed=INIT_SEED)


def proxy_network(space: str, task: str, protocol: str | None = None) -> ProxyNetwork:
    """The proxy network of ``task`` in ``space`` (``'nb201'`` or ``'darts'``): the fixed-size
    one, or with ``protocol`` (a training protocol of ``task``) that protocol's network."""
    import graph_encodings
    from training_data.tasks import get_task

    sp = graph_encodings.get_space(space)
    if sp.name not in PROXY_NETWORK:
        raise ValueError(f"zero-cost proxies exist for spaces {sorted(PROXY_NETWORK)}, not {space!r}")
    t = get_task(task)
    if protocol is None:
        return ProxyNetwork(sp.name, t.name, t.family, tuple(int(s) for s in t.input_shape),
                            int(t.n_outputs), **PROXY_NETWORK[sp.name])
    from training_data.evaluation import network_io, network_settings
    from training_data.protocols import network_family, training_protocol_for

    p = training_protocol_for(protocol, t.name)
    shape, outputs = network_io(p, t)
    size = network_settings(p, sp)
    return ProxyNetwork(sp.name, t.name, network_family(p, t), tuple(int(s) for s in shape), int(outputs),
                        int(size["C"]), int(size["layers"]), p.name)


class _OneThread:
    """Torch on one thread inside the block (restored after)."""

    def __enter__(self) -> None:
        import torch

        self.before = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc: Any) -> None:
        import torch

        torch.set_num_threads(self.before)


def _finite(score: float, name: str, arch: Any, network: ProxyNetwork) -> float:
    """``score``, or ``FloatingPointError`` naming the proxy when it is not finite (an overflow)."""
    if not math.isfinite(score):
        raise FloatingPointError(f"{name} of {arch!r} on {network} is {score}, not a finite number")
    return score


def synflow(network: ProxyNetwork, arch: Any) -> float:
    """``log(1 + S)``, ``S`` the synflow score of ``arch`` (a validated architecture object) on
    ``network`` (module docstring). ``FloatingPointError`` if ``S`` overflows double precision."""
    import torch

    with _OneThread():
        net = network.build(arch).double()
        net.eval()
        with torch.no_grad():
            for p in net.parameters():
                p.abs_()
        x = torch.ones((1, *network.input_shape), dtype=torch.float64)
        net(x).sum().backward()
        score = 0.0
        with torch.no_grad():
            for p in net.parameters():
                if p.grad is not None:
                    score += float((p * p.grad).abs().sum())
    return math.log1p(_finite(score, "synflow", arch, network))


@dataclass(frozen=True)
class ProxyBatch:
    """The fixed training batch and loss the data-dependent proxies use on a protocol's network."""

    x: Any
    y: Any
    mask: Any
    loss_fn: Any


_BATCHES: dict[str, ProxyBatch] = {}  # protocol name -> its batch (loaded once per process)


def proxy_batch(network: ProxyNetwork) -> ProxyBatch:
    """:data:`PROXY_BATCH_SIZE` training samples of ``network.protocol``'s data (drawn with
    :data:`INIT_SEED`, normalised as training normalises them) and the task's loss.
    ``ValueError`` for a network without a protocol."""
    if network.protocol is None:
        raise ValueError("data-dependent proxies need a training protocol's data: pass "
                         "protocol= (e.g. proxy_protocol='darcyflow-cpu-v2' to a tree model)")
    if network.protocol not in _BATCHES:
        import torch

        from training_data.evaluation import loss_takes_mask, task_loss
        from training_data.protocols import training_protocol
        from training_data.tasks import get_task
        from training_data.training.data_cache import protocol_data

        task = get_task(network.task)
        data = protocol_data(task, training_protocol(network.protocol))
        train = data.train
        n = len(train.x)
        take = np.sort(np.random.default_rng(INIT_SEED).permutation(n)[:min(PROXY_BATCH_SIZE, n)])
        loss_fn = task_loss(task, data)

        def tensor(a: np.ndarray) -> Any:
            return torch.from_numpy(np.ascontiguousarray(a[take]))

        mask = tensor(train.mask) if train.mask is not None and loss_takes_mask(loss_fn) else None
        _BATCHES[network.protocol] = ProxyBatch(tensor(train.x), tensor(train.y), mask, loss_fn)
    return _BATCHES[network.protocol]


def _loss_backward(network: ProxyNetwork, arch: Any) -> Any:
    """``network`` of ``arch`` in training mode after one backward pass of the task loss on
    :func:`proxy_batch` (call under :class:`_OneThread`)."""
    from training_data.training.loop import compute_loss

    batch = proxy_batch(network)
    net = network.build(arch)
    net.train()
    compute_loss(batch.loss_fn, net(batch.x), batch.y, batch.mask).backward()
    return net


_GRADIENT_TOTALS: dict[tuple[ProxyNetwork, str], tuple[float, float]] = {}


def _gradient_totals(network: ProxyNetwork, arch: Any) -> tuple[float, float]:
    """(sum of the gradient tensors' L2 norms, sum of ``|theta * grad|``) after one backward pass
    of the loss (:func:`_loss_backward`); memoised per (network, architecture) in this process, so
    ``grad_norm`` and ``snip`` share one pass."""
    key = (network, repr(arch))
    if key not in _GRADIENT_TOTALS:
        import torch

        with _OneThread():
            net = _loss_backward(network, arch)
            with torch.no_grad():
                grads = [(p, p.grad) for p in net.parameters() if p.grad is not None]
                norm = sum(float(g.norm()) for _, g in grads)
                saliency = sum(float((p * g).abs().sum()) for p, g in grads)
        _GRADIENT_TOTALS[key] = (_finite(norm, "grad_norm", arch, network),
                                 _finite(saliency, "snip", arch, network))
    return _GRADIENT_TOTALS[key]


def grad_norm(network: ProxyNetwork, arch: Any) -> float:
    """``log`` of the summed L2 norms of the loss gradient's parameter tensors (module docstring)."""
    return math.log(_gradient_totals(network, arch)[0] + 1e-30)


def snip(network: ProxyNetwork, arch: Any) -> float:
    """``log(1 + sum |theta * dL/dtheta|)`` at initialisation (module docstring)."""
    return math.log1p(_gradient_totals(network, arch)[1])


JACOB_COV_K = 1e-5


def jacob_cov(network: ProxyNetwork, arch: Any) -> float:
    """``-sum(log(e + k) + 1 / (e + k))`` over the eigenvalues ``e`` of the correlation matrix of
    the per-input Jacobians of the summed outputs (module docstring); NaN where undefined."""
    import torch

    with _OneThread():
        batch = proxy_batch(network)
        net = network.build(arch)
        net.train()
        x = batch.x.clone().requires_grad_(True)
        out = net(x)
        out.backward(torch.ones_like(out))
        jacobians = x.grad.reshape(len(x), -1).double().numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(jacobians)
    if not np.all(np.isfinite(corr)):
        return float("nan")
    eig = np.linalg.eigvalsh(corr)
    return float(-np.sum(np.log(eig + JACOB_COV_K) + 1.0 / (eig + JACOB_COV_K)))


def _complexity(network: ProxyNetwork, archs: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    from surrogates.complexity import NetworkLayout

    layout = NetworkLayout(network.space, network.family, network.input_shape, network.n_outputs,
                           network.C, network.layers)
    table = _complexity_table(layout)
    return table.evaluate(archs, validated=True)


_TABLES: dict[Any, Any] = {}


def _complexity_table(layout: Any) -> Any:
    from surrogates.complexity import complexity_table

    if layout not in _TABLES:
        with _OneThread():
            _TABLES[layout] = complexity_table(layout)
    return _TABLES[layout]


def _log_params(network: ProxyNetwork, archs: Sequence[Any]) -> np.ndarray:
    """Log of the proxy network's trainable parameters."""
    return np.log(_complexity(network, archs)[0].astype(np.float64))


def _log_flops(network: ProxyNetwork, archs: Sequence[Any]) -> np.ndarray:
    """Log of the proxy network's forward FLOPs at one input of the task's shape."""
    return np.log(_complexity(network, archs)[1].astype(np.float64))


@dataclass(frozen=True)
class Proxy:
    """A registered proxy: ``per_arch`` computes one architecture (cached on disk), ``batch``
    many at once (cheap, not cached); exactly one of them is set."""

    name: str
    doc: str
    per_arch: Callable[[ProxyNetwork, Any], float] | None = None
    batch: Callable[[ProxyNetwork, Sequence[Any]], np.ndarray] | None = None
    needs_data: bool = False  # computed on a training protocol's data (module docstring)


PROXIES: Registry[Proxy] = Registry("zero-cost proxy", describe=lambda name, p: f"{name}: {p.doc}")
PROXIES.add("synflow", Proxy(
    "synflow", "synaptic flow (Tanaka et al. 2020): log(1 + sum |theta * dR/dtheta|) of the proxy "
    "network with absolute weights and an all-ones input; per architecture, cached on disk",
    per_arch=synflow))
_DATA_NOTE = "; needs a training protocol's data (protocol=), per architecture, cached on disk"
PROXIES.add("grad_norm", Proxy(
    "grad_norm", "gradient norm (Abdelfattah et al. 2021): log of the summed L2 norms of the loss "
    "gradient at initialisation" + _DATA_NOTE, per_arch=grad_norm, needs_data=True))
PROXIES.add("snip", Proxy(
    "snip", "SNIP saliency (Lee et al. 2019): log(1 + sum |theta * dL/dtheta|) at initialisation"
    + _DATA_NOTE, per_arch=snip, needs_data=True))
PROXIES.add("jacob_cov", Proxy(
    "jacob_cov", "Jacobian covariance (Mellor et al. 2021): how differently the network's input "
    "Jacobians of a batch vary" + _DATA_NOTE, per_arch=jacob_cov, needs_data=True))
PROXIES.add("params", Proxy("params", summary(_log_params) + " (exact, vectorised)", batch=_log_params))
PROXIES.add("flops", Proxy("flops", summary(_log_flops) + " (exact, vectorised)", batch=_log_flops))


def list_proxies() -> list[str]:
    """The names of the registered zero-cost proxies."""
    return PROXIES.names()


def get_proxy(name: str) -> Proxy:
    """The proxy ``name``; :class:`graph_encodings.UnknownNameError` (naming the valid ones)."""
    return PROXIES.get(name)


def describe_proxy(name: str) -> str:
    """One line about the proxy ``name``."""
    return PROXIES.describe(name)


def proxy_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """The proxies' cache folder (argument > ``$NB360_PROXY_CACHE_DIR`` > ``<cache>/proxies``)."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    from training_data.tasks.cache import resolve_cache_dir

    return resolve_cache_dir() / "proxies"


_MEMO: dict[Path, dict[str, float]] = {}  # cache file -> canonical hash -> value


def clear_memo() -> None:
    """Forget the cache files read and the gradients computed in this process (the files stay)."""
    _MEMO.clear()
    _GRADIENT_TOTALS.clear()


def _cache_file(folder: Path, network: ProxyNetwork, proxy: str) -> Path:
    where = network.protocol or network.task
    return folder / f"{network.space}-{where}-{proxy}-v{PROXY_CONFIG_VERSION}.jsonl"


def _read_cache(path: Path) -> dict[str, float]:
    if path not in _MEMO:
        values: dict[str, float] = {}
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    row = json.loads(line)
                    values[str(row["arch"])] = float(row["value"])
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash: recomputed
        _MEMO[path] = values
    return _MEMO[path]


def proxy_values(proxy: str, space: str, task: str, archs: Sequence[Any], *,
                 protocol: str | None = None,
                 cache_dir: str | os.PathLike[str] | None = None, use_cache: bool = True,
                 progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """float64 values of ``proxy`` for ``archs`` (any form ``resolve_archs`` takes) of ``space``
    on ``task``'s proxy network (``protocol``: that training protocol's network and data),
    computed on canonical forms and cached (module docstring).

    ``use_cache=False`` neither reads nor writes the cache. ``progress(done, total)`` is called
    after each architecture computed. ``ValueError`` for a data-dependent proxy without a protocol.
    """
    from graph_encodings.resolve import resolve_archs
    from surrogates.base import canonical_forms

    entry = get_proxy(proxy)
    if entry.needs_data and protocol is None:
        raise ValueError(f"proxy {proxy!r} is computed on a training protocol's data: pass protocol= "
                         f"(a protocol of task {task!r} whose data is on this machine)")
    sp, objs = resolve_archs(list(archs), space)
    network = proxy_network(sp.name, task, protocol)
    forms = canonical_forms(sp, objs)
    if entry.batch is not None:
        COMPUTED[proxy] += len(forms)
        return np.asarray(entry.batch(network, forms), dtype=np.float64)
    assert entry.per_arch is not None
    hashes = sp.canonical_hash_many(forms)
    if not use_cache:
        COMPUTED[proxy] += len(forms)
        return np.array([entry.per_arch(network, a) for a in forms], dtype=np.float64)
    folder = proxy_cache_dir(cache_dir)
    path = _cache_file(folder, network, proxy)
    known = _read_cache(path)
    missing = {h: a for h, a in zip(hashes, forms, strict=True) if h not in known}
    if missing:
        folder.mkdir(parents=True, exist_ok=True)
        with path.open("a") as fh:
            for done, (h, a) in enumerate(missing.items(), start=1):
                value = entry.per_arch(network, a)
                COMPUTED[proxy] += 1
                known[h] = value
                fh.write(json.dumps({"arch": h, "value": value}) + "\n")  # one write per line
                fh.flush()
                if progress is not None:
                    progress(done, len(missing))
    return np.array([known[h] for h in hashes], dtype=np.float64)


def proxy_features(names: Sequence[str], space: Any, task: str, archs: Sequence[Any], *,
                   protocol: str | None = None,
                   cache_dir: str | os.PathLike[str] | None = None) -> np.ndarray:
    """float32 columns ``(n, len(names))``: :func:`proxy_values` of each proxy in ``names``."""
    name = getattr(space, "name", space)
    if not len(archs):
        return np.zeros((0, len(names)), dtype=np.float32)
    columns = [proxy_values(p, name, task, archs, protocol=protocol, cache_dir=cache_dir) for p in names]
    return np.stack(columns, axis=1).astype(np.float32)
