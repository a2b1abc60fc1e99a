"""The speed-ups, one module each, in the order they build on one another.

Each takes the loops of :mod:`fastnn.kernels.tutorial` one step further, says in its
docstring what the step buys and why every result keeps its bits, and is tested bit for
bit against the tutorial in ``tests/test_fast.py``. ``python -m benchmarks.ladder``
measures them one after another on Rashid's network.

1. :mod:`~fastnn.kernels.fast.input_major`: each W stored as W.T, so the forward pass
   is contiguous and vectorises without reordering a sum;
2. :mod:`~fastnn.kernels.fast.four_rows`: four rows of W.T per pass;
3. :mod:`~fastnn.kernels.fast.zero_inputs`: the inputs that are 0 are skipped;
4. :mod:`~fastnn.kernels.fast.fused_update`: each sample's update rides on the next
   sample's forward pass;
5. :mod:`~fastnn.kernels.fast.vector_width`: 512-bit vectors where the CPU has them;
6. :mod:`~fastnn.kernels.fast.threads`: threads share the first layer's columns;
7. :mod:`~fastnn.kernels.fast.batch_blocks`: mini-batches a block of samples per pass.
"""
