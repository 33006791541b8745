"""Parse a Vietnamese official letter into its fields, citations, recipients and tasks.

Text in, values out: `parse_letter(text)` returns a dict following letter.schema.json (shipped
next to this file as `SCHEMA_PATH`).

>>> from nlp.parse import parse_letter
>>> parse_letter("Số: 15/QĐ-BNV")["doc_type"]
'Quyết định'
"""
from pathlib import Path

from .letter import Letter, Task, parse_letter

SCHEMA_PATH = Path(__file__).with_name("letter.schema.json")

__all__ = ["Letter", "Task", "parse_letter", "SCHEMA_PATH"]
