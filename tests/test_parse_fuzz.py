"""Property tests: whatever text arrives, parse_letter returns schema-valid output, quickly."""
from __future__ import annotations

import json
import logging
import time

import jsonschema
from hypothesis import HealthCheck, given, settings, strategies as st

from nlp.parse import SCHEMA_PATH, parse_letter

class _Errors(logging.Handler):
    """Counts stage failures that parse_letter logged and swallowed."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


ERRORS = _Errors()
logging.getLogger("nlp.parse").addHandler(ERRORS)

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker())

# pieces of real letters, so the generator reaches the interesting branches
FRAGMENTS = [
    "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TỈNH ĐỒNG THÁP Độc lập - Tự do - Hạnh phúc",
    "Số: 12/UBND-VX Tân Hiệp, ngày 5 tháng 3 năm 2024", "Số 01-KH/BDV", "S6: 1987 / MTTQ - BTT", "V/v ",
    "KẾ HOẠCH", "QUYẾT ĐỊNH", "Kính gửi:", "- UBND các xã;", "Nơi nhận:", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN",
    "KT. CHỦ TỊCH", "Nguyễn Văn An", "1.", "1/-", "I.", "a)", "đ)", "- ", "3.2.1", "Điều 3.", "Giao ", "Đề nghị ",
    "chủ trì", "phối hợp với ", "trước ngày 31/02/2024", "trước ngày 15/12", "trong quý V/2024", "trong tháng 13/2024",
    "thứ Năm hằng tuần, trước 25h99", "ngày 32 hằng tháng", "hằng quý", "định kỳ 6 tháng", "hằng năm",
    "trong thời hạn 999 ngày làm việc kể từ ngày ký", "ngày 0 tháng 0 năm 0000", "BAN DÂN VẬN 03-07-2024 10:49:40 +07:00",
    "Quy định số 213-QĐ/TW ngày 02/01/2020 của Bộ Chính trị", "(b/c)", "(p/h)", "./.", ":", "\n", "\n\n", "\t", " ",
    "Đối với UBND xã:", "Phòng Y tế:", "UBND huyện", "các đơn vị", "Ban Thường trực", "thành ủy", "và ", ", ",
    "chịu trách nhiệm", "kính trình ", "Trân trọng kính mời: ", "Thời gian: lúc 7 giờ 30, ngày 20/3/2024",
]
texts = st.one_of(
    st.text(max_size=400),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=60).map("".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=80).map("\n".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_never_crashes_and_is_schema_valid(text):
    start = time.perf_counter()
    result = parse_letter(text)
    elapsed = time.perf_counter() - start
    errors = list(VALIDATOR.iter_errors(result))
    assert not errors, errors[0].message
    assert not ERRORS.records, ERRORS.records[-1].getMessage()
    assert elapsed < 1.0, f"{elapsed:.2f}s"


def test_long_input_is_fast():
    """A pathological page: one very long line of organ words and separators."""
    text = ("UBND HUYỆN X, " * 3000) + "\n" + ("- " * 5000) + "\n" + ("Số 1/" * 2000)
    start = time.perf_counter()
    parse_letter(text)
    assert time.perf_counter() - start < 5.0
