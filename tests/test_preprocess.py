"""ingest.preprocess: each stage on small real images (no Tesseract except the OSD test)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from ingest import preprocess, synth

FILES = Path(__file__).parent / "data" / "files"


@pytest.fixture(scope="module")
def header_gray() -> np.ndarray:
    return np.asarray(Image.open(FILES / "letter_header_200dpi.png").convert("L"))


@pytest.mark.parametrize("angle", [-3.0, -1.4, 0.0, 2.2, 7.5])
def test_skew_angle_is_found(header_gray, angle):
    """GIVEN the header rotated by a known angle WHEN measured THEN the angle is found within 0.2°."""
    rotated = preprocess.rotate(header_gray, angle)
    assert preprocess.skew_angle(rotated) == pytest.approx(-angle, abs=0.2)


def test_deskew_straightens(header_gray):
    page, angle = preprocess.deskew(preprocess.rotate(header_gray, 2.0))
    assert angle == pytest.approx(-2.0, abs=0.2)
    assert page.shape == header_gray.shape


def test_red_seal_is_removed_but_black_text_under_it_stays():
    paper = np.full((100, 200, 3), 255, np.uint8)
    paper[40:60, 20:180] = (20, 20, 20)  # black stroke
    seal = np.full_like(paper, 255)
    cv2.circle(seal, (100, 50), 40, (45, 35, 205), 6)  # red ring (BGR), stamped over the stroke
    bgr = (paper.astype(np.float32) * seal / 255).astype(np.uint8)
    gray = preprocess.suppress_color_ink(preprocess.to_gray(bgr), preprocess.color_ink_mask(bgr))
    assert gray[50, 100] < 60  # text kept
    assert gray[10, 100] == 255  # ring gone
    assert gray[50, 20:180].max() < 80


def test_illumination_is_flattened():
    gradient = np.tile(np.linspace(140, 250, 400, dtype=np.float32), (300, 1)).astype(np.uint8)
    gradient[140:160, 50:350] = 30  # a dark stroke across the shading
    flat = preprocess.flatten_illumination(gradient)
    assert flat[10, 10] > 240 and flat[10, 390] > 240
    assert flat[150, 60] < 80


def test_dark_border_is_whitened():
    page = np.full((400, 300), 250, np.uint8)
    page[:, :15] = 40
    page[:12, :] = 50
    page[200:210, 100:200] = 0  # text stays
    out = preprocess.remove_border(page)
    assert out[:, :15].min() == 255 and out[:12].min() == 255
    assert out[205, 150] == 0


def test_resolution_from_page_size_when_metadata_is_missing():
    assert preprocess.estimate_dpi(np.zeros((1754, 1240), np.uint8)) == 150
    assert preprocess.estimate_dpi(np.zeros((2339, 1654), np.uint8)) == 200
    assert preprocess.estimate_dpi(np.zeros((10, 10), np.uint8), given=240) == 240


def test_prepare_page_upscales_to_target_dpi_and_writes_debug_stages(tmp_path):
    """GIVEN a 150-dpi page WHEN prepared with a debug folder
    THEN the result is a grey image at the target resolution and each stage left an NN-stage.png."""
    page = synth.render_pages(synth.make_letter(3), seed=3)[1].image
    scan = synth.degrade(page, "heavy", seed=3)
    prepared = preprocess.prepare_page(scan, debug_dir=tmp_path)
    assert prepared.image.ndim == 2 and prepared.image.dtype == np.uint8
    assert prepared.source_dpi == 150 and prepared.dpi == preprocess.TARGET_DPI
    assert prepared.image.shape[1] == pytest.approx(1240 * preprocess.TARGET_DPI / 150, abs=4)
    assert 2.0 <= abs(prepared.angle) <= 3.1
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names[0] == "01-gray.png" and any(n.endswith("-deskew.png") for n in names)
    assert len(names) == len(prepared.stages)


def test_grey_output_is_not_binarised():
    page = synth.render_pages(synth.make_letter(4), seed=4)[0].image
    scan = synth.degrade(page, "medium", seed=4)
    prepared = preprocess.prepare_page(scan, detect_orientation="never")
    assert len(np.unique(prepared.image)) > 50


@pytest.mark.slow
def test_upside_down_page_is_turned_upright(header_gray):
    page = synth.render_pages(synth.make_letter(2), seed=2)[0].image.convert("L")
    small = page.resize((page.width // 2, page.height // 2))
    upside_down = np.asarray(small)[::-1, ::-1]
    turned, rotation = preprocess.orient(np.ascontiguousarray(upside_down))
    assert rotation == 180
    assert np.array_equal(turned, np.asarray(small))


def test_upside_down_page_is_suspected_cheaply():
    page = synth.synth_scan(6, "medium")[0].image
    gray, _ = preprocess.deskew(preprocess.flatten_illumination(preprocess.to_gray(preprocess.to_bgr(page))))
    assert not preprocess.looks_upside_down(gray)
    assert preprocess.looks_upside_down(np.ascontiguousarray(gray[::-1, ::-1]))


@pytest.mark.slow
def test_prepare_page_turns_an_upside_down_scan():
    page = synth.synth_scan(8, "light")[0].image.rotate(180)
    prepared = preprocess.prepare_page(page)
    assert prepared.rotation == 180


def test_sideways_page_is_detected():
    page = synth.render_pages(synth.make_letter(2), seed=2)[0].image.convert("L")
    gray = np.asarray(page.resize((page.width // 3, page.height // 3)))
    assert not preprocess.looks_sideways(gray)
    assert preprocess.looks_sideways(np.ascontiguousarray(np.rot90(gray)))
