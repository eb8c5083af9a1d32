"""``.npz`` files whose bytes depend on their arrays only.

``numpy.savez_compressed`` stamps every member with the current time, so the same model saved twice a second apart
differs; a shipped artefact must be the same bytes whenever the same command builds it from the same data and
seed (that is how anyone can check it). Here each member gets a fixed date and fixed attributes; the result is an
ordinary ``.npz`` that ``numpy.load(..., allow_pickle=False)`` reads (no code runs on load).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

import numpy as np

# The earliest date a zip member can carry; any fixed date would do.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
UNIX = 3


def npz_bytes(arrays: Mapping[str, np.ndarray | float | int | bool | str]) -> bytes:
    """The arrays as a deflated ``.npz``, members in the order given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = UNIX
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=6)
    return buffer.getvalue()


def read_npz(raw: bytes) -> dict[str, np.ndarray]:
    """Every member of an ``.npz`` (pickled objects refused)."""
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"not a readable .npz artefact: {exc}") from None
