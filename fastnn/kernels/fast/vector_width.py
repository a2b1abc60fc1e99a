"""Step 5: 512-bit vectors on CPUs that have them.

LLVM, which compiles Numba's code, keeps to 256-bit vectors on many AVX-512 CPUs (on
Intel's, for the clock speed that the first of them lost on wide instructions). The
fused per-sample loop (:mod:`~fastnn.kernels.fast.fused_update`) does five
floating-point operations per weight where the bare update does three; with 256-bit
vectors the arithmetic units, not the memory, set its pace. :func:`vector_width_hint`,
called first in the per-sample loops, asks LLVM for the width of
:func:`fastnn.config.vector_width`: 512 bits where the CPU has AVX-512, unless
``FASTNN_VECTOR_WIDTH`` says otherwise. Where LLVM already chooses 512 bits for the CPU
(AMD's Zen 4, for one), the hint changes nothing.

Why the bits stay the same: a wider vector does the same operations on more elements at
once; no operation is reordered. The tests train with 256, 512 and LLVM's own width and
compare the weights bit for bit.
"""

from __future__ import annotations

from fastnn import config


def plain_vector_width_hint():
    """What :func:`vector_width_hint` does in plain Python: nothing."""


if config.DISABLE_JIT:
    vector_width_hint = plain_vector_width_hint
else:
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def vector_width_hint(typingctx):
        """Compiled: vectorise the calling function with :func:`fastnn.config.vector_width`
        bits (LLVM's ``"prefer-vector-width"`` attribute; nothing when that is None)."""
        def codegen(context, builder, signature, args):
            width = config.vector_width()
            if width:
                # llvmlite's attribute set takes only LLVM's keyword attributes; this
                # string attribute goes into the function's IR as it is written here
                set.add(builder.function.attributes, f'"prefer-vector-width"="{width}"')
            return context.get_dummy_value()
        return types.none(), codegen
