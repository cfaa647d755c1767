"""Ground-truth collection: proposers, executors (local / Ray / SLURM) and resumable campaigns."""
from training_data.collection.campaign import CollectionSummary, collect, repeat_seeds_for
from training_data.collection.executors import Executor, list_executors, make_executor
from training_data.collection.jobs import CollectionEnvironmentError, EvalJob, run_job
from training_data.collection.samplers import Proposer, UniformSampler

__all__ = [
    "CollectionEnvironmentError",
    "CollectionSummary",
    "EvalJob",
    "Executor",
    "Proposer",
    "UniformSampler",
    "collect",
    "list_executors",
    "make_executor",
    "repeat_seeds_for",
    "run_job",
]
