"""Predict, then look (issue 32): at four moments of the chapter the tab asks the learner to commit to a guess with one
click before it shows the answer; the click then runs the view (its own button) and the text says what happened and
why. The answer is nothing stored: no state, no log, no count — the guess lives in the radio button on the page.

The four moments and where "what happened" comes from (never from a number written in code):
- mode collapse: which digit the chapter recipe's GAN draws most, read from its checkpoint card (10,000 digits);
- guidance 0 vs 7: what guidance 0 does to a prompt; the click draws the four guidance scales side by side;
- linear vs cosine: which schedule twin ends ahead, from the twins' cards and their own verdict rule;
- word order: what reordering the words does; the click runs the experiment.
"""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import txt

STRINGS = {
    "en": {
        "ask.right": "✅ **You said: {guess}.** That is what happens.",
        "ask.wrong": "🤔 **You said: {guess}.** Not this time: {answer}.",
        "ask.unknown": "**You said: {guess}.** The measurement that would tell is not available here: {why}",
        # mode collapse
        "ask.mc.q": "Predict first: which digit will the chapter's recipe draw most often? Then it is counted.",
        "ask.mc.answer": "it draws **{top}** most",
        "ask.mc.why": (
            "Of 10,000 digits from the chapter recipe's final generator, the classifier reads **{top}** in "
            "**{share:.1f} %** (an even mix would give 10 %); the rarest, {low}, in {low_share:.1f} %. The chapter's "
            "own GAN favoured {book_top} ({book:.1f} % in table 6-1). **Why:** the generator is rewarded only for "
            "fooling the discriminator, never for variety. A kind of digit it learned to draw well early keeps "
            "paying off, so it keeps drawing it: mode collapse. The count below is drawn now, from the same recipe."
        ),
        # guidance 0 vs 7
        "ask.g.q": "Predict first: at guidance 0, what will the prompt above give? Then the four scales are drawn.",
        "ask.g.same": "the digit and colour asked for, as at 7",
        "ask.g.any": "digits, but of any kind and colour",
        "ask.g.noise": "no digit at all, only noise",
        "ask.g.answer": "at 0 the prompt is not used: digits of any kind and colour",
        "ask.g.why": (
            "**Why:** guidance mixes two noise estimates, one made with the prompt and one without it, as "
            "*without + scale × (with − without)*. At 0 only the estimate without the prompt is left, so the model "
            "draws some digit, whatever the noise suggests, in any colour. At 7 the difference the prompt makes is "
            "pushed seven times: the digit and colour asked for, and the digits look more alike. Look below: the "
            "judge's count under each scale."
        ),
        # linear vs cosine twins
        "ask.tw.q": "Predict first: which twin ends up drawing better on prompts it never saw?",
        "ask.tw.cosine": "the cosine twin",
        "ask.tw.linear": "the linear-β twin",
        "ask.tw.neither": "neither clearly",
        "ask.tw.answer": "on this run it is {who}",
        "ask.tw.why": (
            "**Why it might:** the chapter says the cosine schedule destroys the picture more slowly, which helps the "
            "model learn: fewer of the training steps show nothing but noise. What the twins' own measurement says "
            "is below the curves; the button now draws with both twins from the same noise."
        ),
        # word order
        "ask.wo.q": "Predict first: one seed, “ornate green seven” in every word order. What will the pictures do?",
        "ask.wo.same": "all alike: the same words give the same picture",
        "ask.wo.some": "mostly alike, but some orders draw something else",
        "ask.wo.all": "all quite different",
        "ask.wo.answer": "mostly alike, with some orders apart",
        "ask.wo.why": (
            "**Why:** the starting noise is the same for every picture, so only the prompt differs. Each order of "
            "the words is a different sentence to the text encoder, so its embedding moves a little; orders whose "
            "embeddings stay close draw much the same digit, and one that lands further away can draw something "
            "else — as the chapter's fourth vase did. The table gives each order's cosine similarity to the first "
            "and what the judge reads."
        ),
    },
    "zh-CN": {
        "ask.right": "✅ **你选的是：{guess}。** 结果正是如此。",
        "ask.wrong": "🤔 **你选的是：{guess}。** 这次不对：{answer}。",
        "ask.unknown": "**你选的是：{guess}。** 这里没有能给出答案的测量结果：{why}",
        "ask.mc.q": "先预测：本章配方的 GAN 最常画哪个数字？点一个，再看统计。",
        "ask.mc.answer": "它最常画的是 **{top}**",
        "ask.mc.why": (
            "在本章配方最终生成器画出的 10,000 个数字里，分类器认出 **{top}** 的占 **{share:.1f} %**"
            "（均匀分布应为 10 %）；最少的 {low} 只占 {low_share:.1f} %。"
            "本章自己的 GAN 偏爱 {book_top}（表 6-1 中为 {book:.1f} %）。"
            "**原因：** 生成器只因骗过判别器而得到奖励，多样性从不加分。它早早学会画好的那类数字"
            "一直有回报，于是它一直画：这就是模式崩溃。下面的统计是用同一配方现在画出来的。"
        ),
        "ask.g.q": "先预测：引导强度为 0 时，上面的提示词会画出什么？然后四种强度并排画出。",
        "ask.g.same": "和 7 时一样：要求的数字和颜色",
        "ask.g.any": "是数字，但任何数字、任何颜色都有可能",
        "ask.g.noise": "根本没有数字，只有噪声",
        "ask.g.answer": "强度为 0 时提示词不起作用：任何数字、任何颜色",
        "ask.g.why": (
            "**原因：** 引导把两个噪声估计混在一起：一个带提示词，一个不带，算法是"
            "*不带 + 强度 ×（带 − 不带）*。强度为 0 时只剩不带提示词的估计，模型就画噪声碰巧引向的数字，颜色随意。"
            "强度为 7 时，提示词带来的差别被放大七倍：要求的数字和颜色，而且几个数字彼此更像。"
            "看下面：每种强度下评判者的计数。"
        ),
        "ask.tw.q": "先预测：哪个孪生模型在没见过的提示词上最终画得更好？",
        "ask.tw.cosine": "余弦孪生",
        "ask.tw.linear": "线性 β 孪生",
        "ask.tw.neither": "看不出明显差别",
        "ask.tw.answer": "这次训练的结果是{who}",
        "ask.tw.why": (
            "**可能的原因：** 本章说余弦计划破坏图像的速度较慢，这有助于模型学习：训练步骤中只剩噪声的更少。"
            "孪生模型自己的测量结论在曲线下方；按钮现在用两个孪生模型从同一份噪声各画一行。"
        ),
        "ask.wo.q": "先预测：同一个种子，把“ornate green seven”的词按各种顺序排列，画出来会怎样？",
        "ask.wo.same": "全都一样：同样的词画出同样的图",
        "ask.wo.some": "大多相似，但有些顺序画出别的东西",
        "ask.wo.all": "全都差别很大",
        "ask.wo.answer": "大多相似，有些顺序与众不同",
        "ask.wo.why": (
            "**原因：** 每张图的初始噪声都相同，只有提示词不同。词序不同，对文本编码器来说就是不同的句子，"
            "嵌入向量会移动一点；嵌入彼此接近的顺序画出差不多的数字，落得远一些的就可能画出别的东西——"
            "就像本章的第四个花瓶。表格给出每种顺序与第一种的余弦相似度，以及评判者读出的数字。"
        ),
    },
}


def ask(key: str, choices: list[tuple[str, str]], answer: Callable[[str], tuple[str | None, dict]]) -> Callable:
    """The prediction, placed where it is called: a question (`ask.KEY.q`), one radio button per choice ((label key
    or text, value)) and, once one is clicked, the verdict and `ask.KEY.why`. `answer(lang)` gives (the right value,
    or None when it cannot be known; the numbers `ask.KEY.answer` and `ask.KEY.why` need).

    Returns connect(run_button=None, sets=()), to call once the view's controls exist: the click then sets each
    (component, value) of `sets` and presses the button whose elem_id is `run_button`, so the view shows what
    happened."""
    labels = [(txt(label) if label.startswith("ask.") else label, value) for label, value in choices]
    # one block, the question as its label: it sits above the view's button and must not push it below a laptop's fold
    radio = gr.Radio(labels, value=None, label=txt(f"ask.{key}.q"), elem_id=f"ask-{key}")
    reveal = gr.Markdown(visible=False, elem_id=f"ask-{key}-reveal")
    words = {value: label for label, value in choices}

    def connect(run_button: str | None = None, sets: tuple = ()) -> None:
        def revealed(guess, request: gr.Request = None):
            out = _revealed(guess, request)
            return out if len(out) > 1 else out[0]  # one output takes its value alone, not in a list

        def _revealed(guess, request):
            lang = lang_of(request)
            rest = [value for _, value in sets]
            if guess is None:
                return [gr.skip()] * (1 + len(sets))
            label = words.get(str(guess), str(guess))
            shown = tr(label, lang) if label.startswith("ask.") else label
            try:
                right, facts = answer(lang)
            except Exception as e:  # noqa: BLE001 — a card missing: said so, and the view still runs
                return [gr.Markdown(tr("ask.unknown", lang, guess=shown, why=str(e)), visible=True), *rest]
            if str(guess) == str(right):
                head = tr("ask.right", lang, guess=shown)
            else:
                head = tr("ask.wrong", lang, guess=shown, answer=tr(f"ask.{key}.answer", lang, **facts))
            return [gr.Markdown(head + "\n\n" + tr(f"ask.{key}.why", lang, **facts), visible=True), *rest]

        event = radio.input(
            revealed,
            [radio],
            [reveal, *(c for c, _ in sets)],
            api_visibility="private",
            queue=False,
            show_progress="hidden",
        )
        if run_button:
            # the view's own button, pressed once the verdict shows: what follows is an ordinary run of the view
            js = f"() => {{ setTimeout(() => document.getElementById({run_button!r})?.click(), 300); }}"
            event.then(None, None, None, js=js, api_visibility="private", queue=False)

    return connect


# ---------------------------------------------------------------------------------------------------- the answers


def mode_collapse_answer(lang: str = "en") -> tuple[str, dict]:
    """The chapter recipe's most frequent digit, from its checkpoint card (gendemo/gan: 10,000 digits judged)."""
    from gendemo.core.checkpoints import read_card
    from gendemo.core.paths import CHECKPOINT_DIR

    shares = read_card(CHECKPOINT_DIR / "gan_chapter.safetensors", "gan_chapter")["metrics"]["shares_percent"]
    top = max(range(10), key=lambda d: shares[d])
    low = min(range(10), key=lambda d: shares[d])
    from gendemo.core.metrics import CHAPTER_SHARES  # table 6-1

    book_top = max(range(10), key=lambda d: CHAPTER_SHARES[d])
    facts = {"top": top, "share": shares[top], "low": low, "low_share": shares[low]}
    return str(top), {**facts, "book_top": book_top, "book": CHAPTER_SHARES[book_top]}


def guidance_answer(lang: str = "en") -> tuple[str, dict]:
    # what classifier-free guidance at 0 is by its formula (gendemo/diffusion: without + g · (with − without))
    return "any", {}


def twins_answer(lang: str = "en") -> tuple[str, dict]:
    """The twins' own verdict (gendemo/diffusion/twin_verdict.py) on their cards."""
    from gendemo.diffusion.twin_verdict import judge_twins
    from gendemo.diffusion.twins import twin_card

    v = judge_twins(twin_card("schedule_linear"), twin_card("schedule_cosine"))
    right = {"supports": "cosine", "contradicts": "linear", "tie": "neither", "mixed": "neither"}.get(v.outcome)
    return right, {"who": tr(f"ask.tw.{right}", lang) if right else ""}


def word_order_answer(lang: str = "en") -> tuple[str, dict]:
    return "some", {}
