"""Unique Pupil Number: a check letter then 12 characters (DfE "UPN" guidance).

Characters 2-4 are the LA code, 5-8 the establishment number, 9-10 the year of allocation,
11-13 a serial (the 13th may be a letter in a temporary UPN). The check letter is the sum of
each of characters 2-13 times its position (2..13), modulo 23, mapped to the letter table.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters: no I, O, S
_SHAPE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def _value(char: str) -> int:
    return int(char) if char.isdigit() else _LETTERS.index(char)


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it."""
    total = sum(_value(char) * weight for weight, char in enumerate(body, start=2))
    return _LETTERS[total % 23]


def make_upn(la_code: str, establishment: str, year: int, serial: int) -> str:
    body = f"{int(la_code):03d}{int(establishment):04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body


def validate_upn(value: str) -> None:
    if not _SHAPE.match(value or ""):
        raise ValidationError(
            "Enter a UPN as a letter followed by 12 characters, like A123456789012.",
            code="upn_format",
        )
    if value[12].isalpha() and value[12] not in _LETTERS:
        raise ValidationError("The last character of a temporary UPN cannot be I, O or S.")
    if check_letter(value[1:]) != value[0]:
        raise ValidationError(
            f"{value} fails the UPN check letter (expected {check_letter(value[1:])}).",
            code="upn_check_letter",
        )
