"""The ten NAS-Bench-360 tasks: registry, scores, losses and data loaders."""
from __future__ import annotations

from training_data.tasks.data_root import (
    ENV_VAR,
    DataFileNotFoundError,
    find_file,
    resolve_data_root,
)
from training_data.tasks.dataset import Split, TaskData
from training_data.tasks.loaders import PICKLE_ENV_VAR, PickleNotAllowedError
from training_data.tasks.registry import Task, describe_task, get_task, list_tasks
from training_data.tasks.scores import GaussianNormaliser

__all__ = [
    "ENV_VAR",
    "PICKLE_ENV_VAR",
    "DataFileNotFoundError",
    "GaussianNormaliser",
    "PickleNotAllowedError",
    "Split",
    "Task",
    "TaskData",
    "describe_task",
    "find_file",
    "get_task",
    "list_tasks",
    "resolve_data_root",
]
