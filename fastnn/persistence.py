"""Saving and loading networks: :func:`load` and its in-memory twins.

A saved network (:meth:`fastnn.Network.save`, in the format of
:mod:`fastnn.network_file`) holds its hyper-parameters, weights, biases, RMSprop's
running mean squares, its history and the state of its random generator, so that a
loaded network predicts exactly as the saved one did and can go on training.
:func:`to_bytes` and :func:`from_bytes` give the same contents in memory (what a sweep
sends between a run's segments).
"""

from __future__ import annotations

from pathlib import Path

from fastnn import network_file
from fastnn.network import Network
from fastnn.network_file import NetworkFileError

__all__ = ["load", "save_network", "to_bytes", "from_bytes", "NetworkFileError"]


def load(path):
    """Load a network written by :meth:`Network.save`.

    Raises
    ------
    NetworkFileError
        (a ValueError) If the file is not a fastnn network file, is damaged or truncated,
        or holds values that make no network (wrong shapes or dtypes, NaN or inf). The
        message names the file and the problem.
    """
    path = Path(path)
    return Network._from_saved(network_file.read(path, path), path)


def save_network(net, path):
    """Write ``net`` to ``path`` atomically; returns the path (as :meth:`Network.save`)."""
    return net.save(path)


def to_bytes(net) -> bytes:
    """``net`` as the bytes of the .npz file that :meth:`Network.save` writes."""
    return network_file.to_bytes(net._saved())


def from_bytes(data: bytes):
    """The network whose .npz bytes :func:`to_bytes` gave (weights, state, history, rng).

    Raises
    ------
    NetworkFileError
        If ``data`` is not a fastnn network file's contents.
    """
    name = "the network bytes"
    return Network._from_saved(network_file.read(bytes(data), name), name)
