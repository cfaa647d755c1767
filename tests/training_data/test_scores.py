"""Score functions, losses and the Gaussian normaliser: hand-computed values and scikit-learn."""
from __future__ import annotations

import json
import warnings
from collections import Counter

import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

from training_data.tasks import scores


# ----------------------------------------------------------------------------- 0-1 error
def test_zero_one_error_by_hand_and_sklearn() -> None:
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [4.0, 0.0, 0.0]])
    target = np.array([0, 2, 2, 1])  # argmax = 0, 1, 2, 0 -> 2 of 4 wrong
    assert scores.zero_one_error(logits, target) == pytest.approx(50.0)
    assert scores.zero_one_error(torch.tensor(logits), torch.tensor(target)) == pytest.approx(50.0)
    rng = np.random.default_rng(0)
    logits, target = rng.normal(size=(200, 7)), rng.integers(0, 7, 200)
    expected = 100 * (1 - accuracy_score(target, logits.argmax(1)))
    assert scores.zero_one_error(logits, target) == pytest.approx(expected)


def test_zero_one_error_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="3 samples but target has 2"):
        scores.zero_one_error(np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="empty"):
        scores.zero_one_error(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match=r"\(n, classes\)"):
        scores.zero_one_error(np.zeros(3), np.zeros(3))


# ----------------------------------------------------------------------------- ECG vote + F1
def test_majority_vote_by_hand_with_tie_rule() -> None:
    labels = np.array([2, 1, 1, 3, 0, 0, 3, 3])
    groups = np.array([7, 7, 7, 5, 5, 5, 5, 9])
    # group 5 (sorted first): windows 3,0,0,3 -> tie 0/3, class 3 occurs first -> 3
    # group 7: 2,1,1 -> 1 ; group 9: 3 -> 3
    assert scores.majority_vote(labels, groups).tolist() == [3, 1, 3]


def _counter_vote(labels: np.ndarray, groups: np.ndarray) -> list[int]:
    """NB360's reference: Counter.most_common per record, records in np.unique order."""
    return [Counter(labels[groups == g].tolist()).most_common(1)[0][0] for g in np.unique(groups)]


def test_vote_f1_error_matches_counter_vote_and_sklearn() -> None:
    rng = np.random.default_rng(1)
    n, k = 300, 4
    groups = rng.integers(0, 60, n)
    target_by_record = rng.integers(0, k, 60)
    target = target_by_record[groups]
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), target] += 0.8  # better than chance
    pred_votes = _counter_vote(logits.argmax(1), groups)
    true_votes = _counter_vote(target, groups)
    assert scores.majority_vote(logits.argmax(1), groups).tolist() == pred_votes
    expected = 1 - f1_score(true_votes, pred_votes, average="macro")
    assert scores.vote_f1_error(logits, target, groups=groups) == pytest.approx(expected)


def test_vote_f1_error_by_hand() -> None:
    # records: r0 windows -> classes 0,0,1 (vote 0, truth 0); r1 -> 1,1 (vote 1, truth 0); r2 -> 1 (truth 1)
    logits = np.eye(2)[[0, 0, 1, 1, 1, 1]]
    target = np.array([0, 0, 0, 0, 0, 1])
    groups = np.array([0, 0, 0, 1, 1, 2])
    # record truth [0, 0, 1], pred [0, 1, 1]: F1(0) = 2/3, F1(1) = 2/3 -> macro 2/3
    assert scores.vote_f1_error(logits, target, groups=groups) == pytest.approx(1 - 2 / 3)
    # without groups every window is a record: truth [0,0,0,0,0,1], pred [0,0,1,1,1,1]
    expected = 1 - f1_score(target, logits.argmax(1), average="macro")
    assert scores.vote_f1_error(logits, target) == pytest.approx(expected)


def test_vote_f1_error_rejects_mismatched_groups() -> None:
    with pytest.raises(ValueError, match="groups has 2 entries"):
        scores.vote_f1_error(np.zeros((3, 2)), np.zeros(3), groups=np.zeros(2))


# ----------------------------------------------------------------------------- FSD50K mAP
def test_average_precision_by_hand() -> None:
    y = np.array([1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.1])
    # hits at ranks 1 and 3: AP = 1/2 * 1 + 1/2 * 2/3
    assert scores.average_precision(y, s) == pytest.approx(0.5 + 1 / 3)
    assert scores.average_precision(np.zeros(4), s) == 0.0


def test_average_precision_matches_sklearn_with_ties() -> None:
    rng = np.random.default_rng(2)
    for _ in range(20):
        y = rng.integers(0, 2, 40)
        y[0] = 1
        s = np.round(rng.normal(size=40), 1)  # many ties
        assert scores.average_precision(y, s) == pytest.approx(average_precision_score(y, s))


def test_map_error_averages_chunk_logits_per_clip() -> None:
    rng = np.random.default_rng(3)
    n_clips, n_labels = 30, 6
    clip_y = (rng.random((n_clips, n_labels)) < 0.3).astype(np.float32)
    clip_y[0] = 1
    chunks = rng.integers(1, 4, n_clips)
    groups = np.repeat(np.arange(n_clips) * 10 + 3, chunks)  # arbitrary, sorted ids
    y = np.repeat(clip_y, chunks, axis=0)
    logits = rng.normal(size=(len(y), n_labels)) + 1.5 * y
    clip_logits = np.stack([logits[groups == g].mean(0) for g in np.unique(groups)])
    expected = 1 - average_precision_score(clip_y, 1 / (1 + np.exp(-clip_logits)), average="macro")
    assert scores.map_error(logits, y, groups=groups) == pytest.approx(expected, abs=1e-6)


def test_map_error_label_without_positives_counts_as_zero_like_sklearn() -> None:
    y = np.array([[1, 0], [0, 0], [1, 0]], dtype=np.float32)
    logits = np.array([[2.0, -1.0], [-1.0, 0.5], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = 1 - average_precision_score(y, logits, average="macro")
    assert expected == pytest.approx(0.5)  # label 0 AP 1, label 1 AP 0
    assert scores.map_error(logits, y) == pytest.approx(expected)


def test_map_error_rejects_inconsistent_clip_labels() -> None:
    y = np.array([[1, 0], [0, 1]], dtype=np.float32)
    with pytest.raises(ValueError, match="same clip"):
        scores.map_error(np.zeros((2, 2)), y, groups=np.array([4, 4]))


# ----------------------------------------------------------------------------- DeepSEA AUROC
def test_auroc_error_by_hand_and_sklearn() -> None:
    y = np.array([[1], [0], [1], [0]])
    s = np.array([[0.9], [0.8], [0.7], [0.1]])
    # positive > negative in 3 of the 4 pairs
    assert scores.auroc_error(np.log(s / (1 - s)), y) == pytest.approx(0.25)
    rng = np.random.default_rng(4)
    y = (rng.random((80, 5)) < 0.4).astype(np.float32)
    logits = np.round(rng.normal(size=(80, 5)) + y, 1)  # ties
    expected = 1 - roc_auc_score(y, logits, average="macro")
    assert scores.auroc_error(logits, y) == pytest.approx(expected)


def test_auroc_error_skips_single_class_labels_and_fails_when_all_are() -> None:
    y = np.array([[1, 1], [0, 1], [1, 1]], dtype=np.float32)
    logits = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    assert scores.auroc_error(logits, y) == pytest.approx(0.0)  # label 0 perfect, label 1 skipped
    with pytest.raises(ValueError, match="only positives or only negatives"):
        scores.auroc_error(logits[:, 1:], y[:, 1:])


# ----------------------------------------------------------------------------- Darcy
def test_relative_l2_by_hand() -> None:
    target = np.array([[3.0, 4.0], [1.0, 0.0]])
    pred = np.array([[0.0, 0.0], [1.0, 1.0]])
    # sample 0: ||(3,4)|| / 5 = 1 ; sample 1: ||(0,1)|| / 1 = 1 ... use a second pred too
    assert scores.relative_l2_error(pred, target) == pytest.approx(1.0)
    pred = np.array([[3.0, 4.0], [1.0, 0.5]])
    assert scores.relative_l2_error(pred, target) == pytest.approx((0.0 + 0.5) / 2)
    with pytest.raises(ValueError, match="all zero"):
        scores.relative_l2_error(pred, np.zeros((2, 2)))


def test_relative_l2_decodes_with_normaliser() -> None:
    rng = np.random.default_rng(5)
    raw_target = rng.normal(2.0, 1.0, size=(6, 1, 4, 4))
    raw_pred = raw_target + rng.normal(0, 0.1, size=raw_target.shape)
    norm = scores.GaussianNormaliser.fit(raw_target[:, 0])
    encoded_pred, encoded_target = norm.encode(raw_pred), norm.encode(raw_target)
    per_sample = [np.linalg.norm(raw_pred[i] - raw_target[i]) / np.linalg.norm(raw_target[i]) for i in range(6)]
    assert scores.relative_l2_error(encoded_pred, encoded_target, normaliser=norm) == pytest.approx(np.mean(per_sample), rel=1e-5)
    assert scores.relative_l2_error(encoded_pred, encoded_target) != pytest.approx(np.mean(per_sample), rel=1e-3)


def test_gaussian_normaliser_matches_torch_and_round_trips() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(3.0, 2.0, size=(10, 5, 5)).astype(np.float32)
    norm = scores.GaussianNormaliser.fit(x)
    t = torch.from_numpy(x)
    np.testing.assert_allclose(norm.mean, t.mean(0).numpy(), rtol=1e-5)
    np.testing.assert_allclose(norm.std, t.std(0).numpy(), rtol=1e-5)  # unbiased, as NB360
    expected = ((t - t.mean(0)) / (t.std(0) + 1e-5)).numpy()
    np.testing.assert_allclose(norm.encode(x), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(norm.decode(norm.encode(x)), x, rtol=1e-5, atol=1e-5)
    encoded_t = norm.encode(t)
    assert isinstance(encoded_t, torch.Tensor)
    np.testing.assert_allclose(encoded_t.numpy(), expected, rtol=1e-4, atol=1e-5)
    again = scores.GaussianNormaliser.from_dict(json.loads(json.dumps(norm.to_dict())))
    np.testing.assert_array_equal(again.mean, norm.mean)
    scalar = scores.GaussianNormaliser.fit(x, pointwise=False)
    assert scalar.mean.shape == () and scalar.std == pytest.approx(x.std(ddof=1), rel=1e-5)


def test_gaussian_normaliser_makes_its_tensors_once_per_dtype_and_device() -> None:
    """A training step decodes every batch: the stats go to the device once, not per call."""
    norm = scores.GaussianNormaliser.fit(np.arange(32, dtype=np.float32).reshape(2, 4, 4))
    t = torch.ones(3, 4, 4)
    first, again = norm.decode(t), norm.decode(t)
    torch.testing.assert_close(first, again)
    assert norm._stats_like(t)[0] is norm._stats_like(torch.zeros(1, 4, 4))[0]
    assert norm._stats_like(t.double())[0].dtype == torch.float64
    assert norm == scores.GaussianNormaliser(mean=norm.mean, std=norm.std, eps=norm.eps)  # cache not compared


def test_gaussian_normaliser_errors() -> None:
    norm = scores.GaussianNormaliser.fit(np.ones((3, 4, 4)) * np.arange(3)[:, None, None])
    with pytest.raises(ValueError, match="grid shape"):
        norm.encode(np.zeros((2, 5, 5)))
    with pytest.raises(ValueError, match="at least 2 samples"):
        scores.GaussianNormaliser.fit(np.zeros((1, 4)))
    with pytest.raises(KeyError, match="std"):
        scores.GaussianNormaliser.from_dict({"mean": [0.0]})


# ----------------------------------------------------------------------------- PSICOV MAE8
def _distance_maps(length: int = 26) -> np.ndarray:
    y = np.full((length, length), 20.0)
    y[0, 24] = y[24, 0] = 5.0  # long range, close: counted
    y[0, 25] = y[25, 0] = 9.0  # long range, far: not counted
    y[1, 25] = y[25, 1] = 7.0  # counted
    y[2, 20] = y[20, 2] = 3.0  # separation 18 < 24: not counted
    return y[None, None]


def test_mae8_by_hand_including_nb360_double_symmetrisation() -> None:
    y = _distance_maps()
    pred = y.copy()
    pred[0, 0, 2, 20] = 10.0  # short range: ignored
    pred[0, 0, 0, 25] = 0.0  # far pair: ignored
    assert scores.mae8_error(pred, y) == pytest.approx(0.0)
    pred = y.copy()
    pred[0, 0, 0, 24], pred[0, 0, 24, 0] = 6.0, 2.0
    # NB360: once = (6 + 2) / 2 = 4 on the upper triangle, lower stays 2; twice = (4 + 2) / 2 = 3
    # pair (0, 24): |3 - 5| = 2 ; pair (1, 25): 0 -> protein MAE 1
    assert scores.mae8_error(pred, y) == pytest.approx(1.0)
    mask = np.ones_like(y)
    mask[0, 0, 1, 25] = 0
    assert scores.mae8_error(pred, y, mask=mask) == pytest.approx(2.0)


def test_mae8_clips_predictions_and_averages_per_protein() -> None:
    y = np.concatenate([_distance_maps(), _distance_maps()])
    pred = y.copy()
    pred[0, 0, 0, 24] = pred[0, 0, 24, 0] = -5.0  # clipped to 0.01: |0.01 - 5| = 4.99
    # protein 0: (4.99 + 0) / 2 ; protein 1: 0
    assert scores.mae8_error(pred, y) == pytest.approx(4.99 / 4)
    assert scores.mae8_error(torch.tensor(pred[:, 0]), torch.tensor(y[:, 0])) == pytest.approx(4.99 / 4)


def test_mae8_empty_mask_is_a_clear_error() -> None:
    y = _distance_maps()
    with pytest.raises(ValueError, match="no residue pair"):
        scores.mae8_error(y, y, mask=np.zeros_like(y))
    with pytest.raises(ValueError, match="square maps"):
        scores.mae8_error(np.zeros((1, 3, 4)), np.zeros((1, 3, 4)))


# ----------------------------------------------------------------------------- Cosmic FNR
def test_fnr_thresholds_raw_logits_at_half() -> None:
    target = np.array([1, 1, 1, 1, 0, 0], dtype=np.float32).reshape(1, 1, 2, 3)
    # logit 0.3 has sigmoid 0.57 > 0.5 but is NOT detected (NB360 compares raw logits with 0.5)
    logits = np.array([0.6, 0.3, -1.0, 2.0, 5.0, -5.0], dtype=np.float32).reshape(1, 1, 2, 3)
    assert scores.fnr_error(logits, target) == pytest.approx(50.0)
    with pytest.raises(ValueError, match="no cosmic-ray pixels"):
        scores.fnr_error(logits, np.zeros_like(target))


# ----------------------------------------------------------------------------- losses
def test_masked_bce_zeroes_ignored_pixels_like_nb360() -> None:
    logits = torch.tensor([[2.0, -1.0, 3.0]])
    target = torch.tensor([[1.0, 0.0, 0.0]])
    ignore = torch.tensor([[0.0, 0.0, 1.0]])
    # ignored pixel -> logit 0, target 0: bce = log(2); others: log(1 + e^-2), log(1 + e^-1)
    expected = (np.log1p(np.exp(-2.0)) + np.log1p(np.exp(-1.0)) + np.log(2.0)) / 3
    assert scores.MaskedBCEWithLogitsLoss()(logits, target, ignore).item() == pytest.approx(expected, rel=1e-6)


def test_relative_l2_loss_sum_mean_and_normaliser() -> None:
    target = torch.tensor([[3.0, 4.0], [1.0, 0.0]])
    pred = torch.tensor([[3.0, 4.0], [1.0, 0.5]])
    assert scores.RelativeL2Loss()(pred, target).item() == pytest.approx(0.5)
    assert scores.RelativeL2Loss(reduction="mean")(pred, target).item() == pytest.approx(0.25)
    norm = scores.GaussianNormaliser(mean=np.array([1.0, 1.0], np.float32), std=np.array([2.0, 2.0], np.float32), eps=0.0)
    loss = scores.RelativeL2Loss(norm, reduction="none")(norm.encode(pred), norm.encode(target))
    np.testing.assert_allclose(loss.numpy(), [0.0, 0.5], atol=1e-6)
    with pytest.raises(ValueError, match="reduction"):
        scores.RelativeL2Loss(reduction="max")


def test_create_loss_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown loss 'hinge'.*cross_entropy"):
        scores.create_loss("hinge")
