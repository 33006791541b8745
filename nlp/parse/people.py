"""Who is asked to act: organ and person phrases in running text.

"Giao Ban Dân vận Huyện ủy giúp ..." -> "Ban Dân vận Huyện ủy";
"UBND huyện chỉ đạo ..." -> "UBND huyện"; "phối hợp với Ủy ban nhân dân các huyện, thành phố tiếp tục ..."
-> "Ủy ban nhân dân các huyện, thành phố".
"""
from __future__ import annotations

import re

from .text import fold

# heads of organ / office / person phrases, lower case with diacritics
ORG_HEADS = sorted({
    "ủy ban", "uỷ ban", "ubnd", "ub", "ubmttq", "ubmttqvn", "hđnd", "hội đồng", "ban", "sở", "phòng", "văn phòng",
    "cấp ủy", "cấp uỷ", "mặt trận", "mttq", "đoàn", "hội", "công an", "ban chỉ huy", "trung tâm", "trường",
    "đảng ủy", "đảng uỷ", "chi bộ", "đảng bộ", "huyện ủy", "tỉnh ủy", "thành ủy", "huyện uỷ", "tỉnh uỷ", "thành uỷ",
    "quận ủy", "thị ủy", "thường trực", "thường vụ", "chủ tịch", "phó chủ tịch", "giám đốc", "phó giám đốc",
    "thủ trưởng", "trưởng", "phó trưởng", "chánh", "bí thư", "phó bí thư", "đồng chí", "đ/c", "ông", "bà",
    "công chức", "cán bộ", "chi cục", "cục", "kho bạc", "bưu điện", "bệnh viện", "liên đoàn", "đài", "hạt",
    "viện kiểm sát", "tòa án", "toà án", "chi nhánh", "bảo hiểm", "bhxh", "ngân hàng", "tổ", "nhóm", "lãnh đạo",
    "ủy viên", "thành viên", "hiệu trưởng", "trạm", "tổng cục", "bộ", "btv", "btt", "bch", "bcđ", "ban chỉ đạo",
    "văn thư", "kế toán", "người đứng đầu", "chi đoàn", "huyện đoàn", "tỉnh đoàn", "thành đoàn", "công đoàn",
    "ubkt", "bộ chỉ huy", "thanh tra", "chi hội", "đội", "ubnd", "hđnd", "mttq", "cơ quan", "tập thể",
    "đảng đoàn", "ban cán sự", "báo", "đài phát thanh", "đài truyền hình", "tạp chí", "cổng thông tin",
    "ủy ban kiểm tra", "bộ phận", "tổ trưởng", "ấp", "khóm", "thôn",
    "bchqs", "ca", "tand", "vks", "hợp tác xã", "htx", "doanh nghiệp", "chủ nhiệm", "phó chủ nhiệm",
    "trưởng phòng", "trưởng ban", "trưởng khóm", "trưởng ấp", "bí thư chi bộ", "ngành", "thủ trưởng các",
}, key=len, reverse=True)
# heads that must be followed by a capitalised name
NAMED_HEADS = ("bộ", "sở", "phòng", "cục", "viện", "báo", "đài", "hạt", "trạm", "trường", "hội", "ấp", "khóm", "thôn",
               "tổng cục", "chi cục")
# nouns after "các" that make an organ phrase ("các xã, thị trấn")
CAC_NOUNS = ("xã", "phường", "thị trấn", "huyện", "thành phố", "quận", "thị xã", "cơ quan", "đơn vị", "địa phương",
             "ngành", "sở", "ban", "phòng", "tổ chức", "đoàn thể", "hội", "trường", "chi bộ", "đảng bộ", "cấp ủy",
             "cấp uỷ", "đồng chí", "đ/c", "thành viên", "tổ", "doanh nghiệp", "ủy ban", "uỷ ban", "ubnd", "trung tâm",
             "cơ sở", "khóm", "ấp", "thôn", "đảng ủy", "đảng uỷ", "cá nhân", "tập thể", "huyện ủy", "thành ủy",
             "tỉnh ủy", "hợp tác xã", "chi hội", "chi đoàn", "ban chỉ đạo", "bộ", "cục", "chi cục", "đội", "ấp, khóm",
             "khu phố", "tổ dân phố", "bệnh viện", "trạm", "lực lượng", "hộ", "thủ trưởng", "chủ tịch", "mttq",
             "phòng, ban", "ban, ngành", "cơ quan, đơn vị", "tổ chức chính trị", "hiệu trưởng", "công chức", "cán bộ",
             "ông", "bà", "ông, bà", "trưởng", "phó", "giám đốc", "bí thư", "đảng viên", "hội viên", "đoàn viên")
# words that look like a head but start something else ("Tổ chức hội nghị", "Phòng, chống dịch")
NOT_HEAD = ("tổ chức", "phòng, chống", "phòng chống", "phòng ngừa", "phòng tránh", "phòng cháy", "ban hành",
            "hội nghị", "hội thảo", "hội thi", "hội diễn", "đoàn kết", "đoàn viên", "trường hợp", "cục bộ",
            "bộ phận", "lãnh đạo,", "lãnh đạo, chỉ đạo", "lãnh đạo thực hiện", "lãnh đạo chỉ đạo", "đội ngũ",
            "trưởng thành", "ông bà", "bà con", "ngành chức năng", "cơ quan chức năng", "chánh án", "báo cáo",
            "báo chí", "bộ đội", "ấp dụng")
VERBS = sorted({
    "chủ trì", "chịu trách nhiệm", "có trách nhiệm", "là cơ quan", "là đơn vị", "được giao", "cần", "chỉ đạo",
    "khẩn trương", "tiếp tục", "thường xuyên", "tập trung", "phối hợp", "triển khai", "thực hiện", "tổ chức",
    "xây dựng", "hướng dẫn", "rà soát", "tham mưu", "theo dõi", "kiểm tra", "chủ động", "báo cáo", "tăng cường",
    "đẩy mạnh", "quan tâm", "nghiên cứu", "giúp", "căn cứ", "gửi", "nộp", "tổng hợp", "đôn đốc", "bố trí",
    "đảm bảo", "bảo đảm", "chuẩn bị", "phân công", "cử", "tuyên truyền", "vận động", "nắm", "xem xét",
    "giải quyết", "hoàn thành", "thẩm định", "cung cấp", "tiếp nhận", "quản lý", "phổ biến", "lựa chọn",
    "ban hành", "nâng cao", "phát huy", "duy trì", "đăng ký", "làm rõ", "kịp thời", "tạo điều kiện", "thi hành",
    "có kế hoạch", "sớm", "nghiêm túc", "xác minh", "kiểm soát", "thống kê", "đề xuất", "tiến hành", "quán triệt",
    "phát động", "hỗ trợ", "ra quân", "cập nhật", "tham dự", "tham gia", "đến dự", "hoàn chỉnh", "điều chỉnh",
    "bổ sung", "thành lập", "có văn bản", "khắc phục", "định kỳ", "hằng", "hàng", "mỗi", "trước", "làm",
    "phải", "tích cực", "thông báo", "xử lý", "sắp xếp", "thống nhất", "đánh giá", "kiện toàn", "củng cố",
    "sơ kết", "tổng kết", "chấn chỉnh", "tuyên dương", "khen thưởng", "giám sát", "phản ánh", "hoàn tất",
    "dự", "được", "có", "đã", "sẽ", "đang", "trình", "tự", "lập", "rà", "gương mẫu", "vừa", "quyết định",
    "nhanh chóng", "mời", "gặp", "đọc", "tiếp", "tiếp thu", "nghiêm", "đưa", "lồng ghép", "vận hành",
    "đề nghị", "yêu cầu", "kính đề nghị", "giao cho", "trân trọng", "kính mời", "kính trình",
    "là", "bao gồm", "gồm", "trong phạm vi", "công bố", "ra quyết định", "xét xử", "điều tra", "theo", "để", "nhằm", "khi", "nếu", "thì", "chuyển", "hủy bỏ",
    "mở", "đăng tải", "cấp", "chi trả", "nhận", "ký", "bàn giao", "triệu tập", "huy động", "điều động",
    "điều tra", "khảo sát", "phân bổ", "ưu tiên", "lưu ý", "không", "chưa", "nghiêm cấm", "xác định",
    "soạn thảo", "dự thảo", "thẩm tra", "công khai", "niêm yết", "kiểm điểm", "tập huấn", "bồi dưỡng",
    "ứng dụng", "trả lời", "giải trình", "thông qua", "quyết liệt", "đề cao", "nắm bắt", "phát hiện",
    "ngăn chặn", "tháo gỡ", "chỉ huy", "tuần tra", "truy quét", "vận chuyển", "cung ứng", "thanh toán",
    "quyết toán", "kiến nghị", "tiếp xúc", "tham luận", "hoàn thiện", "rút kinh nghiệm", "giới thiệu",
}, key=len, reverse=True)

_ABBREV = {
    "ubnd": "uy ban nhan dan", "ub": "uy ban", "mttq": "mat tran to quoc", "vn": "viet nam",
    "ubmttqvn": "uy ban mat tran to quoc viet nam", "ubmttq": "uy ban mat tran to quoc", "btt": "ban thuong truc",
    "btv": "ban thuong vu", "hdnd": "hoi dong nhan dan", "tp": "thanh pho", "bch": "ban chap hanh",
    "tu": "tinh uy", "hu": "huyen uy", "d/c": "dong chi", "dc": "dong chi", "bcd": "ban chi dao",
    "ubkt": "uy ban kiem tra", "bhxh": "bao hiem xa hoi", "gd&dt": "giao duc va dao tao",
    "gddt": "giao duc va dao tao", "vh-tt": "van hoa thong tin", "tc-kh": "tai chinh ke hoach",
}


def entity_key(text: str) -> list[str]:
    """Folded, abbreviation-expanded tokens for comparing organ names."""
    out: list[str] = []
    for tok in re.split(r"[\s,;.()\-–]+", fold(text)):
        if not tok:
            continue
        out.extend(_ABBREV.get(tok, tok).split())
    return out


_LEVEL_RE = re.compile(r"\b(thanh pho|thi tran|thi xa|xa|huyen|tinh|phuong|quan|ap|khom|thon)\b")


def _levels(tokens: list[str]) -> set[str]:
    return set(_LEVEL_RE.findall(" ".join(tokens)))


def _near(a: str, b: str) -> bool:
    """Same token, or one OCR slip apart ("cec" ~ "cac", "x3" ~ "xa")."""
    if a == b:
        return True
    if len(a) < 2 or len(b) < 2 or a[0] != b[0] or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def same_entity(a: str, b: str, threshold: float = 0.8) -> bool:
    """Whether two spellings name the same body: "Ban Thường trực UBMTTQVN các xã, phường" =
    "Ban Thường trực Ủy ban MTTQ Việt Nam các xã, phường"; "UBND các xã" is not "UBND các huyện"."""
    ka, kb = entity_key(a), entity_key(b)
    if not ka or not kb:
        return False
    pool = list(kb)
    common = 0
    for t in ka:
        hit = next((i for i, u in enumerate(pool) if _near(t, u)), None)
        if hit is not None:
            del pool[hit]
            common += 1
    la, lb = _levels(ka), _levels(kb)
    if not common or la and lb and la.isdisjoint(lb):
        return False     # "các xã" and "các huyện" are different bodies
    p, r = common / len(ka), common / len(kb)
    return 2 * p * r / (p + r) >= threshold


def _word_at(low: str, folded: str, word: str) -> bool:
    """`word` starts `low` (diacritics kept); words of two syllables or more may also match without
    diacritics, so a half-restored "kinh trình" still reads as "kính trình" (one syllable would not be
    safe: "có" vs "cơ", "sở" vs "số")."""
    n = len(word)
    if low.startswith(word):
        pass
    elif " " in word and folded.startswith(fold(word)):
        # each syllable as written, or written without any mark ("kinh trình"), never another
        # marked syllable ("cùng cấp" is not "cung cấp")
        if not all(a == b or fold(a) == a for a, b in zip(low[:n].split(" "), word.split(" "))):
            return False
    else:
        return False
    return len(low) == n or not (low[n].isalpha() or low[n] == "/")


def starts_with_head(text: str) -> bool:
    """Whether an organ or person phrase starts here ("UBND các xã", "đ/c Muối", "các đoàn thể ...")."""
    t = text.lstrip(" “\"(")
    low = t.lower()
    folded = fold(t)
    for bad in NOT_HEAD:
        if _word_at(low, folded, bad):
            return False
    if folded.startswith(("cac ", "nhung ")):
        k = low.index(" ") + 1
        if any(_word_at(low[k:], folded[k:], bad) for bad in ("trường hợp", "hội nghị", "hội thảo", "hội thi")):
            return False   # "các trường hợp" is not a body
        return any(_word_at(low[k:], folded[k:], n) for n in CAC_NOUNS)
    for head in ORG_HEADS:
        if _word_at(low, folded, head):
            if head in ("ông", "bà", "đồng chí", "đ/c"):
                # a name must follow
                rest = t[len(head):].strip()
                return rest[:1].isupper()
            nxt = t[len(head):].strip()
            if head in NAMED_HEADS and not (nxt[:1].isupper() or nxt.lower().startswith(("trưởng", "chỉ huy"))):
                return False   # "Bộ Công an", "Sở Y tế" name a body; "bộ hồ sơ" does not
            if len(head) <= 4 and head.isalpha() and not t[:1].isupper() and head not in ("sở", "ban", "hội", "tổ", "bộ", "cục", "đài", "hạt", "trạm", "đội", "ngành"):
                return False
            return True
    return False


def _is_verb_at(text: str, i: int) -> str | None:
    if i >= len(text) or i > 0 and (text[i - 1].isalnum() or text[i - 1] in "/&"):
        return None
    if not text[i:i + 1].islower():
        return None
    low = text[i:i + 30].lower()
    folded = fold(low)
    for verb in VERBS:
        if _word_at(low, folded, verb):
            prev = text[:i].rstrip().lower()
            if re.search(r"(?<!\w)(?:các|những|của|mọi|cùng|từng|hai|ba)$", prev):
                return None  # "các cấp", "cùng cấp", "các tổ chức": a noun here
            if verb == "có" and re.match(r"có\s+(?:liên\s+quan|tên|trách\s+nhiệm\s+liên)", low):
                return None
            if verb == "cấp" and re.match(r"cấp\s+(?:tỉnh|huyện|xã|trung ương|cơ sở|trên|dưới|ủy|quận|thành phố)\b", low):
                return None   # "Ủy ban nhân dân cấp tỉnh": a level, not "to grant"
            return verb
    return None


# a head alone takes the next word, verb or not, into its name: "Đoàn kiểm tra", "Cơ quan điều tra", "Tổ công tác"
_BARE_HEADS = {"co quan", "doan", "to", "ban", "hoi dong", "nhom", "doi", "uy ban", "tieu ban"}


def phrase_end(text: str, start: int, max_words: int = 22) -> tuple[int, str]:
    """End of an organ phrase starting at `start`; returns (end, why) with why in verb|punct|colon|long|end."""
    i = start
    words = 0
    n = len(text)
    depth = 0
    while i < n:
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in ".;!?\n" and not re.match(r"\.\s*[A-Za-zĐđ]{0,3}\.?\S", text[i:i + 4]) and not (ch == "." and i + 1 < n and text[i + 1].isalnum()):
            return i, "punct"
        elif depth == 0 and ch == ":":
            return i, "colon"
        elif ch == ",":
            j = i + 1
            while j < n and text[j] == " ":
                j += 1
            if _is_verb_at(text, j):
                return i, "verb"
        elif ch == " ":
            j = i + 1
            if _is_verb_at(text, j) and i > start and fold(text[start:i]).strip() not in _BARE_HEADS:
                return i, "verb"
            words += 1
            if words > max_words:
                return i, "long"
        i += 1
    return n, "end"


_SPLIT_LOWER = ("các ", "những ", "đ/c", "đồng chí", "ông ", "bà ")


def split_entities(phrase: str) -> list[str]:
    """ "Mặt trận Tổ quốc Việt Nam và các đoàn thể chính trị - xã hội" -> two organs."""
    phrase = phrase.strip(" ,;:-–")
    parts: list[str] = []
    buf = ""
    for piece in re.split(r"(,\s*|\s+và\s+|\s+cùng\s+|;\s*)", phrase):
        if not piece:
            continue
        if re.fullmatch(r",\s*|\s+và\s+|\s+cùng\s+|;\s*", piece):
            buf += piece
            continue
        fixed_pair = re.search(r"HĐND\s+và\s+$", buf) and piece.startswith("UBND")  # "Văn phòng HĐND và UBND"
        if buf and not fixed_pair and starts_with_head(piece) and (piece[:1].isupper() or piece.lower().startswith(_SPLIT_LOWER)) and re.search(r"(,\s*|\s+và\s+|\s+cùng\s+|;\s*)$", buf):
            parts.append(re.sub(r"(,\s*|\s+và\s+|\s+cùng\s+|;\s*)$", "", buf))
            buf = piece
        else:
            buf += piece
    if buf:
        parts.append(buf)
    return [clean_entity(p) for p in parts if clean_entity(p)]


def clean_entity(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;:-–“\"")
    text = re.sub(r"\s*\((?:sau đây|gọi tắt)[^)]*\)", "", text)
    return text


# one-syllable cues need their diacritics ("giao" is not "giáo", "do" is not "đó"); longer ones are matched folded
ASSIGN_CUES = re.compile(r"(?:^|(?<=[\s,;(]))(?:[Gg]iao(?:\s+nhiệm\s+vụ)?(?:\s+cho)?|[Dd]o)\s+")
ASSIGN_CUES_FOLDED = re.compile(
    r"(?:^|(?<=[\s,;(]))(?:de\s+nghi|kinh\s+de\s+nghi|yeu\s+cau|kinh\s+moi|tran\s+trong\s+kinh\s+moi|kinh\s+trinh)\s+"
)


_LEAD_RE = re.compile(r"^(?:[Đđ]ồng\s+thời|[Tt]rong\s+đó|[Nn]goài\s+ra|[Bb]ên\s+cạnh\s+đó|[Đđ]ối\s+với|[Vv]ề\s+phía|[Rr]iêng|[Cc]ụ\s+thể)\s*,?\s*")


def strip_lead(text: str) -> str:
    """Drop a connective before the subject: "Đối với Đảng ủy xã:" -> "Đảng ủy xã:"."""
    return _LEAD_RE.sub("", text.strip())


def explicit_assignees(sentence: str) -> tuple[list[str], str]:
    """Who a sentence names as doing the work, and how ("giao", "đề nghị", "subject", "do").

    >>> explicit_assignees("Giao đ/c Muối tổng hợp, báo cáo trước ngày 11/02/2022.")
    (['đ/c Muối'], 'giao')
    >>> explicit_assignees("UBND huyện chỉ đạo các ban, ngành thực hiện.")
    (['UBND huyện'], 'subject')
    """
    s = strip_lead(sentence)
    # subject first: "UBND huyện chỉ đạo ...", "Phòng Y tế: ..."
    if starts_with_head(s):
        end, why = phrase_end(s, 0)
        if (why == "verb" or why == "colon" and len(s[:end].split()) <= 12) and end > 0:
            head = s[:end]
            if why == "verb" and re.match(r"\s*,?\s*(?:[Gg]iao|[Đđ]ề nghị|[Yy]êu cầu)\b", s[end:]):
                pass
            else:
                ents = split_entities(head)
                verb = _is_verb_at(s, end + 1) or _is_verb_at(s, end + 2) or ""
                if verb == "là" or verb in ("bao gồm", "gồm"):
                    return [], ""      # "X là Y", "X gồm": a definition, not a duty
                if ents and not verb.startswith(("đề", "yêu", "kính", "trân", "giao")):
                    # "X đề nghị Y ..." is the issuer speaking: look for Y below
                    return ents, "subject"
    cues = sorted(list(ASSIGN_CUES.finditer(s)) + list(ASSIGN_CUES_FOLDED.finditer(fold(s))), key=lambda m: m.start())
    for m in cues:
        rest_start = m.end()
        rest = s[rest_start:]
        if not starts_with_head(rest):
            continue
        if not (rest[:1].isupper() or rest.lower().startswith(("các ", "những ", "đ/c", "đồng chí", "ông ", "bà ", "cấp ủy", "cấp uỷ"))):
            continue  # "giao ban khối dân vận" is a meeting, not an assignment
        cue = fold(s[m.start():m.end()].strip()).split()[0]
        end, why = phrase_end(s, rest_start)
        if why not in ("verb", "colon", "end", "punct"):
            continue
        ents = split_entities(s[rest_start:end])
        if ents:
            return ents, {"giao": "giao", "do": "do"}.get(cue, "de_nghi")
    m = re.search(r"\s(?:chiu trach nhiem|co trach nhiem|chu tri)\b", fold(s))
    if m and starts_with_head(s) and len(s[:m.start()].split()) <= 50 and phrase_end(s, 0, 50)[0] >= m.start():
        ents = split_entities(s[:m.start()])
        if ents:
            return ents, "subject"
    m = re.search(r"(?:^|[,;]\s*)([^,;]{3,120}?)\s+(?:chu tri|chiu trach nhiem)\b", fold(s))
    if m and starts_with_head(s[m.start(1):m.end(1)]):
        ents = split_entities(s[m.start(1):m.end(1)])
        if ents:
            return ents, "subject"
    return [], ""


COLLAB_RE = re.compile(r"(?<![a-z])phoi\s+hop(?:\s+chat\s+che)?(?:\s+voi|\s+cung)?\s+")


def collaborators(sentence: str) -> list[str]:
    """ "phối hợp với Ủy ban nhân dân các huyện, thành phố tiếp tục ..." -> the organ after "phối hợp với"."""
    out: list[str] = []
    for m in COLLAB_RE.finditer(fold(sentence)):
        start = m.end()
        if not starts_with_head(sentence[start:]):
            continue
        end, why = phrase_end(sentence, start)
        for e in split_entities(sentence[start:end]):
            if e not in out:
                out.append(e)
        if out:
            break
    return out
