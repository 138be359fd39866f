"""A tiled watermark stamped over every page of an existing (real) PDF, with pypdfium2.

pypdfium2 comes with pdfplumber, so nothing else is installed. The watermark is Latin text in the
standard Helvetica font (no font file), tiled 3 × 6 over each page, in one of :data:`STYLES`:
``rotated`` (black, half-transparent, body size, 45°), ``light`` (upright, light grey, body size),
``large`` (upright, black, 40 pt) or ``all`` (45°, light grey, faint, 36 pt).
"""

from __future__ import annotations

import ctypes
import math
from pathlib import Path

TEXT = "CONFIDENTIAL 2024"
# style → (angle in degrees, grey level 0–255, alpha 0–255, size in points)
STYLES: dict[str, tuple[float, int, int, float]] = {
    "rotated": (45, 0, 128, 12),
    "light": (0, 210, 255, 12),
    "large": (0, 0, 255, 40),
    "all": (45, 200, 80, 36),
}


def add_watermark(src: Path, out: Path, style: str = "all") -> Path:
    """Write ``src`` with the watermark of ``style`` drawn over every page to ``out``; return ``out``."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    angle, grey, alpha, size = STYLES[style]
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    utf16 = (TEXT + "\0").encode("utf-16-le")
    pdf = pdfium.PdfDocument(str(src))
    try:
        font = raw.FPDFText_LoadStandardFont(pdf.raw, b"Helvetica")
        for page in pdf:
            for row in range(6):
                for col in range(3):
                    obj = raw.FPDFPageObj_CreateTextObj(pdf.raw, font, size)
                    raw.FPDFText_SetText(obj, (ctypes.c_ushort * (len(utf16) // 2)).from_buffer_copy(utf16))
                    raw.FPDFPageObj_SetFillColor(obj, grey, grey, grey, alpha)
                    raw.FPDFPageObj_Transform(obj, cos, sin, -sin, cos, 40 + col * 200, 60 + row * 140)
                    raw.FPDFPage_InsertObject(page.raw, obj)
            raw.FPDFPage_GenerateContent(page.raw)
        pdf.save(str(out))
    finally:
        pdf.close()
    return out
