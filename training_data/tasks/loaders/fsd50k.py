"""FSD50K (multi-label audio tagging) from NB360's chunk manifests and wavs, log-mel in numpy.

Format (rtu715/NAS-Bench-360, ``darts/gaea/eval/data_utils/load_data.py`` ``load_audio`` and
``audio_dataset.py``, after github.com/SarthakYadav/fsd50k-pytorch): ``chunks/{tr,val,eval}.csv``
(the NB360 archive keeps them under ``data/chunks/``) with columns ``files`` (a 1 s chunk wav,
22,050 Hz mono), ``labels`` (comma-separated label names) and ``ext`` (the clip id), plus
``lbl_map.json`` (label name -> index, 200 labels). Relative wav paths are resolved against
the csv's folder (or the wav's name in that folder). Splits: tr / val / eval = train / val / test.

Features as NB360's ``AudioParser(feature="melspectrogram")``: torchaudio ``MelSpectrogram(
sample_rate=22050, n_fft=1920, win_length=661, hop_length=220, n_mels=96)`` (periodic Hann
window centred in the FFT frame, reflect padding, power 2, HTK mel scale, no filter norm),
then ``librosa.power_to_db`` (ref 1, amin 1e-10, top_db 80), then per-chunk zero mean. Audio
shorter than 1 s is tiled to 1 s (``min_duration=1``). A 1 s chunk gives 96 x 101; shorter
feature maps are padded with their minimum to 101 frames (NB360's ``PadToSize``), longer ones
cut to 101. Re-implemented in numpy (NB360 used torchaudio + librosa); the tests check the
filterbank and frame layout against the definitions, not against torchaudio (not installed).

Every chunk is one sample and ``groups`` holds its clip, so the score averages a clip's chunk
logits (NB360's evaluation); NB360's training draws one random chunk per clip per epoch.
"""
from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
from scipy.io import wavfile

from training_data.tasks.data_root import DataFileNotFoundError, candidate_dirs, find_file
from training_data.tasks.dataset import Split, TaskData

TASK = "fsd50k"
SOURCE = (
    "NAS-Bench-360 FSD50K audio archive (chunks/{tr,val,eval}.csv, lbl_map.json and the 1 s "
    "chunk wavs; https://nb360.ml.cmu.edu/, shared drive linked from github.com/rtu715/NAS-Bench-360), "
    "made from FSD50K (https://zenodo.org/record/4060432) with fsd50k-pytorch's chunking"
)
CHUNK_DIRS = ("chunks", "data/chunks")
SPLIT_FILES = {"train": "tr.csv", "val": "val.csv", "test": "eval.csv"}
LABEL_MAP = "lbl_map.json"
SAMPLE_RATE = 22_050
N_FFT, WIN_LENGTH, HOP_LENGTH, N_MELS = 1920, int(SAMPLE_RATE * 0.03), int(SAMPLE_RATE * 0.01), 96
N_FRAMES = 101
TOP_DB = 80.0


def has_data(data_root: str | os.PathLike[str] | None = None) -> bool:
    return any(
        all((d / c / f).exists() for f in (*SPLIT_FILES.values(), LABEL_MAP))
        for d in candidate_dirs(TASK, data_root)
        for c in CHUNK_DIRS
    )


def hz_to_mel(freq: np.ndarray | float) -> np.ndarray:
    """HTK mel scale."""
    return 2595.0 * np.log10(1.0 + np.asarray(freq, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_freqs: int, n_mels: int, sample_rate: int, f_min: float = 0.0, f_max: float | None = None) -> np.ndarray:
    """Triangular HTK filters ``(n_freqs, n_mels)``, unnormalised (torchaudio ``melscale_fbanks``)."""
    f_max = sample_rate / 2 if f_max is None else f_max
    all_freqs = np.linspace(0, sample_rate // 2, n_freqs)
    f_pts = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    f_diff = np.diff(f_pts)
    slopes = f_pts[None, :] - all_freqs[:, None]
    down = -slopes[:, :-2] / f_diff[:-1]
    up = slopes[:, 2:] / f_diff[1:]
    return np.maximum(0.0, np.minimum(down, up))


def _window() -> np.ndarray:
    """Periodic Hann of ``WIN_LENGTH`` zero-padded to ``N_FFT``, centred (as ``torch.stft``)."""
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WIN_LENGTH) / WIN_LENGTH)
    window = np.zeros(N_FFT)
    left = (N_FFT - WIN_LENGTH) // 2
    window[left : left + WIN_LENGTH] = hann
    return window


_FILTERS = mel_filterbank(N_FFT // 2 + 1, N_MELS, SAMPLE_RATE)
_WINDOW = _window()


def log_mel(audio: np.ndarray) -> np.ndarray:
    """NB360's zero-mean log-mel spectrogram ``(96, 1 + len(audio) // 220)``, float32."""
    audio = np.asarray(audio, dtype=np.float64).reshape(-1)
    if len(audio) <= N_FFT // 2:
        raise ValueError(f"audio of {len(audio)} samples is too short for reflect padding of {N_FFT // 2}")
    padded = np.pad(audio, N_FFT // 2, mode="reflect")
    n_frames = 1 + (len(padded) - N_FFT) // HOP_LENGTH
    starts = np.arange(n_frames) * HOP_LENGTH
    frames = padded[starts[:, None] + np.arange(N_FFT)[None, :]] * _WINDOW
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2  # (frames, freqs)
    mel = (power @ _FILTERS).T  # (n_mels, frames)
    db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    db = np.maximum(db, db.max() - TOP_DB)
    return (db - db.mean()).astype(np.float32)


def chunk_features(audio: np.ndarray) -> np.ndarray:
    """Log-mel of one chunk, tiled to >= 1 s and fitted to exactly 101 frames."""
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    if len(audio) == 0:
        raise ValueError("empty audio chunk")
    if len(audio) < SAMPLE_RATE:
        audio = np.tile(audio, SAMPLE_RATE // len(audio) + 1)[:SAMPLE_RATE]
    spec = log_mel(audio)[:, :N_FRAMES]
    if spec.shape[1] < N_FRAMES:
        spec = np.pad(spec, ((0, 0), (0, N_FRAMES - spec.shape[1])), constant_values=spec.min())
    return spec


def read_wav(path: Path) -> np.ndarray:
    """A mono 22,050 Hz wav as float32 in [-1, 1] (integer PCM scaled as soundfile does)."""
    rate, data = wavfile.read(path)
    if rate != SAMPLE_RATE:
        raise ValueError(f"{path}: sample rate {rate} Hz, NB360's FSD50K chunks are {SAMPLE_RATE} Hz")
    if data.ndim != 1:
        raise ValueError(f"{path}: expected mono audio, got shape {data.shape}")
    if np.issubdtype(data.dtype, np.integer):
        return (data.astype(np.float64) / (np.iinfo(data.dtype).max + 1)).astype(np.float32)
    return data.astype(np.float32)


def _resolve_wav(entry: str, folder: Path) -> Path:
    """The wav of a manifest entry: as given, else its path tails under the manifest's folder.

    NB360's manifests hold absolute paths of the machine that made them; ``/x/y/chunks/eval/1.0.wav``
    is looked up as ``<folder>/y/chunks/eval/1.0.wav`` ... ``<folder>/eval/1.0.wav``, ``<folder>/1.0.wav``.
    """
    given = Path(entry)
    parts = given.parts[1:] if given.is_absolute() else given.parts
    candidates = [given if given.is_absolute() else folder / given]
    candidates += [folder.joinpath(*parts[k:]) for k in range(1, len(parts))]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise DataFileNotFoundError(
        f"task {TASK!r}: chunk wav {entry!r} listed in the manifests not found (searched {given} "
        f"and its path tails under {folder}). Get the data: {SOURCE}"
    )


def _read_split(manifest: Path, labels: dict[str, int], max_samples: int | None) -> Split:
    with manifest.open(newline="") as f:
        rows = list(csv.DictReader(f))[:max_samples]
    missing = {"files", "labels", "ext"} - set(rows[0] if rows else {})
    if not rows or missing:
        raise ValueError(f"{manifest}: expected columns files, labels, ext and at least one row (missing {sorted(missing)})")
    x = np.empty((len(rows), 1, N_MELS, N_FRAMES), dtype=np.float32)
    y = np.zeros((len(rows), len(labels)), dtype=np.float32)
    clips: dict[str, int] = {}
    groups = np.empty(len(rows), dtype=np.int64)
    for i, row in enumerate(rows):
        x[i, 0] = chunk_features(read_wav(_resolve_wav(row["files"], manifest.parent)))
        for name in row["labels"].split(","):
            if name not in labels:
                raise KeyError(f"{manifest}: label {name!r} (row {i + 1}) is not in {LABEL_MAP}")
            y[i, labels[name]] = 1.0
        groups[i] = clips.setdefault(row["ext"], len(clips))
    return Split(x=x, y=y, groups=groups)


def load(data_root: str | os.PathLike[str] | None = None, *, max_samples: int | None = None) -> TaskData:
    """NB360's FSD50K chunks: ``x`` float32 ``(n, 1, 96, 101)``, ``y`` ``(n, 200)``, ``groups`` = clip."""
    if max_samples is not None and max_samples < 1:
        raise ValueError(f"max_samples must be a positive integer or None, got {max_samples!r}")
    label_path = find_file(TASK, [f"{c}/{LABEL_MAP}" for c in CHUNK_DIRS], SOURCE, data_root)
    with label_path.open() as f:
        labels = {str(k): int(v) for k, v in json.load(f).items()}
    if sorted(labels.values()) != list(range(len(labels))):
        raise ValueError(f"{label_path}: label indices must be 0..{len(labels) - 1} without gaps")
    splits, files = {}, [str(label_path)]
    for split, name in SPLIT_FILES.items():
        manifest = find_file(TASK, [f"{c}/{name}" for c in CHUNK_DIRS], SOURCE, data_root)
        splits[split] = _read_split(manifest, labels, max_samples)
        files.append(str(manifest))
    meta = {"files": files, "split_rule": "NB360's tr / val / eval manifests", "n_labels": len(labels), "max_samples": max_samples}
    return TaskData(TASK, **splits, meta=meta)
