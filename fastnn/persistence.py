"""Saving and loading networks as .npz files.

A saved network holds its hyper-parameters (as JSON), its weights in the public
(n_out, n_in) orientation, its biases, RMSprop's running mean squares, its history and
the state of its random generator, so that a loaded network predicts exactly as the
saved one did and can go on training. :func:`to_bytes` and :func:`from_bytes` give the
same .npz contents in memory (what a sweep sends between a run's segments).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from fastnn.fileio import atomic_write

FORMAT_VERSION = 1


def _arrays(net):
    """The named arrays of a saved ``net``."""
    state = net._state
    arrays = {
        "format_version": np.array(FORMAT_VERSION),
        "params": np.array(json.dumps(net.get_params())),
        "history": np.array(json.dumps(net.history_)),
        "rng_state": np.array(json.dumps(net.rng.bit_generator.state)),
    }
    for layer, (w, b) in enumerate(zip(net.weights, state.biases)):
        arrays[f"weights_{layer}"] = w
        arrays[f"biases_{layer}"] = b
    for layer, (mw, mb) in enumerate(zip(state.mean_square_w, state.mean_square_b)):
        arrays[f"mean_square_w_{layer}"] = mw
        arrays[f"mean_square_b_{layer}"] = mb
    return arrays


def to_bytes(net):
    """``net`` as the bytes of the .npz file that :func:`save_network` writes."""
    buffer = io.BytesIO()
    np.savez(buffer, **_arrays(net))
    return buffer.getvalue()


def save_network(net, path):
    """Write ``net`` to ``path`` atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as file:
        file.write(to_bytes(net))
    return path


def _network(source, name):
    """The network in the .npz ``source`` (a path or a binary file), called ``name`` in errors."""
    from fastnn.network import Network

    try:
        with np.load(source, allow_pickle=False) as data:
            contents = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{name} is not a readable .npz network file: {error}") from error
    if "params" not in contents or "format_version" not in contents:
        raise ValueError(f"{name} is an .npz file but not a fastnn network (no 'params' entry)")
    if int(contents["format_version"]) > FORMAT_VERSION:
        raise ValueError(f"{name} was written by a newer fastnn (format "
                         f"{int(contents['format_version'])}); upgrade fastnn to read it")
    net = Network(**json.loads(str(contents["params"])))
    net.weights = [contents[f"weights_{layer}"] for layer in range(len(net.sizes) - 1)]
    for target, layer in zip(net._state.biases, range(len(net.sizes) - 1)):
        target[...] = contents[f"biases_{layer}"]
    if "mean_square_w_0" in contents:
        net._state.mean_square_w = [contents[f"mean_square_w_{layer}"].copy()
                                    for layer in range(len(net.sizes) - 1)]
        net._state.mean_square_b = [contents[f"mean_square_b_{layer}"].copy()
                                    for layer in range(len(net.sizes) - 1)]
    net.history_ = json.loads(str(contents["history"]))
    net.rng.bit_generator.state = json.loads(str(contents["rng_state"]))
    return net


def load(path):
    """Load a network written by :meth:`Network.save`.

    Raises
    ------
    ValueError
        If the file is not a fastnn network file.
    """
    path = Path(path)
    return _network(path, path)


def from_bytes(data):
    """The network whose .npz bytes :func:`to_bytes` gave (weights, state, history, rng).

    Raises
    ------
    ValueError
        If ``data`` is not a fastnn network file's contents.
    """
    return _network(io.BytesIO(data), "the network bytes")
