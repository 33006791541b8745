"""Task exports: CSV for spreadsheets (formula-injection safe) and iCalendar for calendars (RFC 5545).

Both are built from plain rows (``task_rows``), so they can be tested without a web request.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

CSV_HEADER = ["Mã", "Nhiệm vụ", "Chủ trì", "Phối hợp", "Thời hạn", "Lặp lại", "Trạng thái",
              "Văn bản nguồn", "Cơ quan ban hành", "Ngày văn bản", "Liên kết"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_RRULE = re.compile(r"^FREQ=(SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)(;[A-Z]+=[A-Z0-9,+\-]+)*$")
_TIME = re.compile(r"^([01]?\d|2[0-3])[:hg]([0-5]\d)$")

RECURRENCE_LABELS = {
    "FREQ=DAILY": "hằng ngày",
    "FREQ=WEEKLY": "hằng tuần",
    "FREQ=MONTHLY": "hằng tháng",
    "FREQ=MONTHLY;INTERVAL=3": "hằng quý",
    "FREQ=MONTHLY;INTERVAL=6": "6 tháng một lần",
    "FREQ=YEARLY": "hằng năm",
}


def recurrence_label(rule: str | None) -> str | None:
    if not rule:
        return None
    return RECURRENCE_LABELS.get(rule.strip().upper(), rule)


def safe_cell(value) -> str:
    """A spreadsheet must not run what a letter says: '=HYPERLINK(…)' -> "'=HYPERLINK(…)"."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def tasks_csv(rows: list[dict]) -> str:
    """UTF-8 text with a BOM (Excel then reads Vietnamese correctly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([safe_cell(v) for v in (
            row["id"], row["action"], "; ".join(row["assignees"]), "; ".join(row["collaborators"]),
            row["deadline"].isoformat() if row["deadline"] else (row["deadline_text"] or ""),
            recurrence_label(row["recurrence"]) or "", row["status_label"], row["source"], row["issuer"] or "",
            row["document_date"].isoformat() if row["document_date"] else "", row["url"])])
    return "\ufeff" + out.getvalue()


# --- iCalendar ----------------------------------------------------------------------------------

def ics_escape(text: str | None) -> str:
    text = "" if text is None else str(text)
    text = "".join(ch for ch in text if ch in "\n" or ch.isprintable())
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never splitting a character."""
    out, current, size = [], "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += width
    out.append(current)
    return "\r\n".join(out)


def _dtstart(row: dict) -> tuple[str, date] | None:
    day = row["deadline"] or row["document_date"]
    if day is None:
        return None
    match = _TIME.match((row.get("due_time") or "").strip())
    if match:
        return f"DTSTART:{day:%Y%m%d}T{int(match[1]):02d}{match[2]}00", day
    return f"DTSTART;VALUE=DATE:{day:%Y%m%d}", day


def tasks_ics(rows: list[dict], *, host: str = "congvan", now: datetime | None = None) -> str:
    """A VCALENDAR with one VEVENT per dated task; repeating duties carry their RRULE."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//congvan//Theo doi nhiem vu//VI", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", "X-WR-CALNAME:Theo dõi nhiệm vụ"]
    for row in rows:
        start = _dtstart(row)
        if start is None:
            continue
        dtstart, day = start
        summary = row["action"] if len(row["action"]) <= 120 else row["action"][:119] + "…"
        description = "\n".join(filter(None, [
            row["action"],
            "Chủ trì: " + "; ".join(row["assignees"]) if row["assignees"] else None,
            "Phối hợp: " + "; ".join(row["collaborators"]) if row["collaborators"] else None,
            "Thời hạn: " + row["deadline_text"] if row["deadline_text"] else None,
            "Trạng thái: " + row["status_label"],
            "Văn bản: " + row["source"],
        ]))
        lines += ["BEGIN:VEVENT", f"UID:task-{row['id']}@{ics_escape(host)}", f"DTSTAMP:{stamp}", dtstart]
        if dtstart.startswith("DTSTART;VALUE=DATE"):
            lines.append(f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}")
        rule = (row["recurrence"] or "").strip().upper()
        if rule and _RRULE.match(rule):
            lines.append(f"RRULE:{rule}")
        lines += [f"SUMMARY:{ics_escape(summary)}", f"DESCRIPTION:{ics_escape(description)}",
                  "STATUS:CONFIRMED",
                  f"CATEGORIES:{ics_escape(row['status_label'])}"]
        if row["url"]:
            lines.append(f"URL:{ics_escape(row['url'])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
