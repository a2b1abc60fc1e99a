"""The SIMD width of the per-sample loops: chosen from the CPU, or forced, same results.

``FASTNN_VECTOR_WIDTH`` forces 256- or 512-bit vectors, or leaves the choice to LLVM
(``llvm``); by default the width comes from the CPU (512 with AVX-512). Each width runs in a fresh process on a cache directory of
its own: both paths are compiled and run on any CPU, and must give the same weights,
bit for bit, since the width changes the instructions and not the operations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from fastnn import config

TRAIN = """
import json, sys
import numpy as np
from fastnn import config, recipes
from fastnn.datasets import load_mnist
from fastnn.kernels.fast.fused_update import update_and_multiply_into
(x, y), _ = load_mnist(data_dir={data_dir!r}, download=False)
weights = {{}}
for dtype in ("float64", "float32"):
    # 30 and 10 columns: neither a multiple of 8 nor of 16, so the loops' remainders run
    net = recipes.rashid(hidden=30, seed=2, dtype=dtype)
    net.fit(x[:300], y[:300], epochs=2)
    for layer, w in enumerate(net.weights):
        weights[f"{{dtype}}-{{layer}}"] = w
np.savez({out!r}, **weights)
fused = update_and_multiply_into
asm = "".join(fused.inspect_asm(signature) for signature in fused.signatures)
print(json.dumps({{"width": config.vector_width(), "zmm": "zmm" in asm,
                   "signatures": len(fused.signatures)}}))
"""


def host_has_avx512():
    import llvmlite.binding as llvm

    return bool(llvm.get_host_cpu_features().get("avx512f", False))


def train(width, tmp_path, data_dir):
    """Train in a fresh process under FASTNN_VECTOR_WIDTH=width; (report, weights)."""
    out = tmp_path / f"weights-{width}.npz"
    env = {**os.environ, "FASTNN_VECTOR_WIDTH": width, "FASTNN_NUMBA_CACHE": "1",
           "NUMBA_CACHE_DIR": str(tmp_path / f"cache-{width}")}
    env.pop("NUMBA_DISABLE_JIT", None)
    result = subprocess.run([sys.executable, "-c", TRAIN.format(data_dir=str(data_dir),
                                                                out=str(out))],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    with np.load(out) as saved:
        return json.loads(result.stdout.splitlines()[-1]), dict(saved)


@pytest.mark.realdata
def test_both_widths_compile_and_give_the_same_bits(tmp_path, mnist_dir):
    report_256, weights_256 = train("256", tmp_path, mnist_dir)
    report_512, weights_512 = train("512", tmp_path, mnist_dir)
    report_auto, weights_auto = train("auto", tmp_path, mnist_dir)
    report_llvm, weights_llvm = train("llvm", tmp_path, mnist_dir)
    assert report_256["width"] == 256 and report_512["width"] == 512
    assert report_llvm["width"] is None
    assert report_auto["width"] == (512 if host_has_avx512() else None)
    # float64 and float32 per-sample training, each compiled in every process
    assert report_256["signatures"] == report_512["signatures"] == 2
    assert not report_256["zmm"]
    assert report_512["zmm"] == host_has_avx512()  # 512-bit registers need AVX-512
    assert report_auto["zmm"] == report_512["zmm"]
    assert sorted(weights_256) == sorted(weights_512) == sorted(weights_auto) == sorted(weights_llvm)
    for name in weights_256:
        assert np.all(np.isfinite(weights_256[name])), name
        np.testing.assert_array_equal(weights_256[name], weights_512[name], err_msg=name)
        np.testing.assert_array_equal(weights_256[name], weights_auto[name], err_msg=name)
        np.testing.assert_array_equal(weights_256[name], weights_llvm[name], err_msg=name)


def test_a_forced_width_names_its_cache_entries(monkeypatch):
    from fastnn.jit import _named_for_settings

    def named(width):
        monkeypatch.setattr(config, "VECTOR_WIDTH", width)
        monkeypatch.setattr(config, "FASTMATH", False)
        return _named_for_settings(host_has_avx512).__qualname__

    assert named(256) == "host_has_avx512.vector_width_256"
    assert named(512) == "host_has_avx512.vector_width_512"
    assert named(0) == "host_has_avx512.vector_width_llvm"
    monkeypatch.setattr(config, "FASTMATH", {"reassoc", "contract"})
    monkeypatch.setattr(config, "VECTOR_WIDTH", 512)
    assert _named_for_settings(host_has_avx512).__qualname__ == (
        "host_has_avx512.fastmath_contract_reassoc.vector_width_512")


@pytest.mark.parametrize("value", ["128", "wide", "1024"])
def test_a_bad_width_is_refused_with_the_choices(monkeypatch, value):
    monkeypatch.setenv("FASTNN_VECTOR_WIDTH", value)
    with pytest.raises(ValueError, match=rf"FASTNN_VECTOR_WIDTH must be auto, llvm, 256 or 512, "
                                         rf"got '{value}'"):
        config._env_vector_width()


def test_auto_follows_the_cpu(monkeypatch):
    monkeypatch.setattr(config, "VECTOR_WIDTH", None)
    assert config.vector_width() == (512 if host_has_avx512() else None)
    monkeypatch.setattr(config, "VECTOR_WIDTH", 256)
    assert config.vector_width() == 256
    monkeypatch.setattr(config, "VECTOR_WIDTH", 0)  # FASTNN_VECTOR_WIDTH=llvm
    assert config.vector_width() is None
