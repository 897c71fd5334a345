"""The solver comparison in the Diffusion tab (#10 item 6), in a real browser, in English and Chinese."""

import re

import pytest
from support import need
from support.browser import (
    covered_pictures,
    element_png,
    image_is_not_blank,
    in_ci,
    open_page,
    open_section,
    open_tab,
    shot,
)

from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser

WANT = {
    "en-US": {
        "tab": "Diffusion: prompt → digit",
        "captions": [
            r"^DDIM · 10 steps · \d+\.\d\d s · \d of 2 match$",
            r"^DPM-Solver\+\+ 2M · 10 steps · ",
            r"^DPM-Solver\+\+ 2M, distilled network · 10 steps · ",
        ],
        "table": ["wall time", "matches the prompt", "reads 5"],
        "text": [
            "At 10 steps DDIM took",
            "With the distilled network, DPM-Solver++ 2M at 10 steps took",
            "measured warm",
        ],
        # "took 0.15 s against 0.30 s with the two-pass one (2.0× faster;": a time and the one it is said to beat
        "faster": r"took (\d+\.\d\d) s against (\d+\.\d\d) s[^(]*\((\d+(?:\.\d)?)× faster",
        "solvers": ["DDPM", "DDIM", "DPM-Solver++ 2M", "DPM-Solver++ 2M, distilled network"],
    },
    "zh-CN": {
        "tab": "扩散：提示词 → 数字",
        "captions": [
            r"^DDIM · 10 步 · \d+\.\d\d 秒 · 2 个中 \d 个符合$",
            r"^DPM-Solver\+\+ 2M · 10 步 · ",
            r"^DPM-Solver\+\+ 2M（蒸馏网络） · 10 步 · ",
        ],
        "table": ["用时", "符合提示词", "识别为 5"],
        "text": ["走 10 步时，DDIM 用了", "换用蒸馏网络后，DPM-Solver++ 2M 走 10 步用了", "预热后测的"],
        "faster": r"用了 (\d+\.\d\d) 秒[^（]*?用了 (\d+\.\d\d) 秒（前者的速度是后者的 (\d+(?:\.\d)?) 倍",
        "solvers": ["DDPM", "DDIM", "DPM-Solver++ 2M", "DPM-Solver++ 2M（蒸馏网络）"],
    },
}


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_solvers_side_by_side(browser, app_client, locale):
    """Open the view, leave DDPM out (its 1,000 steps would make this test slow; the app test covers it), compare:
    one captioned picture per solver (the distilled network's too), nothing over them, the table and the sentences
    in the page's language. Issue 33: the solvers are named, not shown as ids; the sentence says the times were taken
    warm, and a time it calls faster is the smaller one (the first run said 0.33 s was "1.0× faster" than 0.32 s)."""
    for name in ("diffusion", "diffusion_distilled"):
        need((CHECKPOINT_DIR / f"{name}.safetensors").exists(), f"{name} checkpoint missing")
    want = WANT[locale]
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, want["tab"])
        page.locator("#gen-prompt textarea").fill("a blue five")
        open_section(page, "cmp")
        page.locator("#cmp-solvers label").first.wait_for()
        assert page.locator("#cmp-solvers label").all_inner_texts() == want["solvers"]
        page.locator("#cmp-solvers label", has_text="DDPM").click()
        assert not page.locator("#cmp-solvers input[type=checkbox]").first.is_checked()
        page.locator("#cmp-button").click()
        caps = page.locator("#cmp-gallery .caption-label")
        page.wait_for_function(
            "() => document.querySelectorAll('#cmp-gallery .caption-label').length === 3 && "
            "document.querySelector('#cmp-text').innerText.trim().length > 0",
            timeout=120_000,
        )
        texts = caps.all_inner_texts()
        assert len(texts) == 3 and all(re.search(p, t) for p, t in zip(want["captions"], texts)), texts
        table = page.locator("#cmp-table").inner_text()
        assert all(w in table for w in want["table"]), table
        said = page.locator("#cmp-text").inner_text()
        assert all(w in said for w in want["text"]), said
        for a, b, ratio in re.findall(want["faster"], said):
            assert float(a) < float(b) and float(ratio) > 1.0, said
        for i in range(3):
            assert image_is_not_blank(element_png(page.locator("#cmp-gallery .thumbnail-item img").nth(i)))
        page.locator("#cmp-gallery").scroll_into_view_if_needed()
        assert covered_pictures(page, "#cmp-gallery") == []
    finally:
        shot(page, f"solvers_{locale}")
