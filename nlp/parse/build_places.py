"""Rebuild the place-name list (data/places-YYYY-MM.tsv: name TAB count) from the shared text corpus.

Run by hand, never by the service:
    python -m nlp.parse.build_places ../shared/data/vi-text nlp/parse/data/places-2026-11.tsv
It keeps the names written after an administrative word ("huyện Tam Nông", "tỉnh Đồng Tháp",
"xã Mỹ Hiệp"), with their diacritics, when seen at least MIN_COUNT times. The parser uses the list
to repair place names whose marks the restorer got wrong ("Tắm Nóng" -> "Tam Nông").
"""
from __future__ import annotations

import collections
import lzma
import re
import sys
from pathlib import Path

SOURCES = ("wiki-viwiki.txt.xz", "news-vietnews.txt.xz", "legal-phapdien.txt.xz", "legal-admin-2025.txt.xz",
           "admin-reports.txt.xz")
MIN_COUNT = 3
_UP = "A-ZĐÀÁẠẢÃÂẦẤẬẨẪĂẰẮẶẲẴÈÉẸẺẼÊỀẾỆỂỄÌÍỊỈĨÒÓỌỎÕÔỒỐỘỔỖƠỜỚỢỞỠÙÚỤỦŨƯỪỨỰỬỮỲÝỴỶỸ"
NAME = rf"[{_UP}][^\W\d_]*(?: [{_UP}][^\W\d_]*){{0,3}}"
PLACE_RE = re.compile(rf"(?<!\w)(?:tỉnh|huyện|thị xã|thành phố|quận|xã|phường|thị trấn|Tỉnh|Huyện|Thị xã|Thành phố|Quận|Xã|Phường|Thị trấn) ({NAME})")


def main(argv: list[str]) -> int:
    src, out = Path(argv[0]), Path(argv[1])
    counts: collections.Counter[str] = collections.Counter()
    for name in SOURCES:
        with lzma.open(src / name, "rt", encoding="utf-8") as fh:
            for line in fh:
                for m in PLACE_RE.finditer(line):
                    counts[m.group(1)] += 1
    names = sorted((n, c) for n, c in counts.items() if c >= MIN_COUNT and 1 <= len(n.split()) <= 4)
    out.write_text("".join(f"{n}\t{c}\n" for n, c in names), encoding="utf-8")
    print(f"{len(names)} names from {sum(counts.values())} mentions", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
