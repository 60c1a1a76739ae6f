"""Perceptual hashes: the same picture or footage, re-encoded, resized or re-posted, hashes close.

Two 64-bit hashes per picture, both computed here with numpy and Pillow:

* pHash: the grey image at 32×32, its 2-D DCT-II, the 8×8 lowest frequencies, one bit per
  coefficient: above or below their median (the DC term is left out of the median, since it only
  says how bright the image is).
* dHash: the grey image at 9×8, one bit per horizontal neighbour pair: brighter to the right or not.

Videos are hashed frame by frame: one frame every N seconds (default; robust to re-encoding, which
moves key frames) or only key frames (fast: the decoder skips the rest). Frames are piped from
ffmpeg as small grey rasters, never written to disk. Nearly uniform frames (black, fades) are
dropped: they would match every other video's black frames.

Closeness is the Hamming distance between hashes; `similar` ranks candidate items by how many of
the target's hashes have a close partner among theirs.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt

ALGORITHM = "gawah-perceptual/1 (phash: dct 32x32 -> 8x8 median; dhash: 9x8 gradient)"
PERCEPTUAL_KEY = "perceptual"  # where ingest keeps these hashes in EvidenceItem.tool_metadata
DEFAULT_MAX_DISTANCE = 10
# Below this grey-level standard deviation a frame is "flat" (black, white, a fade) and not hashed.
FLAT_STD = 4.0
FRAME_SIDE = 64
LONG_VIDEO_S = 20 * 60  # beyond this, key frames only (see perceptual_hashes)
HashLike = int | str
Key = TypeVar("Key")


def _dct_matrix(n: int) -> npt.NDArray[np.float64]:
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    matrix = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * math.sqrt(2 / n)
    matrix[0, :] = math.sqrt(1 / n)
    return matrix


_DCT32 = _dct_matrix(32)
_BIT_WEIGHTS = np.array([1 << (63 - i) for i in range(64)], dtype=np.uint64)


def _bits_to_int(bits: npt.NDArray[np.bool_]) -> int:
    return int(np.bitwise_or.reduce(np.where(bits.ravel(), _BIT_WEIGHTS, np.uint64(0))))


def phash_from_grey(grey32: npt.NDArray[np.float64]) -> int:
    """pHash of a 32×32 grey raster."""
    coefficients = _DCT32 @ grey32 @ _DCT32.T
    low = coefficients[:8, :8]
    median = np.median(low.ravel()[1:])
    return _bits_to_int(low > median)


def dhash_from_grey(grey9x8: npt.NDArray[np.float64]) -> int:
    """dHash of an 8-row × 9-column grey raster."""
    return _bits_to_int(grey9x8[:, 1:] > grey9x8[:, :-1])


@dataclass(frozen=True)
class FrameHash:
    """The hashes of one picture, or of one video frame at `time_s`."""

    phash: int
    dhash: int
    time_s: float | None = None
    flat: bool = False

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"phash": f"{self.phash:016x}", "dhash": f"{self.dhash:016x}"}
        if self.time_s is not None:
            out["t"] = round(self.time_s, 3)
        if self.flat:
            out["flat"] = True
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FrameHash:
        return cls(
            phash=int(data["phash"], 16),
            dhash=int(data["dhash"], 16),
            time_s=float(data["t"]) if data.get("t") is not None else None,
            flat=bool(data.get("flat", False)),
        )


def hash_pixels(image: Any) -> FrameHash:
    """Hashes of a Pillow image (any mode)."""
    from PIL import Image

    grey = image.convert("L")
    small = np.asarray(grey.resize((32, 32), Image.Resampling.LANCZOS), dtype=np.float64)
    tiny = np.asarray(grey.resize((9, 8), Image.Resampling.LANCZOS), dtype=np.float64)
    return FrameHash(phash_from_grey(small), dhash_from_grey(tiny), flat=bool(small.std() < FLAT_STD))


def hash_image_file(path: Path) -> FrameHash:
    """Hashes of an image file, turned upright first as its EXIF orientation says (a re-posted copy
    usually has the rotation applied to the pixels and the tag stripped)."""
    from PIL import Image, ImageOps

    with Image.open(path) as img:
        if img.format == "JPEG":
            img.draft("RGB", (256, 256))  # decode at reduced scale: the hash only needs 32×32
        upright = ImageOps.exif_transpose(img)
        return hash_pixels(upright if upright is not None else img)


@dataclass
class PerceptualHashes:
    """What ingest keeps under tool_metadata["perceptual"]: one hash for a picture, many for a video."""

    kind: Literal["image", "video"]
    frames: list[FrameHash]
    every_s: float | None = None
    mode: str | None = None
    algorithm: str = ALGORITHM
    warnings: list[str] = field(default_factory=list)

    def phashes(self) -> list[int]:
        """The pHashes worth comparing (flat frames left out, unless that is all there is)."""
        useful = [f.phash for f in self.frames if not f.flat]
        return useful or [f.phash for f in self.frames]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "algorithm": self.algorithm,
            "kind": self.kind,
            "frames": [f.as_dict() for f in self.frames],
        }
        if self.every_s is not None:
            out["every_s"] = self.every_s
        if self.mode is not None:
            out["mode"] = self.mode
        if self.warnings:
            out["warnings"] = self.warnings
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PerceptualHashes:
        return cls(
            kind="video" if data.get("kind") == "video" else "image",
            frames=[FrameHash.from_dict(f) for f in data.get("frames", [])],
            every_s=data.get("every_s"),
            mode=data.get("mode"),
            algorithm=str(data.get("algorithm", ALGORITHM)),
            warnings=list(data.get("warnings", [])),
        )


# ---------------------------------------------------------------- video frames through ffmpeg

_PTS_RE = re.compile(r"pts_time:\s*(-?[0-9.]+)")


def video_frame_hashes(
    path: Path,
    *,
    every_s: float = 1.0,
    mode: Literal["interval", "keyframes"] = "interval",
    max_frames: int = 3600,
    timeout_s: float = 600.0,
    ffmpeg: str | None = None,
) -> PerceptualHashes:
    """Hashes of one frame every `every_s` seconds (or of each key frame), at most `max_frames`.

    Never raises for a damaged video: what decoded is hashed and `warnings` says what went wrong.
    Raises FileNotFoundError only when ffmpeg is not installed.
    """
    binary = ffmpeg or shutil.which("ffmpeg")
    if binary is None:
        raise FileNotFoundError("ffmpeg not found (Debian package ffmpeg)")
    filters = [] if mode == "keyframes" else [f"fps=1/{every_s:g}:round=near"]
    filters += [f"scale={FRAME_SIDE}:{FRAME_SIDE}:flags=area", "format=gray", "showinfo"]
    cmd = [binary, "-hide_banner", "-nostdin", "-v", "info"]
    if mode == "keyframes":
        cmd += ["-skip_frame", "nokey"]
    cmd += ["-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", ",".join(filters)]
    cmd += ["-fps_mode", "passthrough", "-frames:v", str(max_frames), "-f", "rawvideo", "pipe:1"]
    result = PerceptualHashes(
        kind="video", frames=[], every_s=None if mode == "keyframes" else every_s, mode=mode
    )
    frame_bytes = FRAME_SIDE * FRAME_SIDE
    rasters: list[npt.NDArray[np.uint8]] = []
    with tempfile.TemporaryFile() as log:
        # stderr goes to a file: a full pipe would stall ffmpeg while we read its frames.
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout_s
        timed_out = _read_frames(proc.stdout, frame_bytes, rasters, deadline)
        if timed_out:
            proc.kill()
            result.warnings.append(f"ffmpeg stopped after {timeout_s:g} s; {len(rasters)} frames hashed")
        proc.stdout.close()
        returncode = proc.wait()
        log.seek(0)
        stderr = log.read().decode("utf-8", "replace")
    times = [float(m.group(1)) for m in _PTS_RE.finditer(stderr)]
    if returncode != 0 and not timed_out:
        errors = [ln for ln in stderr.splitlines() if "error" in ln.lower() or "invalid" in ln.lower()]
        result.warnings.append(
            f"ffmpeg exited with {returncode}" + (f": {'; '.join(errors[:3])}" if errors else "")
        )
    from PIL import Image

    for index, raster in enumerate(rasters):
        grey = raster.reshape(FRAME_SIDE, FRAME_SIDE)
        frame = hash_pixels(Image.fromarray(grey, "L"))
        time_s = times[index] if index < len(times) else (index * every_s if mode == "interval" else None)
        if frame.flat:
            continue
        result.frames.append(FrameHash(frame.phash, frame.dhash, time_s=time_s))
    if rasters and not result.frames:
        result.warnings.append("every sampled frame is nearly uniform (black or blank); nothing to compare")
    if not rasters:
        result.warnings.append("no video frame could be decoded")
    return result


def _read_frames(
    stream: IO[bytes], frame_bytes: int, rasters: list[npt.NDArray[np.uint8]], deadline: float
) -> bool:
    """Read fixed-size raw frames until EOF; True when the deadline passed first."""
    while True:
        if time.monotonic() > deadline:
            return True
        chunk = stream.read(frame_bytes)
        if len(chunk) < frame_bytes:
            return False
        rasters.append(np.frombuffer(chunk, dtype=np.uint8).copy())


def perceptual_hashes(
    path: Path, media_type: str, *, every_s: float = 1.0, duration_s: float | None = None
) -> PerceptualHashes | None:
    """Hashes for ingest: a picture's, a video's sampled frames; None for other media.

    Sampling every `every_s` seconds decodes every frame (about 16× real time for 720p on one busy
    core); a video longer than LONG_VIDEO_S (by `duration_s`, e.g. from read_metadata) is sampled at
    its key frames instead, which the decoder reaches without decoding the rest.
    A file that cannot be decoded gives an empty result with a warning, never an exception."""
    if media_type.startswith("image/"):
        try:
            frame = hash_image_file(path)
        except Exception as exc:  # Pillow raises many types for damaged or unknown images
            return PerceptualHashes(kind="image", frames=[], warnings=[f"image not hashed: {exc}"])
        return PerceptualHashes(kind="image", frames=[frame])
    if media_type.startswith("video/"):
        mode: Literal["interval", "keyframes"] = (
            "keyframes" if duration_s is not None and duration_s > LONG_VIDEO_S else "interval"
        )
        try:
            return video_frame_hashes(path, every_s=every_s, mode=mode)
        except OSError as exc:  # ffmpeg missing (FileNotFoundError) or not runnable
            return PerceptualHashes(kind="video", frames=[], warnings=[f"video not hashed: {exc}"])
    return None


# ---------------------------------------------------------------- distance and search


def _as_int(value: HashLike) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def hamming(a: HashLike, b: HashLike) -> int:
    """Number of differing bits between two 64-bit hashes (ints or 16-digit hex)."""
    return (_as_int(a) ^ _as_int(b)).bit_count()


def _popcount(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
    if hasattr(np, "bitwise_count"):
        return np.asarray(np.bitwise_count(values), dtype=np.int64)
    as_bytes = values.view(np.uint8).reshape(*values.shape, 8)
    return np.asarray(np.unpackbits(as_bytes, axis=-1).sum(axis=-1), dtype=np.int64)


def _array(hashes: Iterable[HashLike]) -> npt.NDArray[np.uint64]:
    return np.array([_as_int(h) for h in hashes], dtype=np.uint64)


@dataclass(frozen=True)
class Match(Generic[Key]):
    """A candidate close to the target: `matched` of the target's `compared` hashes have a partner
    within the allowed distance; `distance` is the closest pair."""

    key: Key
    distance: int
    matched: int
    compared: int

    @property
    def fraction(self) -> float:
        return self.matched / self.compared if self.compared else 0.0


def similar(
    target_hashes: Sequence[HashLike],
    candidates: Mapping[Key, Sequence[HashLike]] | Iterable[tuple[Key, Sequence[HashLike]]],
    max_distance: int = DEFAULT_MAX_DISTANCE,
) -> list[Match[Key]]:
    """Candidates with at least one hash within `max_distance` bits of a target hash, best first
    (largest share of the target matched, then smallest distance)."""
    target = _array(target_hashes)
    if target.size == 0:
        return []
    pairs = candidates.items() if isinstance(candidates, Mapping) else candidates
    found: list[Match[Key]] = []
    for key, hashes in pairs:
        theirs = _array(hashes)
        if theirs.size == 0:
            continue
        distances = _popcount(target[:, None] ^ theirs[None, :])
        best = distances.min(axis=1)
        matched = int((best <= max_distance).sum())
        if matched:
            found.append(Match(key, int(best.min()), matched, int(target.size)))
    found.sort(key=lambda m: (-m.fraction, m.distance))
    return found


def closest_pair(a: PerceptualHashes, b: PerceptualHashes) -> tuple[FrameHash, FrameHash, int] | None:
    """The closest pair of frames (by pHash) between two items: says *where* two videos agree."""
    left = [f for f in a.frames if not f.flat] or a.frames
    right = [f for f in b.frames if not f.flat] or b.frames
    if not left or not right:
        return None
    distances = _popcount(_array(f.phash for f in left)[:, None] ^ _array(f.phash for f in right)[None, :])
    i, j = np.unravel_index(int(distances.argmin()), distances.shape)
    return left[int(i)], right[int(j)], int(distances[i, j])
