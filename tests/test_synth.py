"""ingest.synth: seeded letters in the Nghị định 30 layout with ground truth, and degradations."""

from __future__ import annotations

import pytest

from ingest import synth
from ingest.intake import read_source


@pytest.fixture(scope="module")
def first_page():
    return synth.render_pages(synth.make_letter(1), seed=1)[0].image


def test_letters_are_reproducible_by_seed():
    assert synth.make_letter(11) == synth.make_letter(11)
    assert synth.make_letter(11) != synth.make_letter(12)


def test_letter_has_two_pages_with_blocks_in_reading_order():
    pages = synth.render_pages(synth.make_letter(7), seed=7)
    assert len(pages) == 2
    first, last = pages
    assert first.image.size == (2480, 3508)
    assert list(first.blocks)[:2] == ["header_left", "header_right"]
    assert first.blocks["header_right"][0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert any(line.startswith("V/v") for line in first.blocks["header_left"])
    assert any(line.startswith("Số: ") for line in first.blocks["header_left"])
    assert "cc" in last.blocks and "signer" in last.blocks
    assert last.blocks["cc"][0] == "Nơi nhận:"
    assert first.truth.startswith(first.blocks["header_left"][0])


def test_vietnamese_glyphs_are_drawn():
    """LiberationSerif 1.07 draws boxes for ư, ơ, ế; the font finder must pick a font that has them."""
    f = synth.font("regular", 13)
    assert f.getmask("ư").getbbox() != f.getmask("\ue000").getbbox()


@pytest.mark.parametrize("level, width", [("clean", 2480), ("medium", 1653), ("heavy", 1240)])
def test_degradation_levels_set_resolution(first_page, level, width):
    scan = synth.degrade(first_page, level, seed=1)
    assert scan.width == pytest.approx(width, abs=2)
    assert scan.info["dpi"][0] == round(300 * width / 2480)


def test_degradation_is_seeded(first_page):
    a, b = synth.degrade(first_page, "medium", 5), synth.degrade(first_page, "medium", 5)
    assert a.tobytes() == b.tobytes()


def test_sample_scans_are_readable_by_intake(tmp_path):
    truths = synth.write_sample_scan(tmp_path / "scan.pdf", seed=3, level="light")
    src = read_source((tmp_path / "scan.pdf").read_bytes())
    assert src.kind == "pdf" and len(src.pages) == len(truths) == 2
    assert src.pages[0].text is None
    synth.write_sample_scan(tmp_path / "scan.png", seed=3, level="medium")
    assert read_source((tmp_path / "scan.png").read_bytes()).pages[0].dpi == 200
