"""Size and cost of a network: trainable parameters and forward FLOPs of one sample."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


def count_params(module: nn.Module) -> int:
    """The number of trainable parameters (``requires_grad``) of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def _input_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(input_shape)
    if not shape or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in shape):
        raise ValueError(
            f"input_shape must be the positive sizes of one sample without the batch dimension, "
            f"e.g. (3, 32, 32); got {input_shape!r}"
        )
    return shape


def count_flops(module: nn.Module, input_shape: Sequence[int]) -> int:
    """Forward FLOPs of ``module`` on one sample of ``input_shape`` (no batch dimension).

    Unit: FLOPs as ``torch.utils.flop_counter.FlopCounterMode`` counts them, i.e. 2 FLOPs per
    multiply-accumulate (FLOPs = 2 x MACs) of convolutions, linear layers and matrix products.
    Batch norm, activations, pooling and additions are not counted (as in the usual NAS tables).
    The module runs once in eval mode under ``no_grad``; its train/eval mode is restored.
    """
    shape = _input_shape(input_shape)
    first = next(module.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else torch.float32
    x = torch.zeros((1, *shape), device=device, dtype=dtype)
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            module(x)
    finally:
        module.train(was_training)
    return int(counter.get_total_flops())


def network_summary(module: nn.Module, input_shape: Sequence[int]) -> dict[str, int]:
    """``{"params": count_params(module), "flops": count_flops(module, input_shape)}``."""
    return {"params": count_params(module), "flops": count_flops(module, input_shape)}
