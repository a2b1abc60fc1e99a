"""The arrays and option codes that every engine works on."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fastnn.kernels import codes
from fastnn.memory import aligned_copy

__all__ = ["NetworkState"]


@dataclass
class NetworkState:
    """A network's weights, optimizer state and option codes (all arrays C-contiguous)."""

    weights_t: list  # (n_in, n_out) per layer
    biases: list  # (n_out,) per layer; zeros and never updated when use_bias is False
    activations: np.ndarray  # int64 codes, one per layer
    use_bias: bool
    loss: int
    backprop: int
    optimizer: int
    learning_rate: float
    rho: float
    epsilon: float
    batch_size: int
    dtype: np.dtype
    threads: int | None = None
    mean_square_w: list = field(default_factory=list)
    mean_square_b: list = field(default_factory=list)

    @property
    def sizes(self):
        return [self.weights_t[0].shape[0]] + [w.shape[1] for w in self.weights_t]

    @property
    def per_sample(self):
        """True for per-sample SGD: every sample updates the weights at once."""
        return self.batch_size == 1 and self.optimizer == codes.SGD

    def mean_squares(self):
        """RMSprop's running mean squares, per layer: (for weights, for biases).

        Made at the first mini-batch (v starts at 0; SGD reads but never changes them).
        """
        if not self.mean_square_w:
            self.mean_square_w = [aligned_copy(np.zeros_like(w)) for w in self.weights_t]
            self.mean_square_b = [np.zeros_like(b) for b in self.biases]
        return self.mean_square_w, self.mean_square_b

    def input_table(self, inputs):
        """``(use_table, table)`` for the kernels' ``load_input_into``."""
        if inputs.array.dtype == np.uint8:
            return True, inputs.table(self.dtype)
        return False, np.zeros(1, dtype=self.dtype)

    def scalars(self):
        """learning_rate, rho, 1 - rho and epsilon, in the state's dtype."""
        cast = self.dtype.type
        return cast(self.learning_rate), cast(self.rho), cast(1.0 - self.rho), cast(self.epsilon)
