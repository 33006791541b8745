"""Rebuild the small fixture files in this folder (see README.md): python tests/data/files/make_fixtures.py"""

from __future__ import annotations

import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))


from ingest import ocr, synth  # noqa: E402
from ingest.intake import _TCVN3, encode_cp1258  # noqa: E402

LEGACY_TEXT = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\n"
    "Kính gửi: Ủy ban nhân dân các huyện, thị xã, thành phố.\n"
    "Sở Tài chính đề nghị các đơn vị khẩn trương triển khai thực hiện./.\n"
)


def main() -> None:
    page = synth.render_pages(synth.make_letter(5), seed=5)[0]
    # the top of page 1 (both header columns, Kính gửi, the first lines of the body), grey, 200 dpi
    top = page.image.crop((0, 0, page.image.width, int(page.image.height * 0.30))).convert("L")
    top = top.resize((top.width * 2 // 3, top.height * 2 // 3))
    top.save(HERE / "letter_header_200dpi.png", "PNG", dpi=(200, 200), optimize=True)
    (HERE / "letter_header_200dpi.truth.txt").write_text(
        "\n".join(page.blocks["header_left"] + page.blocks["header_right"]) + "\n", encoding="utf-8"
    )
    top.convert("RGB").save(HERE / "letter_header_scanned.pdf", "PDF", resolution=200.0)
    (HERE / "letter_header_textlayer.pdf").write_bytes(ocr.searchable_pdf_page(top))
    buf = io.BytesIO()
    small = top.convert("L").resize((top.width // 2, top.height // 2))
    small.save(buf, "JPEG", quality=70)
    (HERE / "letter_header_small.jpg").write_bytes(buf.getvalue())
    (HERE / "legacy_windows1258.txt").write_bytes(encode_cp1258(LEGACY_TEXT))
    to_tcvn3 = {v: k for k, v in _TCVN3.items()}
    (HERE / "legacy_tcvn3.txt").write_bytes(
        bytes(to_tcvn3.get(c, ord(c)) if ord(c) > 127 else ord(c) for c in LEGACY_TEXT.lower())
    )
    (HERE / "legacy_utf8.txt").write_text(LEGACY_TEXT, encoding="utf-8")


if __name__ == "__main__":
    main()
