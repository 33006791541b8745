"""Synthetic Vietnamese official letters for the search bench and the relevance fixtures.

Each letter has a real-looking header (issuer, "Số: 123/UBND-VP", place and date, "V/v …",
"Kính gửi: …"), a topic-specific opening, body paragraphs drawn from ../shared/data/vi-text
(administrative and legal register), numbered tasks with assignees and deadlines, references to
earlier letters and to well-known documents, "Nơi nhận" and a signer. The topic of each letter is
known, which labels the relevance set by construction.

    python bench/synthletters.py --docs 5 --seed 1        # print 5 letters as JSON lines

Deterministic for a given seed. Reads only ../shared/data (never needed by the running service).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import lzma
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SHARED_TEXT = Path(__file__).resolve().parents[2] / "shared" / "data" / "vi-text"
if not SHARED_TEXT.exists():  # the repo may sit elsewhere; /work/shared is the usual place
    SHARED_TEXT = Path("/work/shared/data/vi-text")

SOURCES = (("legal-admin-2025.txt.xz", 25_000), ("admin-reports.txt.xz", 3_000), ("legal-phapdien.txt.xz", 40_000))

PROVINCES = [
    "Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Đồng Nai", "Bình Dương", "Long An", "Tiền Giang",
    "Bến Tre", "Vĩnh Long", "Trà Vinh", "Sóc Trăng", "An Giang", "Kiên Giang", "Cà Mau", "Bạc Liêu",
    "Hậu Giang", "Đồng Tháp", "Tây Ninh", "Bình Phước", "Lâm Đồng", "Đắk Lắk", "Đắk Nông", "Gia Lai",
    "Kon Tum", "Khánh Hòa", "Phú Yên", "Bình Định", "Quảng Ngãi", "Quảng Nam", "Thừa Thiên Huế",
    "Quảng Trị", "Quảng Bình", "Hà Tĩnh", "Nghệ An", "Thanh Hóa", "Ninh Bình", "Nam Định", "Thái Bình",
    "Hưng Yên", "Hải Dương", "Bắc Ninh", "Bắc Giang", "Quảng Ninh", "Lạng Sơn", "Cao Bằng", "Hà Giang",
    "Tuyên Quang", "Thái Nguyên", "Phú Thọ", "Vĩnh Phúc", "Yên Bái", "Lào Cai", "Lai Châu", "Điện Biên",
    "Sơn La", "Hòa Bình", "Hà Nam", "Bình Thuận", "Ninh Thuận", "Bà Rịa - Vũng Tàu", "Bắc Kạn",
]

# (issuer lines template, symbol suffix, short issuer used in the parse)
ISSUERS = [
    (["ỦY BAN NHÂN DÂN", "TỈNH {P}"], "UBND-VP", "Ủy ban nhân dân tỉnh {p}"),
    (["ỦY BAN NHÂN DÂN TỈNH {P}", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"], "SGDĐT-VP", "Sở Giáo dục và Đào tạo tỉnh {p}"),
    (["ỦY BAN NHÂN DÂN TỈNH {P}", "SỞ Y TẾ"], "SYT-NVY", "Sở Y tế tỉnh {p}"),
    (["ỦY BAN NHÂN DÂN TỈNH {P}", "SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"], "STNMT-VP", "Sở Tài nguyên và Môi trường tỉnh {p}"),
    (["ỦY BAN MẶT TRẬN TỔ QUỐC VIỆT NAM", "TỈNH {P}", "BAN THƯỜNG TRỰC"], "MTTQ-BTT", "Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh {p}"),
    (["TỈNH ỦY {P}", "BAN DÂN VẬN"], "BDVTU", "Ban Dân vận Tỉnh ủy {p}"),
    (["ỦY BAN NHÂN DÂN TỈNH {P}", "SỞ NÔNG NGHIỆP VÀ PTNT"], "SNN-KH", "Sở Nông nghiệp và Phát triển nông thôn tỉnh {p}"),
    (["CÔNG AN TỈNH {P}"], "CAT-PV01", "Công an tỉnh {p}"),
    (["ỦY BAN NHÂN DÂN TỈNH {P}", "SỞ NỘI VỤ"], "SNV-CCHC", "Sở Nội vụ tỉnh {p}"),
]

# doc type, code in the symbol ("" = công văn: no code), share
DOC_TYPES = [("Công văn", "", 0.55), ("Kế hoạch", "KH", 0.12), ("Thông báo", "TB", 0.1), ("Quyết định", "QĐ", 0.08),
             ("Báo cáo", "BC", 0.08), ("Hướng dẫn", "HD", 0.04), ("Tờ trình", "TTr", 0.03)]

# topic: (subject, opening sentence) — the opening carries the topic's words into the body.
TOPICS = [
    ("phòng, chống dịch sốt xuất huyết", "Tình hình dịch sốt xuất huyết trên địa bàn có chiều hướng gia tăng, số ca mắc tăng so với cùng kỳ."),
    ("tăng cường công tác phòng cháy, chữa cháy mùa khô", "Mùa khô năm nay nắng nóng kéo dài, nguy cơ cháy rừng và cháy nhà dân rất cao; công tác phòng cháy, chữa cháy cần được tăng cường."),
    ("triển khai cuộc vận động xây dựng nông thôn mới", "Cuộc vận động toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh đã đạt nhiều kết quả."),
    ("đẩy mạnh cải cách hành chính và chuyển đổi số", "Cải cách hành chính gắn với chuyển đổi số là nhiệm vụ trọng tâm; dịch vụ công trực tuyến toàn trình cần được mở rộng."),
    ("tổ chức kỳ thi tốt nghiệp trung học phổ thông", "Kỳ thi tốt nghiệp trung học phổ thông năm nay được tổ chức nghiêm túc, an toàn, đúng quy chế."),
    ("phòng, chống bão lũ và tìm kiếm cứu nạn", "Dự báo mùa mưa bão năm nay diễn biến phức tạp; công tác phòng, chống thiên tai và tìm kiếm cứu nạn phải sẵn sàng."),
    ("quản lý đất đai và cấp giấy chứng nhận quyền sử dụng đất", "Việc cấp giấy chứng nhận quyền sử dụng đất lần đầu còn chậm, hồ sơ tồn đọng nhiều."),
    ("bảo đảm trật tự an toàn giao thông dịp Tết Nguyên đán", "Dịp Tết Nguyên đán nhu cầu đi lại tăng cao; cần bảo đảm trật tự an toàn giao thông, kiềm chế tai nạn giao thông."),
    ("vận động ủng hộ Quỹ Vì người nghèo", "Hưởng ứng tháng cao điểm Vì người nghèo, các cơ quan, đơn vị vận động cán bộ, đoàn viên, hội viên ủng hộ Quỹ Vì người nghèo."),
    ("tiêm chủng mở rộng cho trẻ em", "Tỷ lệ tiêm chủng mở rộng cho trẻ em dưới một tuổi chưa đạt kế hoạch; cần rà soát đối tượng tiêm bổ sung vắc xin."),
    ("bảo vệ môi trường và thu gom rác thải sinh hoạt", "Tình trạng xả rác thải sinh hoạt không đúng nơi quy định còn phổ biến; việc thu gom, phân loại rác tại nguồn cần được đẩy mạnh."),
    ("thực hiện chính sách bảo hiểm xã hội tự nguyện", "Số người tham gia bảo hiểm xã hội tự nguyện và bảo hiểm y tế hộ gia đình còn thấp so với chỉ tiêu."),
    ("tổ chức Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư", "Ngày hội Đại đoàn kết toàn dân tộc ở khu dân cư là dịp để tôn vinh truyền thống đoàn kết của cộng đồng."),
    ("phòng, chống tham nhũng, tiêu cực", "Công tác phòng, chống tham nhũng, tiêu cực được các cấp ủy lãnh đạo quyết liệt, xử lý nghiêm các vi phạm."),
    ("an toàn vệ sinh thực phẩm tại bếp ăn tập thể", "Một số vụ ngộ độc thực phẩm tại bếp ăn tập thể của trường học và khu công nghiệp đã xảy ra."),
    ("phòng, chống bệnh dịch tả lợn châu Phi", "Bệnh dịch tả lợn châu Phi tái phát tại một số hộ chăn nuôi; cần tiêu hủy lợn bệnh và khử trùng chuồng trại."),
    ("tuyển chọn và gọi công dân nhập ngũ", "Công tác tuyển chọn và gọi công dân nhập ngũ phải bảo đảm công khai, dân chủ, đúng luật Nghĩa vụ quân sự."),
    ("hỗ trợ xóa nhà tạm, nhà dột nát cho hộ nghèo", "Chương trình xóa nhà tạm, nhà dột nát cho hộ nghèo, hộ cận nghèo được triển khai với sự chung tay của cộng đồng."),
    ("quản lý hoạt động khai thác cát trái phép trên sông", "Tình trạng khai thác cát trái phép trên sông gây sạt lở bờ sông, ảnh hưởng đến đời sống người dân."),
    ("kiểm tra hoạt động kinh doanh xăng dầu", "Đợt kiểm tra hoạt động kinh doanh xăng dầu phát hiện một số cửa hàng vi phạm về đo lường và niêm yết giá."),
    ("lấy ý kiến nhân dân về dự thảo sửa đổi Hiến pháp", "Việc lấy ý kiến nhân dân về dự thảo sửa đổi, bổ sung Hiến pháp cần được tổ chức rộng rãi, thực chất."),
    ("giám sát việc thu, chi các khoản đóng góp trong trường học", "Phản ánh của phụ huynh về việc lạm thu các khoản đóng góp đầu năm học trong trường học cần được giám sát chặt chẽ."),
    ("phát triển du lịch cộng đồng gắn với bảo tồn di sản", "Du lịch cộng đồng gắn với bảo tồn di sản văn hóa là hướng đi bền vững cho các thôn, bản."),
    ("ứng dụng căn cước công dân gắn chip và định danh điện tử", "Việc cấp căn cước công dân gắn chip và kích hoạt tài khoản định danh điện tử mức độ 2 phải hoàn thành đúng tiến độ."),
    ("thu hút đầu tư vào các khu công nghiệp", "Thu hút đầu tư vào các khu công nghiệp cần gắn với bảo đảm hạ tầng, lao động và bảo vệ môi trường."),
]

WELL_KNOWN_REFS = [
    ("213-QĐ/TW", "Quy định", "2020-01-02", "Bộ Chính trị"),
    ("30/2020/NĐ-CP", "Nghị định", "2020-03-05", "Chính phủ"),
    ("05-CT/TW", "Chỉ thị", "2016-05-15", "Bộ Chính trị"),
    ("18-NQ/TW", "Nghị quyết", "2017-10-25", "Ban Chấp hành Trung ương"),
    ("1665/QĐ-TTg", "Quyết định", "2017-10-30", "Thủ tướng Chính phủ"),
]

ASSIGNEES = ["Phòng Giáo dục và Đào tạo", "Ủy ban nhân dân các huyện, thị xã, thành phố", "Công an tỉnh",
             "Sở Tài chính", "Ban Thường trực Ủy ban MTTQ Việt Nam các huyện", "Văn phòng Ủy ban nhân dân tỉnh",
             "Sở Y tế", "Đoàn Thanh niên Cộng sản Hồ Chí Minh", "Hội Liên hiệp Phụ nữ tỉnh", "Sở Nội vụ",
             "Ủy ban nhân dân các xã, phường, thị trấn", "Trung tâm Kiểm soát bệnh tật"]

SIGNERS = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Phạm Minh Tuấn", "Võ Thị Hồng", "Đặng Quốc Huy",
           "Huỳnh Thanh Tùng", "Bùi Thị Lan", "Hồ Văn Phúc", "Ngô Thị Thủy"]

_POOL: list[str] | None = None


def paragraph_pool(max_lines: int | None = None) -> list[str]:
    """Paragraphs of 80–900 characters from the administrative and legal texts."""
    global _POOL
    if _POOL is None:
        pool: list[str] = []
        for name, limit in SOURCES:
            with lzma.open(SHARED_TEXT / name, "rt", encoding="utf-8") as fh:
                for i, line in enumerate(fh):
                    if i >= (max_lines or limit):
                        break
                    line = line.strip()
                    if 80 <= len(line) <= 900:
                        pool.append(line)
        _POOL = pool
    return _POOL


@dataclass
class Letter:
    doc: dict  # the archive.serialize.document_for_index shape
    topic: int


def _date(rng: random.Random) -> dt.date:
    return dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 11))


def _pick_type(rng: random.Random) -> tuple[str, str]:
    r, acc = rng.random(), 0.0
    for name, code, share in DOC_TYPES:
        acc += share
        if r < acc:
            return name, code
    return DOC_TYPES[0][:2]


def generate(n: int, *, seed: int = 1, min_bytes: int = 2000, max_bytes: int = 8000,
             start_id: int = 1, topics: list[int] | None = None,
             cite: list[str] | None = None) -> Iterator[Letter]:
    """``n`` letters, ids from ``start_id``; letters cite earlier ones and well-known documents.

    ``topics`` fixes the topic of each letter (else random); ``cite`` adds numbers that may be cited.
    """
    rng = random.Random(seed)
    pool = paragraph_pool()
    issued: list[str] = list(cite or [])
    used_numbers: set[str] = set()
    for i, doc_id in enumerate(range(start_id, start_id + n)):
        topic = topics[i] if topics else rng.randrange(len(TOPICS))
        subject, opening = TOPICS[topic]
        province = rng.choice(PROVINCES)
        lines_tpl, suffix, issuer_tpl = rng.choice(ISSUERS)
        doc_type, code = _pick_type(rng)
        date = _date(rng)
        while True:
            number = str(rng.randrange(1, 4000))
            symbol = f"{code}-{suffix}" if code else suffix
            if code and rng.random() < 0.3:
                number_symbol = f"{number}/{date.year}/{symbol}"
            else:
                number_symbol = f"{number}/{symbol}"
            if number_symbol not in used_numbers:
                used_numbers.add(number_symbol)
                break
        issuer = issuer_tpl.format(p=province)
        header = [line.format(P=province.upper()) for line in lines_tpl]
        refs: list[str] = []
        if issued and rng.random() < 0.35:
            refs.append(rng.choice(issued[-2000:]))
        if rng.random() < 0.25:
            refs.append(rng.choice(WELL_KNOWN_REFS)[0])
        assignees = rng.sample(ASSIGNEES, k=rng.randint(1, 3))
        recipients = assignees[:2]

        target = rng.randint(min_bytes, max_bytes)
        body: list[str] = [opening]
        for ref in refs:
            body.append(f"Thực hiện văn bản số {ref} về {subject}, {issuer} đề nghị các cơ quan, đơn vị triển khai thực hiện.")
        size = sum(len(p.encode()) for p in body) + 900
        while size < target:
            p = rng.choice(pool)
            body.append(p)
            size += len(p.encode()) + 1
        tasks = []
        task_lines = []
        for k, who in enumerate(assignees, start=1):
            deadline = date + dt.timedelta(days=rng.randrange(7, 120)) if rng.random() < 0.7 else None
            action = f"{who} chủ trì, phối hợp triển khai {subject}" + (
                f", báo cáo kết quả trước ngày {deadline.day:02d}/{deadline.month:02d}/{deadline.year}" if deadline else "")
            task_lines.append(f"{k}. {action}.")
            status = rng.choice(["todo", "todo", "doing", "done"])
            tasks.append({"id": doc_id * 10 + k, "action": action, "assignees": [who], "deadline": deadline,
                          "status": status})
        signer = rng.choice(SIGNERS)
        text = "\n".join([
            *header[:1], *header[1:],
            f"Số: {number_symbol}",
            f"V/v {subject}",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            f"{province}, ngày {date.day:02d} tháng {date.month:02d} năm {date.year}",
            "",
            "Kính gửi: " + ", ".join(recipients) + ".",
            "",
            *body[:3],
            "",
            *task_lines,
            "",
            *body[3:],
            "",
            "Nơi nhận:",
            *[f"- {r};" for r in recipients],
            "- Lưu: VT.",
            "KT. GIÁM ĐỐC" if "Sở" in issuer else "TM. BAN THƯỜNG TRỰC",
            "PHÓ GIÁM ĐỐC" if "Sở" in issuer else "PHÓ CHỦ TỊCH",
            signer,
        ])
        issued.append(number_symbol)
        doc = {
            "id": doc_id,
            "number_symbol": number_symbol,
            "number": number,
            "symbol": number_symbol.split("/", 1)[1],
            "doc_type": doc_type,
            "issuer": issuer,
            "place": province,
            "date": date,
            "subject": subject,
            "recipients": recipients,
            "text": text,
            "references": refs,
            "has_open_tasks": any(t["status"] != "done" for t in tasks),
            "tasks": tasks,
        }
        yield Letter(doc, topic)


def to_json(doc: dict) -> dict:
    """JSON-able copy (dates as ISO strings)."""
    def conv(v):
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, list):
            return [conv(x) for x in v]
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        return v
    return conv(doc)


def from_json(doc: dict) -> dict:
    """Inverse of ``to_json`` for the fields that are dates."""
    doc = dict(doc)
    if doc.get("date"):
        doc["date"] = dt.date.fromisoformat(doc["date"])
    doc["tasks"] = [{**t, "deadline": dt.date.fromisoformat(t["deadline"]) if t.get("deadline") else None}
                    for t in doc.get("tasks") or []]
    return doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-bytes", type=int, default=2000)
    ap.add_argument("--max-bytes", type=int, default=8000)
    ap.add_argument("--write-fixtures", action="store_true",
                    help="write tests/data/search/archive.json and tests/data/relevance.json")
    args = ap.parse_args(argv)
    if args.write_fixtures:
        root = Path(__file__).resolve().parents[1]
        sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != root / "bench"]
        sys.path.insert(0, str(root))
        write_fixtures(root / "tests" / "data" / "search", root / "tests" / "data" / "relevance.json")
        return 0
    for letter in generate(args.docs, seed=args.seed, min_bytes=args.min_bytes, max_bytes=args.max_bytes):
        sys.stdout.write(json.dumps({**to_json(letter.doc), "topic": letter.topic}, ensure_ascii=False) + "\n")
    return 0



# ---------------------------------------------------------------- relevance fixtures

# One query per topic (a person's words, not the full subject), and a few quoted phrases.
TOPIC_QUERIES = [
    "sốt xuất huyết", "phòng cháy chữa cháy mùa khô", "xây dựng nông thôn mới", "cải cách hành chính chuyển đổi số",
    "thi tốt nghiệp trung học phổ thông", "phòng chống bão lũ cứu nạn", "cấp giấy chứng nhận quyền sử dụng đất",
    "an toàn giao thông dịp Tết", "Quỹ Vì người nghèo", "tiêm chủng mở rộng trẻ em",
    "thu gom rác thải sinh hoạt", "bảo hiểm xã hội tự nguyện", "Ngày hội Đại đoàn kết toàn dân tộc",
    "phòng chống tham nhũng tiêu cực", "ngộ độc thực phẩm bếp ăn tập thể", "dịch tả lợn châu Phi",
    "gọi công dân nhập ngũ", "xóa nhà tạm nhà dột nát", "khai thác cát trái phép", "kinh doanh xăng dầu",
    "lấy ý kiến dự thảo sửa đổi Hiến pháp", "lạm thu đầu năm học", "du lịch cộng đồng bảo tồn di sản",
    "căn cước công dân gắn chip định danh điện tử", "thu hút đầu tư khu công nghiệp",
]
# Words from the opening sentence only (not in the subject): harder, closer to how people remember.
BODY_QUERIES = [(0, "số ca mắc tăng so với cùng kỳ"), (1, "nguy cơ cháy rừng"), (3, "dịch vụ công trực tuyến toàn trình"),
                (5, "mùa mưa bão diễn biến phức tạp"), (6, "hồ sơ tồn đọng"), (9, "tiêm bổ sung vắc xin"),
                (10, "phân loại rác tại nguồn"), (11, "bảo hiểm y tế hộ gia đình"), (14, "ngộ độc thực phẩm khu công nghiệp"),
                (15, "khử trùng chuồng trại"), (18, "sạt lở bờ sông"), (19, "niêm yết giá"),
                (21, "phản ánh của phụ huynh"), (23, "tài khoản định danh điện tử mức độ 2")]
PHRASE_QUERIES = [(0, '"sốt xuất huyết"'), (8, '"Vì người nghèo"'), (15, '"tả lợn châu Phi"'),
                  (16, '"nhập ngũ"'), (23, '"định danh điện tử"'), (18, '"khai thác cát"')]

SAMPLES = [  # id, text file (copied to tests/data/search), gold parse
    (1, "000_83c28748ed9167d2.gold.txt", "000_83c28748ed9167d2.gold.json"),
    (2, "001_ed94fb2294042178.gold.txt", "001_ed94fb2294042178.gold.json"),
    (3, "002_4ab2752c7669fd6f.txt", "002_4ab2752c7669fd6f.gold.json"),
]
SAMPLE_QUERIES = [
    ("ngày đại đoàn kết vì cộng đồng", [1]), ("tổ nhân dân tự quản", [1]), ("phối hợp liên tịch", [2]),
    ("dân vận khéo", [3, 5]), ("giao ban khối dân vận", [5, 3]), ("nêu gương của đảng viên", [4, 1]),
]
EXTRA_DOCS = [
    {"id": 4, "number_symbol": "213-QĐ/TW", "number": "213", "symbol": "QĐ/TW", "doc_type": "Quy định",
     "issuer": "Bộ Chính trị", "place": "Hà Nội", "date": "2020-01-02",
     "subject": "về trách nhiệm của đảng viên đang công tác thường xuyên giữ mối liên hệ với tổ chức đảng và nhân dân nơi cư trú",
     "recipients": ["Các tỉnh ủy, thành ủy"],
     "text": "BAN CHẤP HÀNH TRUNG ƯƠNG\nBỘ CHÍNH TRỊ\nSố: 213-QĐ/TW\nĐẢNG CỘNG SẢN VIỆT NAM\nHà Nội, ngày 02 tháng 01 năm 2020\n\nQUY ĐỊNH\nvề trách nhiệm của đảng viên đang công tác thường xuyên giữ mối liên hệ với tổ chức đảng và nhân dân nơi cư trú\n\nĐảng viên đang công tác phải thường xuyên giữ mối liên hệ với chi ủy, chi bộ và nhân dân nơi cư trú; gương mẫu thực hiện và vận động gia đình, nhân dân nơi cư trú thực hiện chủ trương của Đảng, chính sách, pháp luật của Nhà nước; phát huy vai trò tiên phong, nêu gương của đảng viên.\n\nT/M BỘ CHÍNH TRỊ",
     "references": [], "has_open_tasks": False, "tasks": []},
    {"id": 5, "number_symbol": "161-TB/TU", "number": "161", "symbol": "TB/TU", "doc_type": "Thông báo",
     "issuer": "Ban Thường vụ Thành ủy Long Khánh", "place": "Long Khánh", "date": "2022-01-07",
     "subject": "kết luận của đồng chí Phó Bí thư Thường trực Thành ủy tại hội nghị giao ban khối dân vận năm 2021",
     "recipients": ["Các chi, đảng bộ trực thuộc"],
     "text": "ĐẢNG BỘ TỈNH ĐỒNG NAI\nTHÀNH ỦY LONG KHÁNH\nSố: 161-TB/TU\nĐẢNG CỘNG SẢN VIỆT NAM\nLong Khánh, ngày 07 tháng 01 năm 2022\n\nTHÔNG BÁO\nkết luận của đồng chí Phó Bí thư Thường trực Thành ủy tại hội nghị giao ban khối dân vận năm 2021\n\nNăm 2021, khối dân vận thành phố đã phối hợp chặt chẽ, thực hiện tốt công tác dân vận, phong trào thi đua dân vận khéo có nhiều mô hình hay.\n\nT/M BAN THƯỜNG VỤ",
     "references": [], "has_open_tasks": False, "tasks": []},
]


def _sample_doc(doc_id: int, text: str, gold: dict) -> dict:
    return {
        "id": doc_id,
        **{k: gold.get(k) for k in ("number_symbol", "number", "symbol", "doc_type", "issuer", "place", "date", "subject")},
        "recipients": gold.get("recipients") or [],
        "text": text,
        "references": [r["number_symbol"] for r in gold.get("references") or [] if r.get("number_symbol")],
        "has_open_tasks": bool(gold.get("tasks")),
        "tasks": [{"id": doc_id * 100 + k, "action": t["action"], "assignees": t.get("assignees") or [],
                   "deadline": t.get("deadline"), "status": "todo"} for k, t in enumerate(gold.get("tasks") or [], 1)],
    }


def write_fixtures(out_dir: Path, relevance_path: Path) -> None:
    """Write the fixture archive (tests/data/search/archive.json + sample texts) and relevance.json."""
    import shutil
    from search.analysis import fold, normalize_text

    out_dir.mkdir(parents=True, exist_ok=True)
    dev = SHARED_TEXT.parents[1] / "dev"
    samples_dir = Path(__file__).resolve().parents[1] / "corpus" / "samples"
    docs: list[dict] = []
    for doc_id, text_name, gold_name in SAMPLES:
        src = dev / text_name if (dev / text_name).exists() else samples_dir / text_name
        shutil.copyfile(src, out_dir / text_name)
        gold = json.loads((dev / gold_name).read_text("utf-8"))
        doc = _sample_doc(doc_id, "", gold)
        doc["text_file"] = text_name
        docs.append(doc)
    docs.extend(EXTRA_DOCS)
    topics = [t for t in range(len(TOPICS)) for _ in range(2)] + [(7 * k + 3) % len(TOPICS) for k in range(10)]
    letters = [l for l in generate(len(topics), seed=2026, min_bytes=1200, max_bytes=3000, start_id=101,
                                   topics=topics, cite=["213-QĐ/TW", "1987/MTTQ-BTT"])
               if l.doc["number"] != "1987"]
    by_topic: dict[int, list[int]] = {}
    for letter in letters:
        docs.append({**to_json(letter.doc), "topic": letter.topic})
        by_topic.setdefault(letter.topic, []).append(letter.doc["id"])
    (out_dir / "archive.json").write_text(json.dumps(docs, ensure_ascii=False, indent=1) + "\n", "utf-8")

    def citing(number_symbol: str) -> list[int]:
        return [d["id"] for d in docs if number_symbol in (d.get("references") or [])]

    queries: list[dict] = []

    def add(kind: str, accented: str, relevant: list[int], primary: int | None = None) -> None:
        queries.append({"id": f"q{len(queries) + 1:02d}", "kind": kind, "accented": accented,
                        "unaccented": fold(normalize_text(accented)), "relevant": relevant, "primary": primary})

    for topic, text in enumerate(TOPIC_QUERIES):
        add("topic", text, by_topic.get(topic, []))
    for topic, text in BODY_QUERIES:
        add("body", text, by_topic.get(topic, []))
    for topic, text in PHRASE_QUERIES:
        add("phrase", text, by_topic.get(topic, []))
    for text, relevant in SAMPLE_QUERIES:
        add("sample", text, relevant, relevant[0])
    for place in ("Đồng Tháp", "Long Khánh", "Thừa Thiên Huế"):
        add("place", place, [d["id"] for d in docs if d.get("place") == place] or [])
    for number, primary in (("1987/MTTQ-BTT", 1), ("số 1987", 1), ("213-QĐ/TW", 4), ("305/MTTQ-BTT", 3),
                            ("161-TB/TU", 5)):
        target = next(d["number_symbol"] for d in docs if d["id"] == primary)
        add("number", number, [primary, *citing(target)], primary)
    for letter in letters[::7][:8]:
        ns = letter.doc["number_symbol"]
        add("number", ns, [letter.doc["id"], *citing(ns)], letter.doc["id"])
    queries = [q for q in queries if q["relevant"]]
    relevance = {
        "description": "Labelled queries over tests/data/search/archive.json, written by bench/synthletters.py "
                       "--write-fixtures. topic/phrase: the letters generated on that topic; sample: read from the "
                       "gold text; place: letters issued there; number: the letter itself (primary) then the letters "
                       "citing it. 'unaccented' is the same query with diacritics removed (đ -> d).",
        "archive": "search/archive.json",
        "queries": queries,
    }
    relevance_path.write_text(json.dumps(relevance, ensure_ascii=False, indent=1) + "\n", "utf-8")


def load_archive(path: Path) -> list[dict]:
    """Documents of a fixture archive.json (sample texts read from the files beside it)."""
    docs = []
    for doc in json.loads(path.read_text("utf-8")):
        if doc.get("text_file"):
            doc = {**doc, "text": (path.parent / doc["text_file"]).read_text("utf-8")}
        docs.append(from_json(doc))
    return docs


if __name__ == "__main__":
    raise SystemExit(main())
