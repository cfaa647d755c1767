"""GIN inference without torch: the state-dict reader, the numpy forward pass against torch on the
shipped artifacts, saving what was read, and GIN hyper-parameter checks at construction."""
from __future__ import annotations

import hashlib
import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from test_benchmark_inference import tiny_gin_and_each_net

import graph_encodings
import surrogates
from graph_encodings.encodings import graph_arrays
from surrogates.benchmark.artifact_folders import DEFAULT_ARTIFACTS, list_benchmarks
from surrogates.errors import ArtifactError
from surrogates.estimators.gin import DenseGraphs, GINNet, GINRegressor
from surrogates.estimators.gin_numpy import GINMembers, StackedGIN
from surrogates.estimators.state_dict import read_state_dict

SHIPPED = [b for b in list_benchmarks() if b[3] == "ensemble"]
N_ARCHS = 2000  # architectures per shipped benchmark compared with torch


def _gin_folder(space: str, task: str, protocol: str) -> Path:
    return DEFAULT_ARTIFACTS / space / task / protocol / "ensemble" / "model" / "member_0"


def test_every_shipped_space_is_covered() -> None:
    assert {b[0] for b in SHIPPED} == {"darts", "nb201"}
    assert len(SHIPPED) >= 6


@pytest.mark.parametrize("path", sorted(DEFAULT_ARTIFACTS.rglob("gin_*.pt")), ids=lambda p: str(p.relative_to(DEFAULT_ARTIFACTS)))
def test_state_dicts_read_without_torch_equal_torch_load(path: Path) -> None:
    ours = read_state_dict(path)
    theirs = torch.load(path, weights_only=True, map_location="cpu")
    assert list(ours) == list(theirs)
    for name, tensor in theirs.items():
        assert ours[name].dtype == np.float32
        np.testing.assert_array_equal(ours[name], tensor.numpy())


def test_a_state_dict_of_views_and_other_dtypes_reads_back(tmp_path) -> None:
    base = torch.arange(24, dtype=torch.float64).reshape(4, 6)
    state = {"t": base.t(), "slice": base[1:3, 2:5], "ints": torch.arange(5), "flags": torch.tensor([True, False]),
             "empty": torch.zeros(0, 3)}
    torch.save(state, tmp_path / "s.pt")
    ours = read_state_dict(tmp_path / "s.pt")
    for name, tensor in state.items():
        assert ours[name].dtype == tensor.numpy().dtype
        np.testing.assert_array_equal(ours[name], tensor.numpy())


class _RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_file_naming_other_objects_is_refused_and_runs_nothing(tmp_path) -> None:
    marker = tmp_path / "ran"
    torch.save({"w": torch.zeros(2), "evil": _RunsCode(marker)}, tmp_path / "evil.pt")
    with pytest.raises(ArtifactError, match="evil.pt: not a plain state dict of tensors"):
        read_state_dict(tmp_path / "evil.pt")
    assert not marker.exists()
    # the same layout pickled by hand, without torch.save
    with zipfile.ZipFile(tmp_path / "hand.pt", "w") as archive:
        archive.writestr("hand/data.pkl", pickle.dumps({"evil": _RunsCode(marker)}))
    with pytest.raises(ArtifactError, match="hand.pt: not a plain state dict of tensors"):
        read_state_dict(tmp_path / "hand.pt")
    assert not marker.exists()


def test_damaged_files_name_themselves(tmp_path) -> None:
    (tmp_path / "text.pt").write_text("not a zip")
    with pytest.raises(ArtifactError, match="text.pt: not a torch zip archive"):
        read_state_dict(tmp_path / "text.pt")
    torch.save({"w": torch.zeros(4)}, tmp_path / "w.pt")
    buffer = io.BytesIO()
    with zipfile.ZipFile(tmp_path / "w.pt") as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[:8] if item.filename.endswith("data/0") else data)
    (tmp_path / "short.pt").write_bytes(buffer.getvalue())
    with pytest.raises(ArtifactError, match="short.pt: storage '0' holds 2 values, not 4"):
        read_state_dict(tmp_path / "short.pt")


def _torch_member_outputs(folder: Path, hp: dict, in_dim: int, graphs) -> tuple[np.ndarray, np.ndarray]:
    """Each member's GINNet run alone in torch on dense graphs: means, variances (M, n)."""
    dense = DenseGraphs.from_batch(graphs)
    means, variances = [], []
    for m in range(hp["n_members"]):
        net = GINNet(in_dim, hp["hidden"], hp["n_layers"])
        net.load_state_dict(torch.load(folder / f"gin_{m}.pt", weights_only=True))
        net.eval()
        with torch.inference_mode():
            mean, var = net(dense)
        means.append(mean.double().numpy())
        variances.append(var.double().numpy())
    return np.stack(means), np.stack(variances)


@pytest.mark.parametrize(("space", "task", "protocol"), [b[:3] for b in SHIPPED],
                         ids=["/".join(b[:2]) for b in SHIPPED])
def test_numpy_gin_equals_torch_on_the_shipped_members(space, task, protocol) -> None:
    folder = _gin_folder(space, task, protocol)
    gin = surrogates.SurrogateModel.load(folder)
    hp, in_dim = gin.hp, gin._in_dim
    sp = graph_encodings.get_space(space)
    archs = sp.canonical_many(sp.sample_many(N_ARCHS, rng=7), validated=True)
    members = GINMembers(hp["hidden"], hp["n_layers"], hp["n_members"], hp["loss"]).load(folder, in_dim)
    means, variances = members.member_predictions(graph_arrays(sp, archs))
    ref_means, ref_variances = _torch_member_outputs(folder, hp, in_dim,
                                                     graph_encodings.encode(sp, archs, "graph"))
    # z-scores: 1e-5 relative, or 1e-5 absolute near zero (float32 rounding in either)
    np.testing.assert_allclose(means, ref_means, rtol=1e-5, atol=1e-5)
    # variances likewise, 1e-6 absolute near zero (one of 2,000 differed by 3e-7 at 0.026)
    np.testing.assert_allclose(variances, ref_variances, rtol=1e-5, atol=1e-6)
    # the model as a benchmark serves it: the numpy path, in score units
    mean, std = gin.predict(archs)
    ref_var = ref_variances.mean(axis=0) + ref_means.var(axis=0)
    np.testing.assert_allclose(mean, ref_means.mean(axis=0) * gin.y_std_ + gin.y_mean_,
                               rtol=1e-5, atol=1e-5 * gin.y_std_)
    np.testing.assert_allclose(std, np.sqrt(ref_var) * gin.y_std_, rtol=1e-5, atol=1e-6 * gin.y_std_)


def test_fitted_members_predict_through_numpy_as_each_net_alone(nb201_data) -> None:
    archs, _ = nb201_data
    space = graph_encodings.get_space("nb201")
    est, graphs, alone = tiny_gin_and_each_net(nb201_data, n_fit=120, seed=3)
    for batch in (graphs, graph_arrays(space, archs)):  # torch tensors or numpy arrays in
        means, variances = est.member_predictions(batch)
        np.testing.assert_allclose(means, np.stack([m.numpy() for m, _ in alone]), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(variances, np.stack([v.numpy() for _, v in alone]), rtol=1e-5)


def test_empty_and_single_graph_batches() -> None:
    space = graph_encodings.get_space("darts")
    est = GINRegressor(hidden=4, n_layers=1, n_members=2, epochs=1, seed=0)
    archs = space.sample_many(20, rng=1)
    est.fit(graph_encodings.encode(space, archs, "graph"), np.linspace(0, 1, 20))
    means, variances = est.member_predictions(graph_arrays(space, []))
    assert means.shape == variances.shape == (2, 0)
    single, _ = est.member_predictions(graph_arrays(space, archs[3:4]))
    batch, _ = est.member_predictions(graph_arrays(space, archs))
    np.testing.assert_allclose(single[:, 0], batch[:, 3], rtol=1e-6, atol=1e-6)


def test_stacked_gin_chunks_do_not_change_the_answer() -> None:
    space = graph_encodings.get_space("nb201")
    archs = space.sample_many(300, rng=2)
    states = [{k: v.numpy() for k, v in GINNet(7, 8, 2).state_dict().items()} for _ in range(2)]
    stacked = StackedGIN.from_state_dicts(states, 2)
    whole = stacked.predict(graph_arrays(space, archs), chunk_nodes=10**6)
    for chunk in (1, 37, 500):
        parts = stacked.predict(graph_arrays(space, archs), chunk_nodes=chunk)
        for got, want in zip(parts, whole, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_a_loaded_benchmark_saves_the_files_it_read(tmp_path) -> None:
    """Members read without torch or XGBoost are written back byte for byte."""
    folder = DEFAULT_ARTIFACTS / "nb201" / "ninapro" / "nb360-nb201-200ep" / "ensemble" / "model"
    model = surrogates.SurrogateModel.load(folder)
    model.predict(graph_encodings.get_space("nb201").sample_many(3, rng=0))  # members read
    model.save(tmp_path / "copy")
    for member in ("member_0", "member_1"):
        for original in sorted((folder / member).iterdir()):
            if original.name == "manifest.json":
                continue
            copy = tmp_path / "copy" / member / original.name
            assert hashlib.sha256(copy.read_bytes()).hexdigest() == \
                hashlib.sha256(original.read_bytes()).hexdigest(), original.name


def test_members_that_do_not_fit_the_hyper_parameters_are_refused(tmp_path) -> None:
    torch.save(GINNet(7, 8, 2).state_dict(), tmp_path / "gin_0.pt")
    with pytest.raises(ArtifactError, match=r"gin_0.pt: member parameters do not match hidden=16"):
        GINMembers(hidden=16, n_layers=2, n_members=1, loss="nll").load(tmp_path, 7)
    with pytest.raises(ArtifactError, match=r"missing \['layers.2.eps'"):
        GINMembers(hidden=8, n_layers=3, n_members=1, loss="nll").load(tmp_path, 7)


@pytest.mark.parametrize(("name", "value", "valid"), [
    ("hidden", "abc", "an integer >= 1"),
    ("hidden", 0, "an integer >= 1"),
    ("hidden", 32.5, "an integer >= 1"),
    ("n_layers", -1, "an integer >= 1"),
    ("n_members", None, "an integer >= 1"),
    ("epochs", True, "an integer >= 1"),
    ("batch_size", "64", "an integer >= 1"),
    ("lr", 0.0, r"a number in \(0, inf\)"),
    ("lr", "fast", r"a number in \(0, inf\)"),
    ("weight_decay", float("nan"), r"a number in \[0, inf\)"),
    ("rank_weight", -0.5, r"a number in \[0, inf\)"),
    ("rank_weight", "high", r"a number in \[0, inf\)"),
    ("loss", "hinge", "one of 'nll', 'beta_nll', 'mse'"),
    ("device", "gpu", "'cpu', 'cuda', 'cuda:N' or 'auto'"),
])
def test_gin_hyper_parameters_are_checked_at_construction(name, value, valid) -> None:
    with pytest.raises(ValueError, match=rf"GINModel: {name} must be {valid}, got ") as info:
        surrogates.create("gin", **{name: value})
    assert repr(value) in str(info.value)
    with pytest.raises(ValueError, match=rf"^{name} must be {valid}, got "):
        GINRegressor(**{name: value})


def test_good_gin_hyper_parameters_pass() -> None:
    surrogates.create("gin", hidden=np.int64(16), n_layers=1, lr=1, weight_decay=0, rank_weight=2,
                      device="cuda:1")
    GINRegressor(hidden=16, device="auto")
