"""Table-driven tests for the parse helpers: number-symbols, dates, deadlines, RRULEs, headers."""
from __future__ import annotations

from datetime import date

import pytest

from nlp.parse.addressees import parse_recipients, parse_tail, purpose_of
from nlp.parse.dates import add_working_days, find_deadlines, find_recurrences, parse_date
from nlp.parse import parse_letter
from nlp.parse.header import clean_subject, compose_issuer, match_title, parse_place_date, split_columns
from nlp.parse.people import collaborators, explicit_assignees, same_entity
from nlp.parse.tasks import canonical, split_blocks
from nlp.parse.places import repair_place_names
from nlp.parse.references import find_references
from nlp.parse.symbols import parse_number_symbol
from nlp.parse.text import sentence_case

LETTER_DAY = date(2024, 3, 5)  # a Tuesday

NUMBER_SYMBOLS = [
    # text, number, symbol, number_symbol, type code
    ("Số: 15/QĐ-BNV", "15", "QĐ-BNV", "15/QĐ-BNV", "QĐ"),
    ("Số: 06/2024/QĐ-UBND", "06", "QĐ-UBND", "06/2024/QĐ-UBND", "QĐ"),
    ("Số 01-KH/BDV", "01", "KH/BDV", "01-KH/BDV", "KH"),
    ("Số: 1987/MTTQ-BTT", "1987", "MTTQ-BTT", "1987/MTTQ-BTT", None),
    ("S6: 12 / UBND - VX", "12", "UBND-VX", "12/UBND-VX", None),
    ("Sô: 05/CTr-UBND", "05", "CTr-UBND", "05/CTr-UBND", "CTr"),
    ("Số: 05/CT-UBND", "05", "CT-UBND", "05/CT-UBND", "CT"),
    ("Số: 03/QyĐ-BCH", "03", "QyĐ-BCH", "03/QyĐ-BCH", "QyĐ"),
    ("Số: 11/DA-UBND", "11", "DA-UBND", "11/DA-UBND", "DA"),
    ("Số: 12/ĐA-UBND", "12", "ĐA-UBND", "12/ĐA-UBND", "ĐA"),
    ("Quy định số 213-QD/TW", "213", "QĐ/TW", "213-QĐ/TW", "QĐ"),
    ("Nghị định số 30/2020/NĐ-CP", "30", "NĐ-CP", "30/2020/NĐ-CP", "NĐ"),
    ("Số 125-CV/HU", "125", "CV/HU", "125-CV/HU", "CV"),
    ("Luật số 12/2017/QH14", "12", "QH14", "12/2017/QH14", None),
    ("Số: 1987/MTTQ—BTT", "1987", "MTTQ-BTT", "1987/MTTQ-BTT", None),
    ("Số: 45/TB-SGDDT", "45", "TB-SGDĐT", "45/TB-SGDĐT", "TB"),
    ("số 512/UBND-LDTBXH", "512", "UBND-LĐTBXH", "512/UBND-LĐTBXH", None),
]


@pytest.mark.parametrize("text,number,symbol,full,code", NUMBER_SYMBOLS)
def test_number_symbol(text, number, symbol, full, code):
    ns = parse_number_symbol(text)
    assert (ns.number, ns.symbol, ns.number_symbol, ns.type_code) == (number, symbol, full, code)


@pytest.mark.parametrize("text,doc_type", [("Số 05-TT/TU", "Thông tri"), ("Số: 05/2024/TT-BNV", "Thông tư"),
                                           ("Số: 12/CTr-UBND", "Chương trình"), ("Số: 12/CT-UBND", "Chỉ thị"),
                                           ("Số 07-QĐ/TU", "Quyết định"), ("Số: 12/UBND-VP", None)])
def test_type_code_reading(text, doc_type):
    assert parse_number_symbol(text).doc_type == doc_type


@pytest.mark.parametrize("text", ["Covid-19", "ngày 02/01/2020", "10.423/12.431 Tổ", "5K"])
def test_not_a_number_symbol(text):
    assert parse_number_symbol(text) is None


DATES = [
    ("ngày 02/01/2020", None, date(2020, 1, 2)),
    ("ngày 15 tháng 12 năm 2024", None, date(2024, 12, 15)),
    ("ngày 8-2-2022", None, date(2022, 2, 8)),
    ("30/6", LETTER_DAY, date(2024, 6, 30)),
    ("ngày 10/01", date(2024, 12, 20), date(2025, 1, 10)),
    ("ngày 31/02/2024", None, None),
]


@pytest.mark.parametrize("text,anchor,expected", DATES)
def test_parse_date(text, anchor, expected):
    assert parse_date(text, anchor) == expected


DEADLINES = [
    # sentence, expected ISO date, expected deadline_text, due time
    ("báo cáo kết quả trước ngày 08/02/2022.", "2022-02-08", "trước ngày 08/02/2022", None),
    ("hoàn thành chậm nhất ngày 15 tháng 12 năm 2024", "2024-12-15", "chậm nhất ngày 15 tháng 12 năm 2024", None),
    ("trước ngày 15 tháng 12 năm 2024", "2024-12-15", "trước ngày 15 tháng 12 năm 2024", None),
    ("thực hiện đến hết ngày 31/5/2024", "2024-05-31", "đến hết ngày 31/5/2024", None),
    ("hoàn thành trong tháng 12/2024", "2024-12-31", "trong tháng 12/2024", None),
    ("hoàn thành trong tháng 2 năm 2024", "2024-02-29", "trong tháng 2 năm 2024", None),
    ("triển khai trong quý II/2024", "2024-06-30", "trong quý II/2024", None),
    ("triển khai trong quý 4 năm 2024", "2024-12-31", "trong quý 4 năm 2024", None),
    ("gửi về Phòng trước 30/6", "2024-06-30", "trước 30/6", None),
    ("trong thời hạn 10 ngày làm việc kể từ ngày 01/03/2024", "2024-03-15", None, None),
    ("trong thời hạn 10 ngày kể từ ngày ký", "2024-03-15", None, None),
    ("trong thời hạn 05 ngày làm việc kể từ ngày nhận được văn bản này", "2024-03-12", None, None),
    ("trong thời hạn 15 (mười lăm) ngày làm việc kể từ ngày ban hành quyết định", "2024-03-26", None, None),
    ("hoàn thành trong thời hạn 03 tháng kể từ ngày ký", "2024-06-05", None, None),
    ("gửi trước 16 giờ 00 ngày 12/3/2024", "2024-03-12", None, "16:00"),
    ("Thời gian thực hiện: Quý III/2024", "2024-09-30", "Quý III/2024", None),
    ("Thời gian hoàn thành: trước ngày 20/4/2024", "2024-04-20", "trước ngày 20/4/2024", None),
    ("hoàn thành trong năm 2024", "2024-12-31", "trong năm 2024", None),
    ("hoàn thành chậm nhất đến ngày 20/11/2024", "2024-11-20", "chậm nhất đến ngày 20/11/2024", None),
    ("Hạn cuối: 20/11/2024", "2024-11-20", "20/11/2024", None),
    ("hoàn thành cuối tháng 11/2024", "2024-11-30", "cuối tháng 11/2024", None),
    ("trước 17 giờ 00 phút, ngày 20/11/2024", "2024-11-20", None, "17:00"),
    ("Tháng 5/2024: tổ chức hội nghị sơ kết", "2024-05-31", "Tháng 5/2024", None),
    ("Quý III: kiểm tra việc thực hiện", "2024-09-30", "Quý III", None),
]


@pytest.mark.parametrize("sentence,iso,phrase,due", DEADLINES)
def test_deadlines(sentence, iso, phrase, due):
    found = find_deadlines(sentence, LETTER_DAY)
    assert len(found) == 1, found
    assert found[0].date.isoformat() == iso
    if phrase:
        assert found[0].text == phrase
    assert found[0].due_time == due


@pytest.mark.parametrize("sentence", [
    "số liệu tính đến ngày 15/11/2024",
    "Quy định số 213-QĐ/TW ngày 02/01/2020 của Bộ Chính trị",
    "trước ngày 15 hằng tháng",
    "Ngày 29/3/2024, Giám đốc Sở chủ trì cuộc họp",
    "báo cáo 6 tháng đầu năm 2024",
    "số liệu báo cáo tính từ ngày 01/01/2024 đến ngày 30/6/2024",
    "trong thời hạn 10 ngày kể từ ngày nhận đủ hồ sơ hợp lệ",
    "báo cáo kết quả trong 6 tháng đầu năm",
    "sau 5 ngày",
])
def test_no_deadline(sentence):
    assert find_deadlines(sentence, LETTER_DAY) == []


def test_working_days_skip_weekends():
    assert add_working_days(date(2024, 5, 10), 5) == date(2024, 5, 17)   # Friday + 5 working days
    assert add_working_days(date(2024, 3, 1), 1) == date(2024, 3, 4)     # Friday -> Monday


RULES = [
    ("gửi báo cáo vào thứ Năm hằng tuần, trước 14h00", "FREQ=WEEKLY;BYDAY=TH", "14:00"),
    ("báo cáo hằng tuần vào thứ Sáu", "FREQ=WEEKLY;BYDAY=FR", None),
    ("vào thứ 2 hàng tuần", "FREQ=WEEKLY;BYDAY=MO", None),
    ("họp giao ban hằng tuần", "FREQ=WEEKLY", None),
    ("báo cáo ngày 15 hằng tháng", "FREQ=MONTHLY;BYMONTHDAY=15", None),
    ("cập nhật hằng tháng, trước ngày 25", "FREQ=MONTHLY;BYMONTHDAY=25", None),
    ("mỗi tháng ra quân ít nhất một lần", "FREQ=MONTHLY", None),
    ("báo cáo hàng tháng", "FREQ=MONTHLY", None),
    ("báo cáo định kỳ hằng quý", "FREQ=MONTHLY;INTERVAL=3", None),
    ("trước ngày 20 của tháng cuối quý", "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=20", None),
    ("định kỳ 6 tháng báo cáo", "FREQ=MONTHLY;INTERVAL=6", None),
    ("sáu tháng một lần", "FREQ=MONTHLY;INTERVAL=6", None),
    ("tổ chức diễn tập hằng năm", "FREQ=YEARLY", None),
    ("trước ngày 15/12 hằng năm", "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15", None),
    ("cập nhật hằng ngày", "FREQ=DAILY", None),
    ("trước ngày 20 tháng 6 hằng năm", "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=20", None),
]


@pytest.mark.parametrize("sentence,rules", [
    ("Định kỳ hằng quý, năm hoặc đột xuất báo cáo", ["FREQ=MONTHLY;INTERVAL=3", "FREQ=YEARLY"]),
    ("báo cáo định kỳ 6 tháng, năm", ["FREQ=MONTHLY;INTERVAL=6", "FREQ=YEARLY"]),
    ("báo cáo hằng tháng, quý và năm", ["FREQ=MONTHLY", "FREQ=MONTHLY;INTERVAL=3", "FREQ=YEARLY"]),
    ("hằng quý, năm 2024 tổ chức", ["FREQ=MONTHLY;INTERVAL=3"]),
])
def test_enumerated_recurrences(sentence, rules):
    assert [r.rule for r in find_recurrences(sentence)] == rules


@pytest.mark.parametrize("sentence,rule,due", RULES)
def test_recurrences(sentence, rule, due):
    found = find_recurrences(sentence)
    assert [r.rule for r in found] == [rule]
    assert found[0].due_time == due


@pytest.mark.parametrize("sentence", ["định kỳ báo cáo Thường trực Huyện ủy", "báo cáo sơ kết 6 tháng đầu năm",
                                      "kế hoạch năm 2024"])
def test_no_recurrence(sentence):
    assert find_recurrences(sentence) == []


SPLITS = [
    ("UBND HUYỆN TÂN HIỆP CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "UBND HUYỆN TÂN HIỆP", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("TỈNH ĐỒNG THÁP Độc lập - Tự do - Hạnh phúc", "TỈNH ĐỒNG THÁP", "Độc lập - Tự do - Hạnh phúc"),
    ("ĐẢNG BỘ TỈNH ĐỒNG THÁP ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ TỈNH ĐỒNG THÁP", "ĐẢNG CỘNG SẢN VIỆT NAM"),
    ("BAN THƯỜNG TRỰC Đồng Tháp, ngày 20 tháng 4 năm 2023", "BAN THƯỜNG TRỰC", "Đồng Tháp, ngày 20 tháng 4 năm 2023"),
    ("UY BAN MAT TRAN CONG HOA XA HQI CHU NGHIA VIET NAM", "UY BAN MAT TRAN", "CONG HOA XA HQI CHU NGHIA VIET NAM"),
    ("HUYỆN ỦY CAO LÃNH", "HUYỆN ỦY CAO LÃNH", ""),
]


@pytest.mark.parametrize("line,left,right", SPLITS)
def test_split_columns(line, left, right):
    assert split_columns(line) == (left, right)


@pytest.mark.parametrize("text,place,iso", [
    ("Đồng Tháp, ngày 20 tháng 4 năm 2023", "Đồng Tháp", "2023-04-20"),
    ("Long Khánh, ngày   24   tháng  01  năm 2022", "Long Khánh", "2022-01-24"),
    ("TP. Hồ Chí Minh, ngày 5 tháng 3 năm 2024", "TP. Hồ Chí Minh", "2024-03-05"),
    ("ngày 5 tháng 3 năm 2024", None, "2024-03-05"),
])
def test_place_date(text, place, iso):
    p, d = parse_place_date(text)
    assert p == place and d.isoformat() == iso


@pytest.mark.parametrize("text", ["Căn cứ Luật Giá ngày 19 tháng 6 năm 2023 của Quốc hội;",
                                  "Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015 về việc"])
def test_citation_date_is_not_a_letter_date(text):
    assert parse_place_date(text) == (None, None)


@pytest.mark.parametrize("line,title", [("KẾ HOẠCH", "Kế hoạch"), ("K Ế H O Ạ C H", "Kế hoạch"),
                                        ("QUYET DINH", "Quyết định"), ("GIẤY MỜI", "Giấy mời"),
                                        ("PHÒNG TÀI CHÍNH - KẾ HOẠCH", None), ("Kế hoạch số 12", None)])
def test_title_line(line, title):
    found = match_title(line)
    assert (found[0] if found else None) == title


@pytest.mark.parametrize("line,kind,ref", [
    ("1/- Tiến hành rà soát", "num", "1"), ("l/- Chỉ đạo Ban Công tác", "num", "1"), ("3.2.1 Xây dựng kế hoạch", "num", "3.2.1"),
    ("2. UBND huyện chỉ đạo", "num", "2"), ("II. TỔ CHỨC THỰC HIỆN", "roman", "II"), ("đ) Các đơn vị", "letter", "đ"),
    ("- Như trên", "dash", "-"), ("Điều 3. Chánh Văn phòng", "article", "3"), ("Thứ hai, rà soát", "num", "2"),
    ("2022 có 10.423/12.431 Tổ", "para", None), ("Thứ Năm hằng tuần họp", "para", None), ("30/6 là hạn", "para", None),
])
def test_item_markers(line, kind, ref):
    block = split_blocks([line])[0]
    assert (block.kind, block.ref) == (kind, ref)


def test_header_with_motto_wrapped_and_merged_columns():
    lines = ["ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "HUYỆN TÂN HIỆP Độc lập - Tự do -", "Hạnh phúc",
             "PHÒNG NỘI VỤ", "Số: 12/NV-TH Tân Hiệp, ngày 5 tháng 3 năm 2024", "V/v họp giao ban", "Kính gửi: UBND các xã."]
    got = parse_letter("\n".join(lines))
    assert (got["issuer"], got["number_symbol"], got["place"], got["date"], got["subject"], got["doc_type"]) == (
        "Phòng Nội vụ Ủy ban nhân dân huyện Tân Hiệp", "12/NV-TH", "Tân Hiệp", "2024-03-05", "họp giao ban", "Công văn")


def test_unnumbered_assignee_labels():
    """GIVEN "Tổ chức thực hiện" with unnumbered "Org:" labels over dash duties
    WHEN parsed THEN each duty goes to the label above it, and "MỤC ĐÍCH, YÊU CẦU" yields nothing."""
    text = "\n".join([
        "Số: 21/KH-VHTT", "Thanh Bình, ngày 02 tháng 4 năm 2024", "", "KẾ HOẠCH", "Tuyên truyền bầu cử năm 2024", "",
        "I. MỤC ĐÍCH, YÊU CẦU", "- Tuyên truyền sâu rộng, hoàn thành trước ngày 30/4/2024.", "",
        "II. TỔ CHỨC THỰC HIỆN", "Trung tâm Văn hóa - Thể thao huyện:",
        "- Treo băng rôn, khẩu hiệu trước ngày 20/4/2024.", "- Tổ chức xe loa tuyên truyền hằng tuần.",
        "UBND các xã, thị trấn:", "- Tuyên truyền trên hệ thống truyền thanh cơ sở.",
        "Đài Truyền thanh huyện: phát sóng chuyên mục trong tháng 5/2024."])
    tasks = [(t["assignees"], t["deadline"], t["recurrence"]) for t in parse_letter(text)["tasks"]]
    assert tasks == [(["Trung tâm Văn hóa - Thể thao huyện"], "2024-04-20", None),
                     (["Trung tâm Văn hóa - Thể thao huyện"], None, "FREQ=WEEKLY"),
                     (["UBND các xã, thị trấn"], None, None),
                     (["Đài Truyền thanh huyện"], "2024-05-31", None)]


def test_vv_line_makes_a_cong_van_whatever_the_symbol():
    text = "BỘ TÀI CHÍNH\nCỤC THUẾ\nSố: 5330/CT-CS\nV/v chính sách thuế TNCN\nHà Nội, ngày 19 tháng 11 năm 2025\nKính gửi: Thuế tỉnh Gia Lai."
    got = parse_letter(text)
    assert (got["doc_type"], got["number_symbol"], got["place"], got["date"]) == ("Công văn", "5330/CT-CS", "Hà Nội", "2025-11-19")
    assert got["issuer"] == "Cục Thuế Bộ Tài chính"


@pytest.mark.parametrize("lines,issuer", [
    (["ỦY BAN MẶT TRẬN TỔ QUỐC VN", "TỈNH ĐỒNG THÁP", "BAN THƯỜNG TRỰC"],
     "Ban Thường trực Ủy ban Mặt trận Tổ quốc VN tỉnh Đồng Tháp"),
    (["ĐẢNG BỘ TỈNH ĐỒNG THÁP", "BAN DÂN VẬN TỈNH ỦY"], "Ban Dân vận Tỉnh ủy Đồng Tháp"),
    (["ĐẢNG BỘ TỈNH ĐỒNG THÁP", "HUYỆN ỦY CAO LÃNH"], "Huyện ủy Cao Lãnh"),
    (["UBND HUYỆN LAI VUNG", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"], "Phòng Tài chính - Kế hoạch UBND huyện Lai Vung"),
    (["ỦY BAN NHÂN DÂN", "TỈNH VĨNH LONG"], "Ủy ban nhân dân tỉnh Vĩnh Long"),
    (["ĐẢNG BỘ TỈNH ĐỒNG THÁP", "HUYỆN ỦY THANH BÌNH", "VĂN PHÒNG"], "Văn phòng Huyện ủy Thanh Bình"),
    (["TỈNH ỦY ĐỒNG THÁP", "BAN TUYÊN GIÁO"], "Ban Tuyên giáo Tỉnh ủy Đồng Tháp"),
])
def test_compose_issuer(lines, issuer):
    assert compose_issuer(lines) == issuer


@pytest.mark.parametrize("line,fixed", [
    ("HUYỆN ỦY TẮM NÓNG ĐẢNG CỘNG SẢN VIỆT NAM", "HUYỆN ỦY TAM NÔNG ĐẢNG CỘNG SẢN VIỆT NAM"),
    ("S6: 412/MTTQ-BTT Cao Lanh, ngày 09 tháng 10 năm 2023", "S6: 412/MTTQ-BTT Cao Lãnh, ngày 09 tháng 10 năm 2023"),
    ("UBND huyện Châu Thành tỉnh Đồng Tháp", "UBND huyện Châu Thành tỉnh Đồng Tháp"),
    ("ỦY BAN NHÂN DÂN XÃ TÂN HOÀ", "ỦY BAN NHÂN DÂN XÃ TÂN HOÀ"),
    ("Ban Thường trực các xã, thị trấn.", "Ban Thường trực các xã, thị trấn."),
])
def test_repair_place_names(line, fixed):
    assert repair_place_names(line) == fixed


@pytest.mark.parametrize("lines,subject", [
    (["Về việc phối hợp nâng cao chất lượng", "hoạt động “Ngày đại đoàn kết”"], "phối hợp nâng cao chất lượng hoạt động “Ngày đại đoàn kết”"),
    (["V/v thực hiện Thông báo số 161-TB/TU"], "thực hiện Thông báo số 161-TB/TU"),
    (["Vlv họp giao ban"], "họp giao ban"),
    (["Vé viée phối hợp"], "phối hợp"),
    (["VỀ VIỆC TỔ CHỨC HỘI NGHỊ NĂM 2024"], "Tổ chức hội nghị năm 2024"),
    (["Về tăng cường công tác phòng, chống thiên tai"], "tăng cường công tác phòng, chống thiên tai"),
])
def test_subject_without_vv(lines, subject):
    assert clean_subject(lines) == subject


def test_sentence_case_keeps_acronyms():
    assert sentence_case("BAN THƯỜNG TRỰC ỦY BAN MTTQ VIỆT NAM THÀNH PHỐ LONG KHÁNH") == \
        "Ban Thường trực Ủy ban MTTQ Việt Nam thành phố Long Khánh"


@pytest.mark.parametrize("item,purpose", [
    ("- UBND tỉnh (b/c);", "báo cáo"), ("- UBND các huyện (p/h);", "phối hợp"),
    ("- Ban Tuyên giáo (để biết);", "để biết"), ("- BTT UB MTTQ VN Tỉnh (biết);", "để biết"),
    ("- Các phòng (t/h);", "thực hiện"), ("- Các xã (c/đ);", "chỉ đạo"), ("- Lưu: VT, VP.", "lưu"),
    ("- Như trên;", None), ("- UBND tỉnh (để báo cáo);", "báo cáo"),
])
def test_distribution_purpose(item, purpose):
    assert purpose_of(item) == purpose


def test_distribution_items_without_dashes():
    tail = parse_tail(["Nơi nhận:", "Như trên;", "• UBND tỉnh (b/c);", "- Lưu: VT.", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH",
                       "Nguyễn Văn An"], 0)
    assert [(d["to"], d["purpose"]) for d in tail.distribution] == [("Như trên", None), ("UBND tỉnh", "báo cáo"),
                                                                     ("Lưu: VT", "lưu")]
    assert tail.signer_lines == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn An"]


def test_distribution_split_from_signer_column():
    lines = ["Nơi nhận: KT. CHỦ TỊCH", "- Như trên; PHÓ CHỦ TỊCH", "- UBND tỉnh (b/c);", "- Lưu: VT, VP. Nguyễn Văn An"]
    tail = parse_tail(lines, 0)
    assert [d["to"] for d in tail.distribution] == ["Như trên", "UBND tỉnh", "Lưu: VT, VP"]
    assert tail.signer_lines == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"]


@pytest.mark.parametrize("lines,expected", [
    (["Kính gửi: Ban Thường trực Ủy ban MTTQ Việt Nam", "các huyện, thành phố.", "", "Qua hơn hai năm"],
     ["Ban Thường trực Ủy ban MTTQ Việt Nam các huyện, thành phố"]),
    (["Kính gửi: - Ủy ban MTTQ Việt Nam huyện", "và các đoàn thể chính trị huyện,", "- Cấp ủy các xã, thị trấn.", "",
      "Thời gian qua"], ["Ủy ban MTTQ Việt Nam huyện và các đoàn thể chính trị huyện", "Cấp ủy các xã, thị trấn"]),
    (["Kính gửi:", "Phòng Nội vụ;", "Phòng Tài chính - Kế hoạch.", "Thực hiện Công văn"],
     ["Phòng Nội vụ", "Phòng Tài chính - Kế hoạch"]),
    (["Kính gửi: Sở Y tế, Sở Tài chính.", ""], ["Sở Y tế", "Sở Tài chính"]),
    (["Kính gởi: Ban Thường trực UBMTTQVN các xã, phường.", ""], ["Ban Thường trực UBMTTQVN các xã, phường"]),
    (["Kinh giri - Cấp ủy các xã, thị trấn.", ""], ["Cấp ủy các xã, thị trấn"]),
    (["Kính gửi: UBND các huyện, thị xã, thành phố.", ""], ["UBND các huyện, thị xã, thành phố"]),
])
def test_recipients(lines, expected):
    assert parse_recipients(lines, 0)[0] == expected


@pytest.mark.parametrize("sentence,assignees", [
    ("Giao đ/c Muối tổng hợp, báo cáo trước ngày 11/02/2022.", ["đ/c Muối"]),
    ("UBND huyện chỉ đạo các ban, ngành thực hiện.", ["UBND huyện"]),
    ("Giám đốc các sở, ban, ngành tỉnh rà soát phương án.", ["Giám đốc các sở, ban, ngành tỉnh"]),
    ("Đề nghị Đảng đoàn Mặt trận Tổ quốc và các đoàn thể chính trị - xã hội tỉnh chỉ đạo tuyên truyền.",
     ["Đảng đoàn Mặt trận Tổ quốc", "các đoàn thể chính trị - xã hội tỉnh"]),
    ("Phòng Văn hóa và Thông tin: chủ trì tổ chức tuyên truyền.", ["Phòng Văn hóa và Thông tin"]),
    ("Tổ chức hội nghị sơ kết.", []),
    ("Phòng, chống dịch bệnh trên địa bàn.", []),
    ("Thực hiện tại hội nghị giao ban khối dân vận năm 2021.", []),
    ("Giao nhiệm vụ cho Phòng Y tế huyện theo dõi, tổng hợp.", ["Phòng Y tế huyện"]),
    ("Phòng Tài chính - Kế hoạch kinh trình UBND huyện xem xét, phê duyệt.", ["UBND huyện"]),
    ("Ban Tuyên giáo Huyện ủy thực hiện tuyên truyền.", ["Ban Tuyên giáo Huyện ủy"]),
    ("Các tổ chức chính trị - xã hội xã:", ["Các tổ chức chính trị - xã hội xã"]),
    ("Các trường hợp bất khả kháng được xử lý theo quy định.", []),
    ("Đoàn kiểm tra liên ngành kiểm tra các cơ sở.", ["Đoàn kiểm tra liên ngành"]),
    ("Tổ công tác có nhiệm vụ rà soát thủ tục.", ["Tổ công tác"]),
    ("Trưởng Khoa X là Phó Chủ tịch Hội đồng.", []),
    ("Bộ hồ sơ gốc được lưu tại Văn phòng.", []),
])
def test_explicit_assignees(sentence, assignees):
    assert explicit_assignees(sentence)[0] == assignees


@pytest.mark.parametrize("a,b,same", [
    ("Ban Thường trực Ủy ban MTTQ Việt Nam các xã, phường", "Ban Thường trực UBMTTQVN các xã, phường", True),
    ("UBND huyện", "Ủy ban nhân dân huyện Châu Thành", True),
    ("Cấp ủy céc x3, thị trấn", "Cấp ủy các xã, thị trấn", True),
    ("UBND các xã", "UBND các huyện", False),
    ("UBND tỉnh", "UBND huyện", False),
    ("Phòng Nội vụ", "Phòng Tư pháp", False),
])
def test_same_entity(a, b, same):
    assert same_entity(a, b) is same


def test_generic_assignee_means_the_addressees():
    assert canonical(["các đơn vị"], [], ["UBND các xã", "Phòng Y tế"]) == ["UBND các xã", "Phòng Y tế"]
    assert canonical(["các đồng chí được mời"], [], ["Bí thư các chi bộ"]) == ["Bí thư các chi bộ"]


def test_recipient_block_ends_at_a_capitalised_body_line():
    lines = ["Kính gửi: Ủy ban nhân dân các xã, thị trấn", "Ban Thường trực Ủy ban MTTQ Việt Nam huyện đề nghị"]
    assert parse_recipients(lines, 0)[0] == ["Ủy ban nhân dân các xã, thị trấn"]


def test_collaborators():
    assert collaborators("Phối hợp với Ủy ban nhân dân các huyện, thành phố tiếp tục quan tâm chỉ đạo") == \
        ["Ủy ban nhân dân các huyện, thành phố"]


def test_references_keep_type_date_issuer():
    text = ("Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư; "
            "theo chỉ đạo của Ban Thường vụ Tỉnh ủy tại Chỉ thị số 19-CT/TU ngày 14/02/2017 để phục vụ")
    refs = find_references(text)
    assert refs == [
        {"number_symbol": "30/2020/NĐ-CP", "type": "Nghị định", "date": "2020-03-05", "issuer": "Chính phủ"},
        {"number_symbol": "19-CT/TU", "type": "Chỉ thị", "date": "2017-02-14", "issuer": "Ban Thường vụ Tỉnh ủy"},
    ]


def test_references_skip_own_number():
    assert find_references("Số: 12/UBND-VP\nThực hiện Công văn số 12/UBND-VP", own="12/UBND-VP") == []
