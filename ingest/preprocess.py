"""Clean a scanned page for Tesseract: small OpenCV stages, run in order by ``prepare_page``.

Each stage is a function ``gray -> gray`` (the first takes the colour image). With ``debug_dir``
every stage's output is written as ``NN-stage.png`` so a kept folder shows which stage damaged a page.

The result is a cleaned *grey* image, not a binary one: Otsu binarisation makes Tesseract confuse
hook and acute on circumflex vowels (ổ→ố, ể→ế) far more often (see shared FINDINGS).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

log = logging.getLogger(__name__)

# Measured with bench/ocr.py-style runs (12 pages per level): 225 dpi reads as well as 300 dpi
# (medium 0.28 % vs 0.40 % CER, heavy 0.25 % vs 0.28 %, clean 0.18 % vs 0.20 %) and costs Tesseract
# ~15 % less time; 200 dpi is worse on heavy scans. 150-dpi scans are still upscaled 1.5×.
TARGET_DPI = 225
A4_LONG_INCHES = 11.69


@dataclass
class PreparedPage:
    image: np.ndarray  # uint8 grey, ~300 dpi, upright, deskewed
    dpi: int
    source_dpi: int  # as given or as estimated
    scale: float  # output pixels per input pixel
    angle: float  # degrees of skew corrected
    rotation: int  # 0/90/180/270 applied (clockwise)
    stages: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- stages


def to_bgr(image) -> np.ndarray:
    """PIL or numpy (gray, BGR, BGRA) to uint8 BGR."""
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))[..., ::-1]
    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    if arr.ndim == 2:
        return cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR)
    if arr.shape[2] == 4:
        return cv2.cvtColor(arr, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(arr)


def to_gray(bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)


def color_ink_mask(bgr: np.ndarray) -> np.ndarray:
    """Pixels of coloured ink (red seal, blue signature), as a boolean mask.

    Black text is dark in every channel; red ink is bright in R, blue in B. JPEG chroma subsampling
    smears ink colour over ~2 px, so the mask is grown a little; only pixels bright in some channel
    are taken, so black strokes under the seal survive.
    """
    b, g, r = cv2.split(bgr)
    hi = cv2.max(cv2.max(b, g), r)
    lo = cv2.min(cv2.min(b, g), r)
    _, colored = cv2.threshold(cv2.subtract(hi, lo), 35, 1, cv2.THRESH_BINARY)
    colored = cv2.dilate(colored, np.ones((5, 5), np.uint8))
    _, bright = cv2.threshold(hi, 120, 1, cv2.THRESH_BINARY)
    return cv2.bitwise_and(colored, bright).astype(bool)


def suppress_color_ink(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Paint coloured ink as paper (run after ``flatten_illumination``, where paper is 255)."""
    out = gray.copy()
    out[mask] = 255
    return out


def estimate_dpi(gray: np.ndarray, given: int | None = None) -> int:
    """The scan resolution: the given one when plausible, else from the page size (A4/Letter), else 300."""
    if given and 70 <= given <= 1200:
        return int(given)
    h, w = gray.shape[:2]
    long_side, short_side = max(h, w), min(h, w)
    if 1.25 <= long_side / short_side <= 1.5:
        return int(round(long_side / A4_LONG_INCHES))
    return _dpi_from_text_height(gray)


def _dpi_from_text_height(gray: np.ndarray) -> int:
    """Body letters of a 13-pt letter are ~29 px tall at 300 dpi."""
    _, bw = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(bw, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    heights = heights[(heights > 4) & (heights < gray.shape[0] / 20)]
    if len(heights) < 50:
        return TARGET_DPI
    return int(np.clip(300 * float(np.median(heights)) / 29, 70, 1200))


def flatten_illumination(gray: np.ndarray) -> np.ndarray:
    """Divide by the paper's brightness (estimated by closing away the text) so shading disappears."""
    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    k = max(9, int(min(small.shape) / 40) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    background = cv2.medianBlur(background, 5)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    out = cv2.divide(gray, np.maximum(background, 1), scale=255)
    return out


def remove_border(gray: np.ndarray, max_fraction: float = 0.08) -> np.ndarray:
    """Paint dark bands along the page edges (photocopy borders, scanner lid) white."""
    out = gray.copy()
    h, w = out.shape
    dark = out < 110
    for axis, size in ((0, h), (1, w)):  # axis 0: rows from top/bottom; 1: columns from left/right
        profile = dark.mean(axis=1 - axis)
        limit = int(size * max_fraction)
        for forward in (True, False):
            idx = range(limit) if forward else range(size - 1, size - 1 - limit, -1)
            last = None
            for i in idx:
                if profile[i] > 0.5:
                    last = i
                elif last is not None or profile[i] < 0.02:
                    if last is not None:
                        break
            if last is not None:
                lo, hi = (0, last + 3) if forward else (last - 3, size)
                if axis == 0:
                    out[max(lo, 0):hi] = 255
                else:
                    out[:, max(lo, 0):hi] = 255
    return out


def _projection_score(bw_small: np.ndarray, angle: float) -> float:
    h, w = bw_small.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    rot = cv2.warpAffine(bw_small, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    profile = rot.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(profile)).sum())


def _binary_small(gray: np.ndarray, width: int) -> np.ndarray:
    h, w = gray.shape
    scale = min(1.0, width / w)
    small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    _, bw = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return bw


def skew_angle(gray: np.ndarray, max_angle: float = 15.0) -> float:
    """Degrees of skew (counter-clockwise positive) from the sharpest row projection of the text.

    Whole degrees are tried on a 450-px-wide copy, then tenths and twentieths on a 900-px one.
    """
    coarse = _binary_small(gray, 450)
    if coarse.mean() < 0.002:
        return 0.0
    best = max(np.arange(-max_angle, max_angle + 0.01, 1.0), key=lambda a: _projection_score(coarse, a))
    fine = _binary_small(gray, 900)
    for step, span in ((0.25, 1.0), (0.05, 0.2)):
        best = max(np.arange(best - span, best + span + 1e-6, step), key=lambda a: _projection_score(fine, a))
    return float(round(best, 2))


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """Rotate about the centre by ``angle`` degrees (counter-clockwise), keeping the size, paper-white fill."""
    if abs(angle) < 0.1:  # not worth the resampling blur
        return gray
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def deskew(gray: np.ndarray) -> tuple[np.ndarray, float]:
    angle = skew_angle(gray)
    return rotate(gray, angle), angle


def normalize_resolution(gray: np.ndarray, dpi: int, target: int | None = None) -> tuple[np.ndarray, float]:
    """Scale to ``TARGET_DPI`` (150-dpi scans are upscaled: Tesseract loses whole lines of them)."""
    scale = (target or TARGET_DPI) / dpi
    if abs(scale - 1) < 0.08:
        return gray, 1.0
    interp = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    out = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=interp)
    return out, scale


def remove_rules(gray: np.ndarray) -> np.ndarray:
    """Erase long thin horizontal lines (the rules under the issuer and the motto, table borders):
    Tesseract reads a blurred rule as a line of junk letters."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    long = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (120, 1)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(long, connectivity=8)
    out = gray.copy()
    for i in range(1, n):
        x, y, w, h = stats[i, :4]
        if h <= 14 and w >= 120:
            out[max(0, y - 3):y + h + 3, x:x + w] = np.maximum(out[max(0, y - 3):y + h + 3, x:x + w], 255)
    return out


def denoise(gray: np.ndarray, strength: int = 0) -> np.ndarray:
    """Remove JPEG blocking and sensor noise while keeping diacritics: a small median + gentle smoothing."""
    out = cv2.medianBlur(gray, 3)
    if strength:
        out = cv2.GaussianBlur(out, (3, 3), 0)
    return out


def orient(gray: np.ndarray) -> tuple[np.ndarray, int]:
    """Turn a sideways or upside-down page upright, using Tesseract OSD (through ingest.ocr)."""
    from ingest import ocr

    h, w = gray.shape
    scale = min(1.0, 1200 / max(h, w))
    small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA) if scale < 1 else gray
    rotation = ocr.detect_rotation(small)
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return (cv2.rotate(gray, codes[rotation]) if rotation in codes else gray), rotation


def looks_sideways(gray: np.ndarray) -> bool:
    """True when text lines run vertically (the page needs a quarter turn): a cheap check before OSD."""
    h, w = gray.shape
    scale = min(1.0, 600 / max(h, w))
    small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    _, bw = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    rows_score = float(np.square(np.diff(bw.sum(axis=1, dtype=np.float64))).sum()) / max(bw.shape[1], 1)
    cols_score = float(np.square(np.diff(bw.sum(axis=0, dtype=np.float64))).sum()) / max(bw.shape[0], 1)
    return cols_score > rows_score * 1.3


def looks_upside_down(gray: np.ndarray) -> bool:
    """True when text seems to hang below its lines: a cheap check before asking OSD.

    Vietnamese puts far more ink above the x-height band (tone marks, circumflexes, ascenders)
    than below it (g, p, q, y, dot below); on a page turned 180° the balance flips.
    """
    h, w = gray.shape
    scale = min(1.0, 1200 / max(h, w))
    small = cv2.resize(gray, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    _, bw = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    profile = bw.sum(axis=1).astype(np.float64)
    above = below = 0.0
    inked = profile > 0.01 * bw.shape[1] * 0.05
    start = None
    for y, on in enumerate(np.append(inked, False)):
        if on and start is None:
            start = y
        elif not on and start is not None:
            line = profile[start:y]
            if len(line) >= 4:
                core = np.flatnonzero(line >= 0.5 * line.max())
                above += line[: core[0]].sum()
                below += line[core[-1] + 1:].sum()
            start = None
    return below > above * 1.25 and below > 0


# ---------------------------------------------------------------- the recipe


def prepare_page(
    image, *, dpi: int | None = None, debug_dir: Path | None = None, detect_orientation: str = "auto"
) -> PreparedPage:
    """Grey, borders off, flattened, colour ink out, upright, deskewed, ~300 dpi, denoised.

    ``detect_orientation``: "always" asks Tesseract OSD (90/180/270) for every page; "auto" (the
    default) only when text lines look vertical or the ink hangs below the lines (upside down),
    which saves OSD's ~0.6–1.8 s on the normal page; "never" skips it.
    """
    if dpi is None and isinstance(image, Image.Image):
        info_dpi = image.info.get("dpi")
        dpi = int(round(float(info_dpi[0]))) if info_dpi else None
    debug = _Debug(debug_dir)
    bgr = to_bgr(image)
    gray = debug.keep("gray", to_gray(bgr))
    source_dpi = estimate_dpi(gray, dpi)
    # borders first: flattening would take a dark edge band for the paper's own shade
    gray = debug.keep("border", remove_border(gray))
    gray = debug.keep("flatten", flatten_illumination(gray))
    gray = debug.keep("suppress-color", suppress_color_ink(gray, color_ink_mask(bgr)))
    rotation = 0
    if detect_orientation == "always" or (detect_orientation == "auto" and looks_sideways(gray)):
        gray, rotation = orient(gray)
        debug.keep("orient", gray)
    gray, angle = deskew(gray)
    debug.keep("deskew", gray)
    if detect_orientation == "auto" and rotation == 0 and looks_upside_down(gray):
        gray, rotation = orient(gray)  # OSD confirms (or not) before anything is turned
        debug.keep("orient", gray)
    if rotation in (90, 270):
        source_dpi = estimate_dpi(gray, dpi)
    gray, scale = normalize_resolution(gray, source_dpi)
    debug.keep("resolution", gray)
    gray = debug.keep("rules", remove_rules(gray))
    gray = debug.keep("denoise", denoise(gray))
    return PreparedPage(gray, round(source_dpi * scale), source_dpi, scale, angle, rotation, debug.names)


class _Debug:
    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder else None
        self.names: list[str] = []
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    def keep(self, name: str, image: np.ndarray) -> np.ndarray:
        self.names.append(name)
        if self.folder:
            cv2.imwrite(str(self.folder / f"{len(self.names):02d}-{name}.png"), image)
        return image
