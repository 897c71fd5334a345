"""Coloured MNIST with captions: the text the diffusion model is conditioned on during training (the chapter: a text
description of the training image's content, turned into an embedding).

Each training digit is drawn in one of ten named colours on black, with a little brightness jitter. Its caption is made
on the fly from its digit, its colour and its measured style (stroke thickness from ink mass, slant from image moments,
size from the ink's bounding box), through many templates, digit words and numerals, synonyms and word orders, and
sometimes names only the digit or only the colour — so the model learns what the words mean rather than one phrasing.

Captions come from a finite bank (every attribute combination × KEEP_PER_KEY phrasings), so their embeddings can be
computed once and cached. The evaluation prompts (eval_prompts.tsv) are phrased differently; `template_match` checks
that none of them is anything the templates can produce.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import re
from dataclasses import dataclass
from pathlib import Path

import torch

# The ten named colours (RGB on black), in a fixed order: colour index i is PALETTE_NAMES[i].
PALETTE = {
    "red": (220, 40, 40),
    "orange": (245, 140, 30),
    "yellow": (240, 220, 40),
    "green": (40, 180, 60),
    "cyan": (40, 200, 220),
    "blue": (50, 90, 230),
    "purple": (140, 60, 200),
    "pink": (240, 120, 180),
    "lavender": (190, 160, 230),
    "white": (240, 240, 240),
}
PALETTE_NAMES = tuple(PALETTE)
PALETTE_RGB = torch.tensor(list(PALETTE.values()), dtype=torch.float32) / 255.0  # (10, 3)
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
BRIGHTNESS_JITTER = (0.85, 1.05)  # stroke colour × U(a, b), clipped to 1: "small brightness jitter"

EVAL_PROMPTS_PATH = Path(__file__).with_name("eval_prompts.tsv")


# ---- colour ----


def colourize(gray: torch.Tensor, colour_idx: torch.Tensor, brightness: torch.Tensor | None = None) -> torch.Tensor:
    """(B, 1, H, W) ink in [0, 1] → (B, 3, H, W) in [0, 1]: the digit drawn in its palette colour on black."""
    rgb = PALETTE_RGB.to(gray.device)[colour_idx]  # (B, 3)
    if brightness is not None:
        rgb = rgb * brightness.to(gray.device)[:, None]
    return (gray * rgb[:, :, None, None]).clamp(0, 1)


def name_colours(images: torch.Tensor, top_share: float = 0.7) -> torch.Tensor:
    """The judge's way of naming a colour: the mean colour of the brightest stroke pixels (ink within top_share of the
    image's brightest), then the palette colour nearest by direction (cosine), so brightness does not matter."""
    return colour_similarities(images, top_share).argmax(1)


def colour_similarities(images: torch.Tensor, top_share: float = 0.7) -> torch.Tensor:
    """(B, 10): cosine between each image's mean stroke colour (see name_colours) and each palette colour."""
    x = images.float().clamp(0, 1)
    ink = x.amax(1)  # (B, H, W)
    thr = ink.flatten(1).amax(1).clamp_min(1e-6)[:, None, None] * top_share
    mask = (ink >= thr).float()[:, None]
    mean = (x * mask).sum((2, 3)) / mask.sum((2, 3)).clamp_min(1)  # (B, 3)
    pal = PALETTE_RGB.to(x.device)
    return torch.nn.functional.normalize(mean, dim=1) @ torch.nn.functional.normalize(pal, dim=1).T


# ---- style measures ----

THICKNESS = (None, "thick", "thin")
SLANT = (None, "right", "left", "upright")
SIZE = (None, "small", "large")


def measure_style(gray: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-image measures on (B, 1, 28, 28) ink:
    mass (total ink), slant (shear from second moments), area (ink bbox)."""
    x = gray.float()[:, 0]
    b, h, w = x.shape
    mass = x.sum((1, 2)).clamp_min(1e-6)
    ys = torch.arange(h, dtype=torch.float32, device=x.device)[None, :, None]
    xs = torch.arange(w, dtype=torch.float32, device=x.device)[None, None, :]
    cy = (x * ys).sum((1, 2)) / mass
    cx = (x * xs).sum((1, 2)) / mass
    dy, dx = ys - cy[:, None, None], xs - cx[:, None, None]
    mu11 = (x * dx * dy).sum((1, 2)) / mass
    mu02 = (x * dy * dy).sum((1, 2)) / mass
    # Image rows grow downwards: a digit whose top leans right has x falling as y grows, so μ11 < 0; flip the sign so
    # that slant > 0 means leaning right (the usual italic).
    slant = -mu11 / mu02.clamp_min(1e-6)
    on = x > 0.2
    rows, cols = on.any(2), on.any(1)
    idx_h = torch.arange(h, device=x.device)
    idx_w = torch.arange(w, device=x.device)
    height = torch.where(rows, idx_h, -1).amax(1) - torch.where(rows, idx_h, h).amin(1) + 1
    width = torch.where(cols, idx_w, -1).amax(1) - torch.where(cols, idx_w, w).amin(1) + 1
    area = (height.clamp_min(0) * width.clamp_min(0)).float()
    return {"mass": mass, "slant": slant, "area": area}


@dataclass
class StyleThresholds:
    # Per digit, because a 1 has far less ink and a narrower box than an 8: "thick" means thick for that digit.
    mass_lo: torch.Tensor  # (10,) below: "thin" (bottom quarter of ink mass)
    mass_hi: torch.Tensor  # (10,) above: "thick" (top quarter)
    area_lo: torch.Tensor  # (10,) below: "small" (bottom fifth of bbox area)
    area_hi: torch.Tensor  # (10,) above: "large" (top fifth)
    slant_right: float = 0.2  # slant above: leaning right ("slanted", "italic")
    slant_left: float = -0.15  # below: leaning left
    slant_upright: float = 0.05  # |slant| below: "upright"

    @classmethod
    def from_data(cls, gray: torch.Tensor, labels: torch.Tensor) -> StyleThresholds:
        m = measure_style(gray)
        q = lambda v, p: torch.stack([torch.quantile(v[labels == d].float().cpu(), p) for d in range(10)])
        return cls(q(m["mass"], 0.25), q(m["mass"], 0.75), q(m["area"], 0.2), q(m["area"], 0.8))

    def classes(self, gray: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Index into THICKNESS, SLANT, SIZE (0 = nothing notable) for each image."""
        m = measure_style(gray)
        lab = labels.to(gray.device)
        dev = lambda t: t.to(gray.device)[lab]
        thick = torch.zeros_like(lab)
        thick[m["mass"] > dev(self.mass_hi)] = 1
        thick[m["mass"] < dev(self.mass_lo)] = 2
        slant = torch.zeros_like(lab)
        slant[m["slant"] > self.slant_right] = 1
        slant[m["slant"] < self.slant_left] = 2
        slant[m["slant"].abs() < self.slant_upright] = 3
        size = torch.zeros_like(lab)
        size[m["area"] < dev(self.area_lo)] = 1
        size[m["area"] > dev(self.area_hi)] = 2
        return thick, slant, size


# ---- caption templates ----

STYLE_WORDS = {
    ("thickness", "thick"): ("thick", "bold", "heavy", "thick-stroked", "chunky"),
    ("thickness", "thin"): ("thin", "thin-stroked", "fine", "skinny", "delicate"),
    ("slant", "right"): ("slanted", "slanting", "italic", "tilted", "right-leaning"),
    ("slant", "left"): ("left-leaning", "back-slanted", "backward-leaning"),
    ("slant", "upright"): ("upright", "straight", "vertical", "unslanted"),
    ("size", "small"): ("small", "little", "tiny", "compact"),
    ("size", "large"): ("large", "big", "huge", "oversized"),
}
ALL_STYLE_WORDS = sorted({w for ws in STYLE_WORDS.values() for w in ws})
STYLE_JOINERS = (" ", ", ", " and ")

# {S} = style adjectives with a trailing space (or nothing), {C} = colour name, {D} = digit word or numeral.
TEMPLATES_BOTH = (
    "a {S}{C} {D}",
    "{S}{C} {D}",
    "{D} in {C}",
    "a {S}{D} in {C}",
    "the number {D} written in {C} ink",
    "the digit {D} in {C}",
    "a {S}{C} digit {D}",
    "a {C} handwritten {D}",
    "a {S}handwritten {D} in {C}",
    "{C} {D}",
    "a {S}{D}, coloured {C}",
    "a {S}{D} colored {C}",
    "{D} drawn in {C}",
    "a {S}{C} number {D}",
    "digit {D}, {C}",
    "a {C}-coloured {S}{D}",
    "a {C}-colored {S}{D}",
    "{D} written in {C}",
    "a {S}{C} numeral {D}",
    "{C} ink, the digit {D}",
    "the {S}{C} number {D}",
    "an image of a {S}{C} {D}",
    "a photo of the digit {D} in {C}",
    "a {S}{D} painted {C}",
    "{S}{D} in {C} on black",
    "a {S}{C} {D} on a black background",
    "the {C} digit {D}",
    "number {D} in {C} color",
    "number {D} in {C} colour",
    "a {S}{C} figure {D}",
    "{S}{C} handwritten digit {D}",
    "a {S}{D} in {C} ink",
    "the handwritten number {D} in {C}",
    "a {S}{D} written with {C} ink",
    "{C} {S}{D}",
    "a {S}{D} ({C})",
)
TEMPLATES_DIGIT = (
    "a {S}{D}",
    "{D}",
    "the digit {D}",
    "the number {D}",
    "a {S}handwritten {D}",
    "number {D}",
    "a {S}digit {D}",
    "an image of a {S}{D}",
    "the {S}numeral {D}",
    "{S}{D} on black",
    "a handwritten digit {D}",
    "the {S}number {D}",
    "a photo of the digit {D}",
    "{S}handwritten {D}",
    "digit {D}",
)
TEMPLATES_COLOUR = (
    "a {S}{C} digit",
    "a {C} number",
    "something {C}",
    "a {S}digit in {C}",
    "{C} ink",
    "a {C} handwritten digit",
    "a {S}{C} numeral",
    "a digit coloured {C}",
    "a digit colored {C}",
    "{C}",
    "a {S}number written in {C}",
    "a {S}handwritten digit in {C} ink",
    "the {C} digit",
    "{S}{C} digit on black",
)
TEMPLATES_NONE = ("a {S}digit", "a {S}handwritten number", "{S}digit", "a {S}numeral")

# Whole-sentence phrasings: requests, labels and clauses where the digit and colour sit among other words. Without them
# the model follows "a red 7" but loses the digit in a longer sentence (whose mean-pooled embedding dilutes the digit
# word).
SENTENCES_BOTH = (
    "digit {D}, colour {C}",
    "digit {D}, color {C}",
    "number: {D}, colour: {C}",
    "number={D} colour={C}",
    "colour: {C} / digit: {D}",
    "{C} / {D}",
    "{D} | {C}",
    "label {D}, ink {C}",
    "the digit is {D} and the colour is {C}",
    "the colour is {C} and the number is {D}",
    "my lucky number is {D}, drawn in {C}",
    "the {D} should be {C}",
    "make the {D} {C}",
    "a {S}{D} whose colour is {C}",
    "a {S}{D} that is {C}",
    "a {S}{D} in the colour {C}",
    "{C} is the colour, {D} is the digit",
    "a single {S}{C} {D}",
    "just a {S}{C} {D}",
    "only the {D}, in {C}",
    "{D}, written in {C} on a black page",
    "a handwritten {D} with {C} strokes",
    "{C} strokes making a {S}{D}",
    "a {S}{D} drawn with a {C} marker",
    "a {S}{D} in {C} pen",
    "a {C} pen drawing of a {S}{D}",
    "a {S}{D} in a {C} shade",
    "the {S}{D}, coloured {C}",
    "i like {C}, so make the {D} that colour",
    "the number {D}, and make it {C}",
    "a picture showing the number {D} in {C}",
    "handwriting: {D}, ink colour: {C}",
    "a {C} marker wrote the number {D}",
)
SENTENCES_DIGIT = (
    "digit: {D}",
    "number={D}",
    "the digit is {D}",
    "a single {S}{D}",
    "just a {S}{D}",
    "a {S}{D} drawn by hand",
    "my lucky number is {D}",
    "a picture showing the number {D}",
    "handwriting: {D}",
)
SENTENCES_COLOUR = (
    "colour: {C}",
    "something in {C} ink",
    "any digit, in {C}",
    "a {S}digit drawn in {C}",
    "ink colour: {C}",
)
# Noun-phrase templates may also be wrapped in a request and followed by a remark:
# "please paint " + "a red 7" + ", centred".
PREFIXES = (
    "draw",
    "paint",
    "create",
    "generate",
    "produce",
    "render",
    "write",
    "hand me",
    "please paint",
    "i want",
    "i need",
    "can you draw",
    "could you paint",
    "let me see",
    "draw me",
    "make me",
    "please make",
    "now draw",
    "i'd like",
    "we need",
    "an image of",
    "a drawing of",
)
SUFFIXES = (
    ", please",
    " please",
    ", handwritten",
    ", hand-drawn",
    ", centred",
    ", centered",
    ", mnist style",
    " in mnist style",
    ", a single digit",
    ", clean strokes",
    ", on black",
    ", thanks",
    ", black background",
    " against black",
    ", simple",
    " on a plain black background",
    ", high contrast",
)
# How often a caption is a request, has a remark, is a whole-sentence form.
P_PREFIX, P_SUFFIX, P_SENTENCE = 0.3, 0.3, 0.3

# Style combinations a caption may mention: at most two of (thickness, slant, size).
STYLE_COMBOS = [c for c in itertools.product(range(3), range(4), range(3)) if sum(v != 0 for v in c) <= 2]
_COMBO_ID = {c: i for i, c in enumerate(STYLE_COMBOS)}
KEEP_PER_KEY = 32  # phrasings kept per (digit?, colour?, style combo) key
CAPTION_SEED = 20240601
NONE_ID = 10  # "not mentioned" for the digit or colour slot


def fix_articles(s: str) -> str:
    # "a orange 8" → "an orange 8"; "one" keeps "a" (it starts with a w sound), "8"/"eight"/"11" take "an".
    return re.sub(r"\b([Aa]) (?=(?!one\b|uni|use)[aeiouAEIOU8]|8)", r"\1n ", s)


def style_phrase(combo: tuple[int, int, int], rng: random.Random) -> str:
    words = []
    for (axis, names), v in zip((("thickness", THICKNESS), ("slant", SLANT), ("size", SIZE)), combo):
        if v:
            words.append(rng.choice(STYLE_WORDS[(axis, names[v])]))
    rng.shuffle(words)
    if not words:
        return ""
    return rng.choice(STYLE_JOINERS).join(words) + " "


def digit_phrase(d: int, rng: random.Random) -> str:
    return DIGIT_WORDS[d] if rng.random() < 0.55 else str(d)


def key_of(d_opt: int, c_opt: int, combo_id: int) -> int:
    return (d_opt * 11 + c_opt) * len(STYLE_COMBOS) + combo_id


def _templates_for(d_opt: int, c_opt: int, combo: tuple, sentence: bool = False) -> tuple[str, ...]:
    has_d, has_c = d_opt != NONE_ID, c_opt != NONE_ID
    if sentence:
        pool = SENTENCES_BOTH if has_d and has_c else SENTENCES_DIGIT if has_d else SENTENCES_COLOUR if has_c else ()
    else:
        pool = (
            TEMPLATES_BOTH
            if has_d and has_c
            else TEMPLATES_DIGIT
            if has_d
            else TEMPLATES_COLOUR
            if has_c
            else TEMPLATES_NONE
        )
    if any(combo):
        pool = tuple(t for t in pool if "{S}" in t)
    return pool


def make_caption(d_opt: int, c_opt: int, combo: tuple, rng: random.Random) -> str:
    sentences = _templates_for(d_opt, c_opt, combo, sentence=True)
    if sentences and rng.random() < P_SENTENCE:
        tpl = rng.choice(sentences)
    else:
        tpl = rng.choice(_templates_for(d_opt, c_opt, combo))
        if rng.random() < P_PREFIX:
            tpl = rng.choice(PREFIXES) + " " + tpl
    if rng.random() < P_SUFFIX:
        tpl += rng.choice(SUFFIXES)
    s = tpl.format(
        S=style_phrase(combo, rng),
        C=PALETTE_NAMES[c_opt] if c_opt != NONE_ID else "",
        D=digit_phrase(d_opt, rng) if d_opt != NONE_ID else "",
    )
    if d_opt == NONE_ID and c_opt == NONE_ID and not any(combo):
        s = s.replace("  ", " ").strip() or "a digit"
    return fix_articles(" ".join(s.split()))


def caption_attributes(index: torch.Tensor, keep: int = KEEP_PER_KEY) -> tuple[torch.Tensor, torch.Tensor]:
    """Caption index (bank layout above) → (digit, colour) it names, NONE_ID where it names none."""
    dc = (index // keep) // len(STYLE_COMBOS)
    return dc // 11, dc % 11


def build_caption_bank(keep: int = KEEP_PER_KEY, seed: int = CAPTION_SEED) -> list[str]:
    """All training captions, `keep` per key, laid out so caption index = key_of(...) * keep + k."""
    rng = random.Random(seed)
    out = []
    for d_opt in range(11):
        for c_opt in range(11):
            for combo in STYLE_COMBOS:
                seen: set[str] = set()
                row = []
                for _ in range(keep * 6):
                    if len(row) == keep:
                        break
                    c = make_caption(d_opt, c_opt, combo, rng)
                    if c not in seen:
                        seen.add(c)
                        row.append(c)
                while len(row) < keep:  # a small pool (e.g. "{C}") has fewer distinct phrasings: repeat them
                    row.append(row[len(row) % max(1, len(seen))])
                out.extend(row)
    return out


def bank_hash(captions: list[str]) -> str:
    return hashlib.sha256("\n".join(captions).encode()).hexdigest()[:16]


@dataclass
class CaptionSampler:
    """Draws a caption index per training image: what to mention, then one of the key's phrasings."""

    keep: int = KEEP_PER_KEY
    p_both: float = 0.7  # digit and colour named
    p_digit_only: float = 0.15  # the rest: only the colour
    p_style: float = 0.3  # each notable style attribute is mentioned with this probability

    def __post_init__(self):
        self.combo_table = torch.full((3, 4, 3), -1, dtype=torch.long)
        for c, i in _COMBO_ID.items():
            self.combo_table[c] = i

    def sample(self, digits, colours, thick, slant, size, generator: torch.Generator) -> torch.Tensor:
        b = digits.shape[0]
        digits, colours, thick, slant, size = (v.cpu() for v in (digits, colours, thick, slant, size))
        r = torch.rand(b, 5, generator=generator)
        mode_digit = r[:, 0] < self.p_both + self.p_digit_only
        mode_colour = (r[:, 0] < self.p_both) | (r[:, 0] >= self.p_both + self.p_digit_only)
        d_opt = torch.where(mode_digit, digits, NONE_ID)
        c_opt = torch.where(mode_colour, colours, NONE_ID)
        th = torch.where(r[:, 1] < self.p_style, thick, 0)
        sl = torch.where(r[:, 2] < self.p_style, slant, 0)
        sz = torch.where(r[:, 3] < self.p_style, size, 0)
        sz = torch.where((th > 0) & (sl > 0), 0, sz)  # at most two style words
        combo = self.combo_table[th, sl, sz]
        key = key_of(d_opt, c_opt, combo)
        k = torch.randint(0, self.keep, (b,), generator=generator)
        return key * self.keep + k


# ---- evaluation prompts and the disjointness check ----


def normalize_prompt(s: str) -> str:
    s = " ".join(s.lower().split())
    s = re.sub(r"\ban\b", "a", s)
    return s.strip(" .!?")


def _template_regexes() -> list[re.Pattern]:
    D = "|".join([*DIGIT_WORDS, *map(str, range(10))])
    C = "|".join(PALETTE_NAMES)
    W = "|".join(re.escape(w) for w in ALL_STYLE_WORDS)
    J = "|".join(re.escape(j) for j in STYLE_JOINERS)
    S = f"(?:(?:{W})(?:(?:{J})(?:{W}))? )?"
    pats = []
    slot = lambda t: (
        re.escape(normalize_prompt(t.replace("{S}", "\x00S").replace("{C}", "\x00C").replace("{D}", "\x00D")))
        .replace("\x00s", S)
        .replace("\x00c", f"(?:{C})")
        .replace("\x00d", f"(?:{D})")
        .replace(r"\ ", " ")
    )
    pre = "(?:(?:" + "|".join(re.escape(normalize_prompt(p)).replace(r"\ ", " ") for p in PREFIXES) + ") )?"
    suf = "(?:" + "|".join(re.escape(x).replace(r"\ ", " ") for x in SUFFIXES) + ")?"
    for t in (*TEMPLATES_BOTH, *TEMPLATES_DIGIT, *TEMPLATES_COLOUR, *TEMPLATES_NONE):
        pats.append(pre + slot(t) + suf)
    for t in (*SENTENCES_BOTH, *SENTENCES_DIGIT, *SENTENCES_COLOUR):
        pats.append(slot(t) + suf)
    # A slot that produced nothing leaves doubled or edge spaces that make_caption collapses: allow for it.
    pats = [re.compile(rx.replace(" ", " ?")) for rx in pats]
    return pats


_REGEXES: list[re.Pattern] | None = None


def template_match(prompt: str) -> bool:
    """True if some training template (with any digit, colour, style words) can produce this prompt."""
    global _REGEXES
    if _REGEXES is None:
        _REGEXES = _template_regexes()
    p = normalize_prompt(prompt)
    return any(rx.fullmatch(p) for rx in _REGEXES)


@dataclass
class EvalPrompt:
    prompt: str
    digit: int | None  # the digit asked for, or None when the prompt names none
    colour: int | None  # palette index asked for, or None


def load_eval_prompts(path: str | Path | None = None) -> list[EvalPrompt]:
    """eval_prompts.tsv: digit <TAB> colour <TAB> prompt, with '-' where the prompt names no digit / no colour."""
    out = []
    for line in Path(path or EVAL_PROMPTS_PATH).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        d, c, p = line.split("\t", 2)
        out.append(EvalPrompt(p.strip(), None if d == "-" else int(d), None if c == "-" else PALETTE_NAMES.index(c)))
    return out


def check_eval_prompts(prompts: list[str], bank: list[str] | None = None) -> list[str]:
    """The evaluation prompts that are NOT held out: produced by a template, or present in the caption bank."""
    bank_set = {normalize_prompt(c) for c in (bank or [])}
    return [p for p in prompts if template_match(p) or normalize_prompt(p) in bank_set]
