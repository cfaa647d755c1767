"""Why the ensemble's intervals under-covered new architectures before issue 22 (a diagnosis).

Replays the calibration as it was (10 % of the training rows held out row by row, one factor on
the mixture's std fitted at 90 %, the members refitted on all rows) for the default ensemble of then
(GIN + XGBoost on the one-hot encoding, weights 3/4 and 1/4) fitted on ``--n`` random records
of an NB201 table, and measures each candidate mechanism on up to 3,000 other records:

* (a) calibration rows with an isomorphic twin among the fitted rows: the 90 % quantile of their
  normalised residuals |y - mean| / std against the rows without one;
* (b) the refit: coverage of the calibrated members (A, fitted without the calibration rows) and
  of the refitted ones (B, all rows) at the same factor, and the factor each would need;
* (c) one Gaussian factor for every level: coverage of N(mean, (s std)^2) intervals at
  50 / 80 / 90 / 95 % beside per-level conformal quantiles (the calibration rows without a twin);
* (d) the calibration set's size (printed; the sampling error of a coverage is about
  sqrt(0.09 / m) at 90 %).

Test rows are split into those whose architecture the training rows lack (``unseen``) and the
twins of training cells (``seen``).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_calibration_mechanisms.py --task cifar100 --n 1000 --split 0
"""
from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

OLD_MEMBERS = [{"name": "gin", "params": {}}, {"name": "xgb", "params": {"features": None}}]
OLD_WEIGHTS = [0.75, 0.25]


def conformal(ratios: np.ndarray, level: float) -> float:
    ratios = np.sort(ratios)
    return float(ratios[min(int(np.ceil((len(ratios) + 1) * level)), len(ratios)) - 1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="cifar100")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--split", type=int, default=0)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    from scipy import stats

    import surrogates
    from graph_encodings.resolve import resolve_archs
    from surrogates.aleatoric import interval_scale
    from surrogates.benchmark.records import load_training_set
    from surrogates.models.ensemble import calibration_mask

    data = load_training_set(args.task, "nb201", "nb360-nb201-200ep")
    archs_all, y_all, h_all = data.archs, data.scores, data.groups
    order = np.random.default_rng([args.split, 22]).permutation(len(y_all))
    train, test = order[: args.n], order[args.n:][:3000]
    seen = np.isin(h_all[test], h_all[train])
    space, archs = resolve_archs([archs_all[i] for i in train], "nb201")
    _, test_archs = resolve_archs([archs_all[i] for i in test], "nb201")
    y, groups = y_all[train], h_all[train]
    ens = surrogates.create("ensemble", members=OLD_MEMBERS, weights=OLD_WEIGHTS, seed=args.split,
                            calibration_fraction=0.0)
    ens.fit(archs, y)  # members B: all rows, the seeds the old fit used
    z = (y - ens.y_mean_) / ens.y_std_
    held = calibration_mask(groups, 0.1, args.split)  # row by row, as before
    fit_rows, cal_rows = np.flatnonzero(~held), np.flatnonzero(held)
    members_a = ens._fit_members(space, [archs[i] for i in fit_rows], z[fit_rows], groups[fit_rows])

    def mixture(members, batch):
        mean, var, _ = ens._mixture_of(members, space, batch)
        return mean * ens.y_std_ + ens.y_mean_, np.sqrt(var) * ens.y_std_

    cal_mean, cal_std = mixture(members_a, [archs[i] for i in cal_rows])
    scale = interval_scale(y[cal_rows], cal_mean, cal_std, 0.9)
    ratio = np.abs(y[cal_rows] - cal_mean) / cal_std
    twin = np.isin(groups[cal_rows], groups[fit_rows])
    z90 = stats.norm.ppf(0.95)
    print(f"{args.task}, n = {args.n}, split {args.split}: calibration rows m = {len(cal_rows)}, "
          f"{twin.mean():.2f} of them with a twin among the fitted rows; old factor s = {scale:.3f}")
    print(f"(a) 90 % quantile of |y - mean| / std on calibration rows with a twin "
          f"{conformal(ratio[twin], 0.9):.2f}, without {conformal(ratio[~twin], 0.9):.2f}")
    for label, members in (("A (calibrated members)", members_a), ("B (refitted, shipped)", ens.members_)):
        mean, std = mixture(members, test_archs)
        yt = y_all[test]
        for part, sel in (("unseen", ~seen), ("seen", seen), ("all", np.ones(len(test), bool))):
            cover = np.mean(np.abs(yt[sel] - mean[sel]) <= z90 * scale * std[sel])
            need = conformal(np.abs(yt[sel] - mean[sel]) / std[sel], 0.9) / z90
            print(f"(b) {label:<24} {part:<6} n {sel.sum():>5}: 90 % coverage {cover:.3f} "
                  f"(factor needed {need:.3f}), Kendall tau {stats.kendalltau(yt[sel], mean[sel])[0]:.3f}")
    mean, std = mixture(members_a, test_archs)
    r_test = np.abs(y_all[test][~seen] - mean[~seen]) / std[~seen]
    for level in (0.5, 0.8, 0.9, 0.95):
        gauss = np.mean(r_test <= conformal(ratio[~twin], 0.9) / z90 * stats.norm.ppf(0.5 + level / 2))
        per_level = np.mean(r_test <= conformal(ratio[~twin], level))
        print(f"(c) level {level:.2f} on unseen rows: one Gaussian factor {gauss:.3f}, "
              f"per-level conformal quantile {per_level:.3f}")
    print(f"(d) sampling error of a 90 % coverage calibrated on m = {len(cal_rows)}: "
          f"~{np.sqrt(0.09 / len(cal_rows)):.3f}; on the {int((~twin).sum())} twin-free rows: "
          f"~{np.sqrt(0.09 / max(1, (~twin).sum())):.3f}")


if __name__ == "__main__":
    main()
