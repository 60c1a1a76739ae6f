"""Perceptual hashes find the same picture or footage after re-encoding, resizing, cropping and
trimming, and do not confuse different pictures or footage."""

from __future__ import annotations

import io
import itertools
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from gawah.vault.phash import (
    DEFAULT_MAX_DISTANCE,
    FrameHash,
    PerceptualHashes,
    dhash_from_grey,
    hamming,
    hash_image_file,
    hash_pixels,
    perceptual_hashes,
    phash_from_grey,
    similar,
    video_frame_hashes,
)
from tests.vault.media.generate import make_video, need_ffmpeg, reencode, scene, truncated_copy


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer)


def _crop(image: Image.Image, share: float) -> Image.Image:
    w, h = image.size
    return image.crop((int(w * share), int(h * share), int(w * (1 - share)), int(h * (1 - share))))


# ---------------------------------------------------------------- pictures


def test_hamming() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0, (1 << 64) - 1) == 64
    assert hamming("00000000000000ff", 0x0F) == 4
    assert hamming(0b1010, 0b0101) == 4


def test_phash_bits_follow_the_low_frequencies() -> None:
    # A left-bright, right-dark picture: the first horizontal frequency is the strong one.
    grey = np.tile(np.linspace(255, 0, 32), (32, 1))
    value = phash_from_grey(grey)
    assert value >> 62 & 1 == 1  # coefficient (0, 1): the horizontal gradient, above the median
    assert phash_from_grey(grey) == value  # deterministic
    assert phash_from_grey(grey[:, ::-1]) != value  # mirrored: the gradient's sign flips
    assert dhash_from_grey(np.tile(np.arange(9.0), (8, 1))) == (1 << 64) - 1


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda im: _jpeg(im, 30), id="jpeg-quality-30"),
        pytest.param(lambda im: _jpeg(im, 8), id="jpeg-quality-8"),
        pytest.param(lambda im: im.resize((im.width // 2, im.height // 2)), id="half-size"),
        pytest.param(lambda im: im.resize((200, 150)).resize((640, 480)), id="down-and-up"),
        pytest.param(lambda im: _crop(im, 0.03), id="crop-3pc"),
        pytest.param(lambda im: _jpeg(_crop(im, 0.02).resize((480, 360)), 40), id="crop-resize-jpeg"),
        pytest.param(lambda im: Image.eval(im, lambda v: min(255, v + 25)), id="brighter"),
        pytest.param(lambda im: im.convert("L"), id="greyscale"),
    ],
)
def test_same_picture_altered_is_close(variant: object) -> None:
    original = scene(1, (640, 480))
    altered = variant(original)  # type: ignore[operator]
    a, b = hash_pixels(original), hash_pixels(altered)
    assert hamming(a.phash, b.phash) <= DEFAULT_MAX_DISTANCE
    assert hamming(a.dhash, b.dhash) <= DEFAULT_MAX_DISTANCE


def test_different_pictures_are_far_apart() -> None:
    hashes = [hash_pixels(scene(seed, (320, 240))) for seed in range(60)]
    closest = min(hamming(a.phash, b.phash) for a, b in itertools.combinations(hashes, 2))
    assert closest > DEFAULT_MAX_DISTANCE


def test_exif_rotation_is_applied_before_hashing(tmp_path: Path) -> None:
    upright = scene(7, (320, 240))
    rotated_path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": pixels stored sideways
    upright.transpose(Image.Transpose.ROTATE_90).save(rotated_path, "JPEG", quality=92, exif=exif)
    upright_path = tmp_path / "upright.jpg"
    upright.save(upright_path, "JPEG", quality=92)
    assert hamming(hash_image_file(rotated_path).phash, hash_image_file(upright_path).phash) <= 4


def test_similar_ranks_candidates_and_leaves_out_strangers(tmp_path: Path) -> None:
    original = scene(11, (640, 480))
    target = hash_pixels(original).phash
    candidates = {
        "reposted": [hash_pixels(_jpeg(original.resize((320, 240)), 35)).phash],
        "cropped": [hash_pixels(_crop(original, 0.04)).phash],
        "stranger": [hash_pixels(scene(12, (640, 480))).phash],
        "empty": [],
    }
    matches = similar([target], candidates)
    assert [m.key for m in matches] == ["reposted", "cropped"]
    assert matches[0].distance <= matches[1].distance
    assert matches[0].fraction == 1.0
    assert similar([], candidates) == []
    # The same search from (key, hashes) pairs and hex strings.
    as_pairs = [(k, [f"{h:016x}" for h in v]) for k, v in candidates.items()]
    assert [m.key for m in similar([f"{target:016x}"], as_pairs)] == ["reposted", "cropped"]


def test_perceptual_hashes_of_an_image_file_round_trip_through_json(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    scene(3).save(path)
    hashes = perceptual_hashes(path, "image/png")
    assert hashes is not None and hashes.kind == "image" and len(hashes.frames) == 1
    again = PerceptualHashes.from_dict(hashes.as_dict())
    assert again == hashes
    assert perceptual_hashes(path, "application/pdf") is None


def test_damaged_image_gives_a_warning_not_an_exception(tmp_path: Path) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    hashes = perceptual_hashes(path, "image/jpeg")
    assert hashes is not None and hashes.frames == [] and hashes.warnings


def test_flat_picture_is_marked_and_skipped_when_there_is_more() -> None:
    flat = hash_pixels(Image.new("RGB", (100, 100), (0, 0, 0)))
    assert flat.flat
    busy = FrameHash(0x1234, 0x5678)
    assert PerceptualHashes(kind="video", frames=[flat, busy]).phashes() == [0x1234]


# ---------------------------------------------------------------- video


@pytest.fixture(scope="module")
def footage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need_ffmpeg()
    folder = tmp_path_factory.mktemp("footage")
    original = make_video(folder / "original.mp4", seconds=6)
    return {
        "original": original,
        "smaller-mpeg4-15fps": reencode(
            original, folder / "r1.mp4", ["-vf", "scale=160:120", "-c:v", "mpeg4", "-q:v", "12", "-r", "15"]
        ),
        "cropped-vp8": reencode(
            original,
            folder / "r2.webm",
            ["-vf", "crop=in_w*0.97:in_h*0.97", "-c:v", "libvpx", "-b:v", "300k", "-an"],
        ),
        "trimmed-crf35": reencode(original, folder / "r3.mp4", ["-ss", "2", "-c:v", "libx264", "-crf", "35"]),
        "other-testsrc2": make_video(folder / "o1.mp4", source="testsrc2", seconds=6),
        "other-mandelbrot": make_video(folder / "o2.mp4", source="mandelbrot", seconds=6),
        "other-life": make_video(folder / "o3.mp4", source="life", seconds=6),
    }


def test_video_frames_are_sampled_every_second(footage: dict[str, Path]) -> None:
    hashes = video_frame_hashes(footage["original"])
    assert hashes.warnings == []
    assert [f.time_s for f in hashes.frames] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert len(set(hashes.phashes())) == 6  # the test source moves: each second looks different
    keyframes = video_frame_hashes(footage["original"], mode="keyframes")
    assert keyframes.frames and keyframes.frames[0].time_s == 0.0


def test_reencoded_video_is_found_and_other_videos_are_not(footage: dict[str, Path]) -> None:
    hashes = {name: video_frame_hashes(path).phashes() for name, path in footage.items()}
    target = hashes.pop("original")
    matches = {m.key: m for m in similar(target, hashes)}
    assert set(matches) == {"smaller-mpeg4-15fps", "cropped-vp8", "trimmed-crf35"}
    assert matches["smaller-mpeg4-15fps"].fraction >= 0.8
    assert matches["trimmed-crf35"].matched >= 3  # 4 seconds are left after the trim
    assert matches["cropped-vp8"].matched >= 3


def test_a_still_from_the_footage_finds_the_video(footage: dict[str, Path], tmp_path: Path) -> None:
    ffmpeg = need_ffmpeg()
    still = tmp_path / "still.jpg"
    subprocess.run(
        [ffmpeg, "-v", "error", "-ss", "3", "-i", str(footage["original"]), "-frames:v", "1", str(still)],
        check=True,
    )
    videos = {name: video_frame_hashes(path).phashes() for name, path in footage.items()}
    matches = similar([hash_image_file(still).phash], videos)
    assert {m.key for m in matches} >= {"original", "smaller-mpeg4-15fps"}
    assert not any(m.key.startswith("other-") for m in matches)


def test_black_video_gives_a_warning(tmp_path: Path) -> None:
    ffmpeg = need_ffmpeg()
    path = tmp_path / "black.mp4"
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=black:size=160x120:rate=10",
            "-t",
            "3",
            "-c:v",
            "libx264",
            str(path),
        ],
        check=True,
    )
    hashes = video_frame_hashes(path)
    assert hashes.frames == []
    assert any("uniform" in w for w in hashes.warnings)


def test_truncated_video_hashes_what_decodes(footage: dict[str, Path], tmp_path: Path) -> None:
    faststart = reencode(footage["original"], tmp_path / "fs.mp4", ["-c", "copy", "-movflags", "+faststart"])
    cut = truncated_copy(faststart, tmp_path / "cut.mp4", 0.6)
    hashes = perceptual_hashes(cut, "video/mp4")
    assert hashes is not None
    assert 1 <= len(hashes.frames) < 6
    original = video_frame_hashes(footage["original"]).phashes()
    assert similar(original, {"cut": hashes.phashes()})


def test_not_a_video_gives_a_warning(tmp_path: Path) -> None:
    need_ffmpeg()
    path = tmp_path / "x.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 200)
    hashes = perceptual_hashes(path, "video/mp4")
    assert hashes is not None and hashes.frames == [] and hashes.warnings


def test_missing_ffmpeg_gives_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gawah.vault.phash as phash

    monkeypatch.setattr(phash.shutil, "which", lambda name: None)
    hashes = perceptual_hashes(tmp_path / "v.mp4", "video/mp4")
    assert hashes is not None and hashes.frames == []
    assert any("ffmpeg not found" in w for w in hashes.warnings)


# ---------------------------------------------------------------- gawah evidence similar


def test_similar_items_command(workspace: Any, tmp_path: Path) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from gawah.cli.vault_similar import similar_command, similar_items
    from gawah.store.engine import transaction
    from gawah.store.models import EvidenceItem

    original = scene(21, (640, 480))
    pictures = {
        "original.jpg": original,
        "reposted.jpg": _jpeg(original.resize((320, 240)), 30),
        "stranger.jpg": scene(22, (640, 480)),
    }
    ids: dict[str, int] = {}
    with transaction(workspace.sessions) as session:
        for number, (name, picture) in enumerate(pictures.items()):
            hashes = PerceptualHashes(kind="image", frames=[hash_pixels(picture)])
            row = EvidenceItem(
                sha256=f"{number:064x}",
                size_bytes=1,
                media_type="image/jpeg",
                original_filename=name,
                storage_key=f"00/00/{number:064x}",
                tool_metadata={"perceptual": hashes.as_dict()},
            )
            session.add(row)
            session.flush()
            ids[name] = row.id
        session.add(
            EvidenceItem(
                sha256="f" * 64,
                size_bytes=1,
                media_type="application/pdf",
                original_filename="report.pdf",
                storage_key="ff/ff/" + "f" * 64,
                tool_metadata={},
            )
        )
    with workspace.sessions() as session:
        target = session.get(EvidenceItem, ids["original.jpg"])
        found = similar_items(session, target)
    assert [f.filename for f in found] == ["reposted.jpg"]

    app = typer.Typer()
    app.command("similar")(similar_command)
    app.command("other")(lambda: None)
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "similar",
            str(ids["original.jpg"]),
            "--workspace",
            str(workspace.settings.root),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert [r["id"] for r in answer["similar"]] == [ids["reposted.jpg"]]
    table = runner.invoke(
        app, ["similar", str(ids["reposted.jpg"]), "--workspace", str(workspace.settings.root)]
    )
    assert table.exit_code == 0 and "1 item(s) similar" in table.output and "stranger" not in table.output
    no_hashes = runner.invoke(app, ["similar", "f" * 12, "--workspace", str(workspace.settings.root)])
    assert no_hashes.exit_code != 0


def test_long_video_is_sampled_at_key_frames(footage: dict[str, Path]) -> None:
    short = perceptual_hashes(footage["original"], "video/mp4", duration_s=6.0)
    long = perceptual_hashes(footage["original"], "video/mp4", duration_s=3 * 3600.0)
    assert short is not None and short.mode == "interval" and len(short.frames) == 6
    assert long is not None and long.mode == "keyframes" and 1 <= len(long.frames) < 6
