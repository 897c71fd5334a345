"""Ask the discriminator (/discriminate, /discriminate_lineup): the other half of every GAN, kept after training so that
a learner can show it any picture and read its verdict D(x), the probability that the picture is a real digit."""

from __future__ import annotations

import gradio as gr
import torch

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import (
    ImageInput,
    SketchInput,
    as_int,
    guarded,
    model,
    on_open,
    path_of,
    pictures,
    txt,
)
from gendemo.app.ui.common import picture as picture_out
from gendemo.app.ui.gan_common import figure_image, new_figure, recipe_name, snapshot_epochs
from gendemo.classifier.preprocess import mnist_preprocess
from gendemo.core.images import ink_of, to_pil
from gendemo.core.paths import CHECKPOINT_DIR, EXAMPLES
from gendemo.gan.discriminate import pure_noise, real_probability, under_every_label
from gendemo.gan.sampling import sample_cgan, sample_gan

TAB_KEY = "disc.tab"
DISC, LINEUP_EP = ENDPOINTS["discriminate"], ENDPOINTS["discriminate_lineup"]
# which discriminator → (its catalog row, the generator trained against it, that run's snapshots)
JUDGES = {
    "chapter": ("gan_chapter_discriminator", "gan_chapter", "gan_chapter_snapshots"),
    "remedy": ("gan_discriminator", "gan", "gan_snapshots"),
    "cgan": ("cgan_discriminator", "cgan", None),
}
LINEUP = 8  # pictures per group in the line-up: enough for an average, few enough to look at

STRINGS = {
    "en": {
        "disc.tab": "Ask the discriminator",
        "disc.intro": (
            "A GAN is two networks, and the app's other tabs only ever show the generator. Here is its opponent. Once "
            "training is done the discriminator is usually thrown away, the chapter says, and only the generator is "
            "used; here it is kept so that you can question it. The "
            "discriminator looks at a 28×28 picture and gives one number, D(x): how sure it is that the picture is a "
            "real handwritten digit (1) rather than one of the generator's forgeries (0). It was trained on exactly "
            "that question and nothing else, so its answers can surprise you: it has never been asked about a "
            "scribble or a photo, and it keeps changing its mind as the generator improves.\n\n"
            "**Try this:** draw a neat digit and read D(x) (the tab opens with a real test 7 asked already); then "
            "press *Line up* to compare real test digits, the generator's digits after epoch 1 and at the end, and "
            "pure noise."
        ),
        "disc.cgan_h": "The conditional GAN's discriminator is asked something else",
        "disc.intro_cgan": (
            "The conditional GAN's discriminator is asked a different question: is this a real picture **of this "
            "digit**? The chapter's example: the label is 4, but the generator drew something that looks more like a "
            "zero; the discriminator notices the mismatch, because the labelled training set showed it what real "
            "zeros look like. The shipped one does: 1,000 zeros the conditional generator drew score on average "
            "0.37 under the label 0 and 0.02 under the label 4 (every one of them higher under 0); real test zeros "
            "0.46 and 0.04. Try it: choose this discriminator and draw a 0, then read its verdict under 0 and under 4."
        ),
        "disc.which": "Discriminator",
        "disc.w_cgan": "Conditional GAN (picture + label)",
        "disc.label": "Label shown with the picture (conditional GAN only)",
        "disc.draw": "Draw a digit (white background, black ink)",
        "disc.upload": "The picture asked about (your drawing, or upload one)",
        "disc.ask": "Ask",
        "disc.prob": "D(x): probability that the picture is real",
        "disc.labels": "Conditional D under each of the ten labels",
        "disc.labels_title": "D(x, label) under each label: ten separate answers, each from 0 to 1",
        "disc.labels_note": "not shares of one whole: they need not add up to 1",
        "disc.x_label": "label shown with the picture",
        "disc.y_real": "D(x, label): probability “real”",
        "disc.asked": "asked: {d}",
        "disc.toss_up": "0.5: a toss-up",
        "disc.seen": "What the discriminator sees (28×28)",
        "disc.lineup_h": "### Line-up: real, generated, noise",
        "disc.epoch": "Generator after epoch",
        "disc.final": "final",
        "disc.lineup_btn": "Line up",
        "disc.gallery": "Each picture with D's verdict",
        # handler text
        "disc.verdict": ("**D(x) = {p:.3f}** from the {name}: it takes this picture to be {word} ({pct:.1f} % real)."),
        "disc.verdict_cgan": (
            "**D(x, {label}) = {p:.3f}** from the {name}: shown with the label {label}, the picture is judged {word} "
            "({pct:.1f} % real). Under the label it likes best, {best}, it scores {best_p:.3f}; under the one it likes "
            "least, {worst}, {worst_p:.3f}."
        ),
        "disc.word_real": "real",
        "disc.word_fake": "a forgery",
        "disc.word_unsure": "a toss-up",
        "disc.in_group": (
            " This discriminator was trained on groups of {g} pictures and also reads how much they differ from each "
            "other (a generator that repeats itself is easy to catch that way), so your picture was shown together "
            "with {k} real test digits, and the number is its own verdict within that group."
        ),
        "disc.n_cgan": "conditional GAN's discriminator",
        "disc.low_pointer": " A real digit can score low too: under the line-up it says why.",
        "disc.reference": (
            "\n\nFor comparison, this discriminator gives real test digits **{real:.2f}** on average and its final "
            "generator's digits **{fake:.2f}** ({n:,} each, judged the same way). "
        ),
        "disc.why_half_chapter": (
            "The chapter expects a well-trained generator to leave D at about 0.5 for every input. This one is not "
            "fooled: the chapter's recipe ended drawing mostly ones, and D still tells its digits from real ones."
        ),
        "disc.why_half_remedy": (
            "The chapter expects a well-trained generator to leave D at about 0.5 for every input. This one can hardly "
            "tell the two apart — that small gap is what the chapter's 0.5 is about — but its level sits low: nothing "
            "in training holds it at 0.5 (real digits were labelled 0.9, dropout was on, and the generator kept "
            "moving; in its last epoch of training it averaged {dr:.2f} on real and {df:.2f} on generated digits)."
        ),
        "disc.why_half_cgan": (
            "The chapter's 0.5 is about the unconditional GAN. This discriminator also judges whether the label fits, "
            "so it does not answer 0.5 to everything: a picture under a wrong label scores far lower."
        ),
        "disc.g_real": "real test digit",
        "disc.g_fake": "generated, epoch {e}",
        "disc.g_final": "generated, final",
        "disc.g_noise": "pure noise",
        "disc.g_mismatch": "real {d}, wrong label",
        "disc.c_real": "real",
        "disc.c_fake": "fake",
        "disc.c_noise": "noise",
        "disc.c_wrong": "{d} as {w}",
        "disc.lineup_summary": "Average D(x) over the {n} pictures of each row — {rows}.",
        "disc.why_low": (
            "**Why real digits score below 0.5.** This is the discriminator as training left it, facing a generator "
            "whose digits look much like real ones. The chapter expects this: once the generator is well trained, the "
            "discriminator is fooled most of the time and says about 0.5 to every input. This one ended a little on "
            "the side of “fake” for everything, real test digits included, so a single real digit can easily score "
            "0.2 and be called a forgery; only the averages over many pictures still put real digits above the final "
            "generator's. Pictures it learnt to reject outright — the generator's digits after epoch 1, pure noise — "
            "score about 0."
        ),
        "disc.why_low_remedy": (
            " This one was also trained with real digits labelled 0.9 instead of 1 (label smoothing), so it was never "
            "pushed to full certainty about a real digit."
        ),
        "disc.why_low_cgan": (
            "**Why real digits score low here too.** The conditional discriminator, as training left it, is fooled "
            "most of the time by a generator that draws each requested digit well, so its answers sit near or below "
            "0.5 for real and generated pairs alike (the generated ones can even score higher). What it still knows "
            "is the label: a real digit shown with a wrong label scores lower, and noise about 0."
        ),
        "disc.lineup_row": "{group}: **{p:.2f}**",
        "disc.no_epoch": "No generator weights were kept for epoch {e} of this run; choose one of: {choices}.",
    },
    "zh-CN": {
        "disc.tab": "问问判别器",
        "disc.intro": (
            "GAN 由两个网络组成，而应用的其他标签页只展示了生成器。这里是它的对手。本章说，"
            "训练完成后判别器通常会被丢弃，"
            "只留下生成器；这里把它留了下来，好让你向它提问。判别器看一张 28×28 的图片，"
            "给出一个数 D(x)：它有多确信这是一张真实的手写数字（1），而不是生成器伪造的（0）。"
            "它只被训练来回答这一个问题，"
            "所以它的回答可能出人意料：它从没被问过涂鸦或照片，而且随着生成器进步，它的看法也一直在变。\n\n"
            "**试一试**：画一个工整的数字，看看判别器给出的 D(x)（打开本页时已经问过一个真实的测试数字 7）；"
            "再点击“排成一排”，比较真实的测试数字、第 1 轮和训练结束时生成器画的数字，以及纯噪声。"
        ),
        "disc.cgan_h": "条件 GAN 的判别器回答的是另一个问题",
        "disc.intro_cgan": (
            "条件 GAN 的判别器回答的是另一个问题：这是不是一张**这个数字**的真实图片？本章的例子是：类别标签是 4，"
            "生成器画出的数字却更像 0；判别器会发现类别不匹配，因为它从带标签的训练集中知道真实的 0 是什么样子。"
            "随附的判别器正是如此：条件生成器画的 1,000 个 0，在标签 0 下平均得分 0.37，在标签 4 下只有 0.02"
            "（每一个都是标签 0 下更高）；真实的测试集 0 分别为 0.46 和 0.04。试一试：选这个判别器，画一个 0，"
            "比较它在标签 0 和标签 4 下的判断。"
        ),
        "disc.which": "判别器",
        "disc.w_cgan": "条件 GAN（图片 + 标签）",
        "disc.label": "随图片一起给出的标签（仅条件 GAN）",
        "disc.draw": "画一个数字（白底黑字）",
        "disc.upload": "要提问的图片（你画的数字，或上传一张）",
        "disc.ask": "提问",
        "disc.prob": "D(x)：图片为真实数字的概率",
        "disc.labels": "条件判别器在十个标签下的判断",
        "disc.labels_title": "每个标签下的 D(x, 标签)：十个各自独立的回答，每个都在 0 到 1 之间",
        "disc.labels_note": "不是一个整体的各部分：加起来不必等于 1",
        "disc.x_label": "随图片给出的标签",
        "disc.y_real": "D(x, 标签)：判为“真”的概率",
        "disc.asked": "所问标签：{d}",
        "disc.toss_up": "0.5：真假难辨",
        "disc.seen": "判别器看到的图像（28×28）",
        "disc.lineup_h": "### 排成一排：真实、生成、噪声",
        "disc.epoch": "生成器训练到第几轮",
        "disc.final": "最终",
        "disc.lineup_btn": "排成一排",
        "disc.gallery": "每张图片及判别器的判断",
        "disc.verdict": "**D(x) = {p:.3f}**（{name}）：它认为这张图片是{word}（{pct:.1f} % 为真）。",
        "disc.verdict_cgan": (
            "**D(x, {label}) = {p:.3f}**（{name}）：配上标签 {label} 时，这张图片被判为{word}（{pct:.1f} % 为真）。"
            "在它最认可的标签 {best} 下得分 {best_p:.3f}；在最不认可的标签 {worst} 下得分 {worst_p:.3f}。"
        ),
        "disc.word_real": "真的",
        "disc.word_fake": "伪造的",
        "disc.word_unsure": "真假难辨",
        "disc.in_group": (
            "这个判别器训练时每次看 {g} 张一组的图片，还会读取它们彼此差别有多大"
            "（生成器若总画同一种图，这样就很容易被识破），"
            "所以你的图片是和 {k} 张真实测试数字放在一组里给它看的，上面的数值是它对你这张图片本身的判断。"
        ),
        "disc.n_cgan": "条件 GAN 的判别器",
        "disc.low_pointer": "真实的数字也可能得分很低：排成一排的结果下面解释了原因。",
        "disc.reference": (
            "\n\n作为对照，这个判别器给真实测试数字的平均分是 **{real:.2f}**，给它最终生成器画的数字是 **{fake:.2f}**"
            "（各 {n:,} 个，判断方式相同）。"
        ),
        "disc.why_half_chapter": (
            "本章预期生成器训练好之后，判别器对所有输入的输出都接近 0.5。这个判别器并没有被骗过："
            "本章配方最后主要画 1，判别器仍能把它画的数字和真实数字区分开。"
        ),
        "disc.why_half_remedy": (
            "本章预期生成器训练好之后，判别器对所有输入的输出都接近 0.5。这个判别器几乎分不清两者——"
            "这个很小的差距才是本章所说的 0.5 的含义——但它的整体水平偏低：训练中没有什么把它固定在 0.5"
            "（真实数字标为 0.9、开着 dropout、生成器也一直在变；训练的最后一轮里，它对真实数字平均 {dr:.2f}，"
            "对生成数字平均 {df:.2f}）。"
        ),
        "disc.why_half_cgan": (
            "本章的 0.5 说的是无条件 GAN。这个判别器还要判断标签是否相符，所以不会对一切都回答 0.5："
            "配错标签的图片得分要低得多。"
        ),
        "disc.g_real": "真实测试数字",
        "disc.g_fake": "生成，第 {e} 轮",
        "disc.g_final": "生成，最终",
        "disc.g_noise": "纯噪声",
        "disc.g_mismatch": "真实的 {d} 配错误标签",
        "disc.c_real": "真实",
        "disc.c_fake": "伪造",
        "disc.c_noise": "噪声",
        "disc.c_wrong": "{d} 标为 {w}",
        "disc.lineup_summary": "每一行 {n} 张图片的平均 D(x)——{rows}。",
        "disc.why_low": (
            "**为什么真实数字的得分低于 0.5。** 这是训练结束时的判别器，它面对的生成器画出的数字已经很像真的了。"
            "本章正是这样预期的：生成器训练得好时，判别器大多数时候会被骗过，对所有输入的输出都接近 0.5。"
            "这个判别器最后对所有图片都略偏向“假”，真实的测试数字也不例外，所以单独一张真实数字很可能只得 0.2、"
            "被判为伪造；只有在许多图片的平均值上，真实数字才仍然高于最终生成器画的数字。"
            "至于它学会了直接否定的图片——第 1 轮之后生成器画的数字、纯噪声——得分约为 0。"
        ),
        "disc.why_low_remedy": (
            "此外，这个判别器训练时真实数字标为 0.9 而不是 1（标签平滑），所以它从未被推向对真实数字完全确信。"
        ),
        "disc.why_low_cgan": (
            "**为什么这里真实数字的得分也很低。** 训练结束时，条件判别器面对的生成器能把每个指定的数字都画得很好，"
            "它大多数时候会被骗过，所以无论真实的还是生成的图片–标签对，它的回答都在 0.5 附近或更低"
            "（生成的甚至可能得分更高）。它仍然掌握的是标签：真实数字配上错误的标签得分更低，纯噪声约为 0。"
        ),
        "disc.lineup_row": "{group}：平均 **{p:.2f}**",
        "disc.no_epoch": "这次训练没有保存第 {e} 轮的生成器权重；请从以下轮次中选择：{choices}。",
    },
}


# The two GAN discriminators are named after their recipe (gan_common names each recipe once, in both languages).
_NAMED = {
    "en": {"w": "GAN · {r}", "n": "discriminator of the GAN trained with {r}"},
    "zh-CN": {"w": "GAN · {r}", "n": "用{r}训练的 GAN 的判别器"},
}
for _lang, _table in STRINGS.items():
    for _recipe in ("chapter", "remedy"):
        _r = recipe_name(_recipe, _lang)
        _table[f"disc.w_{_recipe}"] = _NAMED[_lang]["w"].format(r=_r)
        _table[f"disc.n_{_recipe}"] = _NAMED[_lang]["n"].format(r=_r)


def _choices():
    """The discriminators whose files are here (a checkpoint folder without one simply does not offer it)."""
    every = [(txt(f"disc.w_{key}"), key) for key in JUDGES]
    shipped = [c for c in every if (CHECKPOINT_DIR / f"{JUDGES[c[1]][0]}.safetensors").exists()]
    return shipped or every


def _word(p: float, lang: str) -> str:
    return tr("disc.word_real" if p >= 0.6 else "disc.word_fake" if p <= 0.4 else "disc.word_unsure", lang)


REFERENCE_N = 1000  # real test digits and final-generator digits averaged beside every verdict
_reference: dict[str, tuple[float, float]] = {}


def reference_means(which: str, lang: str) -> tuple[float, float]:
    """The average D of REFERENCE_N real test digits and of as many digits of the final generator, judged as a
    learner's picture is (the conditional D under each digit's own label; a D that reads its group's spread among the
    same real companions), computed once per discriminator: the yardstick the chapter's "about 0.5" needs."""
    if which not in _reference:
        d = model(JUDGES[which][0], lang)
        test = model("mnist_test", lang)
        x, y = test["images"][:REFERENCE_N].float() / 255, test["labels"][:REFERENCE_N]
        if which == "cgan":
            real = real_probability(d, x, y)
            fake = real_probability(d, sample_cgan(model(JUDGES[which][1], lang), y, 0).cpu(), y)
        else:
            company = test["images"][: d.group - 1].float() / 255 if d.group else None
            real = real_probability(d, x, company=company)
            fake = real_probability(d, sample_gan(model(JUDGES[which][1], lang), REFERENCE_N, 0).cpu(), company=company)
        _reference[which] = (float(real.mean()), float(fake.mean()))
    return _reference[which]


def reference_text(which: str, lang: str) -> str:
    real, fake = reference_means(which, lang)
    extra = {}
    if which == "remedy":  # what the training run itself recorded in its last epoch (dropout on, labels 0.9)
        tl = model("gan_timeline", lang)
        extra = {"dr": float(tl["d_real"][-1]), "df": float(tl["d_fake"][-1])}
    ref = tr("disc.reference", lang, real=real, fake=fake, n=REFERENCE_N)
    return ref + tr(f"disc.why_half_{which}", lang, **extra)


@DISC.handler
def discriminate(image, which, label, request: gr.Request = None):
    lang = lang_of(request)
    path = path_of(image)
    if not path:
        raise gr.Error(tr("err.no_image", lang))
    ink = ink_of(path)
    if ink.max() - ink.min() < 0.05:
        raise gr.Error(tr("err.no_image", lang))
    x = torch.from_numpy(mnist_preprocess(ink))[None, None]  # (1, 1, 28, 28), prepared like an MNIST digit
    d = model(JUDGES[which][0], lang)
    name = tr(f"disc.n_{which}", lang)
    if which == "cgan":
        every = under_every_label(d, x)  # (10,)
        p = float(every[label])
        text = tr(
            "disc.verdict_cgan",
            lang,
            label=label,
            p=p,
            name=name,
            word=_word(p, lang),
            pct=100 * p,
            best=int(every.argmax()),
            best_p=float(every.max()),
            worst=int(every.argmin()),
            worst_p=float(every.min()),
        )
        labels = {str(i): float(every[i]) for i in range(10)}
    else:
        company, text = None, ""
        if d.group:  # a D that reads its group's spread: the picture joins the first real test digits, always the same
            company = model("mnist_test", lang)["images"][: d.group - 1].float() / 255
            text = tr("disc.in_group", lang, g=d.group, k=d.group - 1)
        p = float(real_probability(d, x, company=company)[0])
        text = tr("disc.verdict", lang, p=p, name=name, word=_word(p, lang), pct=100 * p) + text
        if p < 0.5:
            text += tr("disc.low_pointer", lang)
        labels = None
    text += reference_text(which, lang)  # real digits' average beside every verdict, and why it is not 0.5
    return round(p, 4), text, labels, to_pil(x[0], scale=8)


@guarded
def drawing_to_picture(drawing=None):
    """A stroke's drawing becomes the picture asked about; a drawing without ink (the canvas cleared, or opening) leaves
    the picture as it is, rather than asking about a blank square."""
    path = path_of(drawing)
    if not path:
        return gr.skip()
    ink = ink_of(path)
    return path if ink.max() - ink.min() >= 0.05 else gr.skip()


@guarded
def per_label_chart(image=None, which="chapter", label=5, request: gr.Request = None):
    """The conditional D's ten answers as ten bars against 0.5, the asked label marked: ten separate yes/no answers
    (D(x, 0) … D(x, 9)), not shares of one whole — gr.Label drew them as a distribution that summed past 100 %. The
    label scores stay /discriminate's third output for the API (hidden on the page). Hidden for the other
    discriminators and while there is no picture."""
    lang = lang_of(request)
    path = path_of(image)
    if which != "cgan" or not path:
        return gr.update(value=None, visible=False)
    ink = ink_of(path)
    if ink.max() - ink.min() < 0.05:
        return gr.update(value=None, visible=False)
    x = torch.from_numpy(mnist_preprocess(ink))[None, None]
    p = [float(v) for v in under_every_label(model(JUDGES["cgan"][0], lang), x)]
    asked = DISC.param("label").check(label, lang)
    fig, ax = new_figure((6.4, 3.0), panels=1)
    from matplotlib.patches import Patch

    ax.bar(range(10), p, color=["#f97316" if d == asked else "#6366f1" for d in range(10)])
    half = ax.axhline(0.5, color="black", linestyle="--", linewidth=1, label=tr("disc.toss_up", lang))
    ax.set(xticks=range(10), ylim=(0, 1), xlabel=tr("disc.x_label", lang), ylabel=tr("disc.y_real", lang))
    ax.set_title(tr("disc.labels_title", lang) + "\n(" + tr("disc.labels_note", lang) + ")", fontsize=9)
    ax.legend(handles=[half, Patch(color="#f97316", label=tr("disc.asked", lang, d=asked))], fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return gr.update(value=figure_image(fig), visible=True)


def discriminate_if_any(image=None, which="chapter", label=3, request: gr.Request = None):
    """The automatic re-ask: nothing to say (and no error toast) while there is no picture yet."""
    if not path_of(image):
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    return discriminate(image, which, label, request=request)


def _generator_at(which: str, epoch: str, lang: str):
    _, g_name, snaps_name = JUDGES[which]
    if epoch == "final" or snaps_name is None:
        return model(g_name, lang), None
    e = int(epoch)
    snaps = model(snaps_name, lang)
    if e not in snaps:
        raise gr.Error(tr("disc.no_epoch", lang, e=e, choices=", ".join(map(str, sorted(snaps))) + ", final"))
    return snaps[e], e


@LINEUP_EP.handler
def discriminate_lineup(which, label, epoch, seed, request: gr.Request = None):
    lang = lang_of(request)
    epoch = epoch.strip().lower() or "final"  # 'final' or an epoch as text; a missing one is the final generator
    if epoch != "final":
        epoch = str(as_int(epoch, tr("disc.epoch", lang), 1, 10_000, lang))
    d = model(JUDGES[which][0], lang)
    test = model("mnist_test", lang)
    gen = torch.Generator().manual_seed(seed)
    groups = []  # (name, short caption, images (n, 1, 28, 28), labels or None)
    real_c, fake_c, noise_c = tr("disc.c_real", lang), tr("disc.c_fake", lang), tr("disc.c_noise", lang)
    if which == "cgan":
        pool = (test["labels"] == label).nonzero().flatten()
        real = test["images"][pool[torch.randperm(len(pool), generator=gen)[:LINEUP]]].float() / 255
        wrong = (label + 1 + torch.arange(LINEUP) % 9) % 10  # every other label in turn, never the true one
        g = model("cgan", lang)
        fake = sample_cgan(g, torch.full((LINEUP,), label), seed).cpu()
        lab = torch.full((LINEUP,), label)
        groups += [(tr("disc.g_real", lang), real_c, real, lab), (tr("disc.g_final", lang), fake_c, fake, lab)]
        groups += [(tr("disc.g_mismatch", lang, d=label), None, real, wrong)]
        groups += [(tr("disc.g_noise", lang), noise_c, pure_noise(LINEUP, seed), lab)]
    else:
        real = test["images"][torch.randperm(len(test["labels"]), generator=gen)[:LINEUP]].float() / 255
        g, e = _generator_at(which, epoch, lang)
        fake = sample_gan(g, LINEUP, seed).cpu()
        fake_name = tr("disc.g_final", lang) if e is None else tr("disc.g_fake", lang, e=e)
        groups += [(tr("disc.g_real", lang), real_c, real, None), (fake_name, fake_c, fake, None)]
        groups += [(tr("disc.g_noise", lang), noise_c, pure_noise(LINEUP, seed), None)]
    gallery, rows = [], []
    for name, short, imgs, labs in groups:  # one row of LINEUP pictures a group: all that its average is over
        p = real_probability(d, imgs, labs)
        rows.append(tr("disc.lineup_row", lang, group=name, p=float(p.mean())))
        for i in range(len(imgs)):
            tag = short if short is not None else tr("disc.c_wrong", lang, d=label, w=int(labs[i]))
            gallery.append((to_pil(imgs[i], scale=4), f"{tag} · {float(p[i]):.2f}"))
    why = tr("disc.why_low_cgan", lang) if which == "cgan" else tr("disc.why_low", lang)
    if which == "remedy":
        why += tr("disc.why_low_remedy", lang)
    return gallery, tr("disc.lineup_summary", lang, n=LINEUP, rows=" · ".join(rows)) + "\n\n" + why


def build():
    gr.Markdown(txt("disc.intro"))
    choices = _choices()
    if any(v == "cgan" for _, v in choices):
        with gr.Accordion(txt("disc.cgan_h"), open=False, elem_id="disc-cgan-note"):
            gr.Markdown(txt("disc.intro_cgan"))
    with gr.Row(elem_id="disc-ask-section"):
        with gr.Column():
            drawing = SketchInput(
                label=txt("disc.draw"),
                type="filepath",
                image_mode="RGBA",
                canvas_size=(280, 280),
                brush=gr.Brush(colors=["#000000"], default_size=18, color_mode="fixed"),
                format="png",
                elem_id="disc-draw",
            )
            # opens asking about a real test digit, so D(x) shows a verdict (it showed "0" before anything was asked)
            picture = ImageInput(
                value=str(EXAMPLES / "digit_7.png"),
                label=txt("disc.upload"),
                type="filepath",
                sources=["upload", "clipboard"],
                height=220,
                elem_id="disc-picture",
            )
        with gr.Column():
            # the shipped discriminators only; the slider opens at 5 (an API call that leaves out the label gets 3)
            which = DISC.widget("which", choices=choices, value=choices[0][1], elem_id="disc-which")
            label = DISC.widget("label", value=5, elem_id="disc-label")
            ask = gr.Button(txt("disc.ask"), variant="primary", elem_id="disc-ask")
            prob = gr.Number(label=txt("disc.prob"), interactive=False, elem_id="disc-prob")
            verdict = gr.Markdown(elem_id="disc-verdict")
            # the API's per-label scores; the page shows them as ten bars (per_label_chart), not as a distribution
            labels = gr.Label(label=txt("disc.labels"), num_top_classes=10, visible=False, elem_id="disc-labels")
            chart = picture_out(txt("disc.labels"), "disc-labels-chart", "chart", show_label=False, visible=False)
            seen = picture_out(txt("disc.seen"), "disc-seen", height=200)
    outs = [prob, verdict, labels, seen]
    ins = [picture, which, label]
    quick = {"api_visibility": "private", "queue": False, "show_progress": "hidden"}
    drawn = {"api_visibility": "private", "show_progress": "hidden"}  # the chart asks the model: it queues
    # One picture is asked about: each stroke copies the drawing into it, an upload replaces it; the latest wins.
    # On the editor's change, not its input (#33 picture 2): the editor fires input at the end of a stroke, before it
    # has handed the drawing to the server, and on a fresh page that first event named an empty hand-over made when
    # the canvas opened, so a one-stroke digit never arrived. Change fires once the stroke's pictures are there.
    drawing.change(drawing_to_picture, [drawing], [picture], **quick)
    ask.click(discriminate, ins, outs, **DISC.event()).then(per_label_chart, ins, [chart], **drawn)
    # D is tiny: its verdict follows the picture, the chosen discriminator and the label as they change.
    for ev in (picture.change, which.change, label.release):
        ev(discriminate_if_any, ins, outs, api_visibility="private", trigger_mode="always_last").then(
            per_label_chart, ins, [chart], **drawn
        )
    on_open(discriminate, ins, outs)

    with gr.Column(elem_id="disc-lineup-section"):
        gr.Markdown(txt("disc.lineup_h"))
        with gr.Row():
            epochs = [(str(e), str(e)) for e in snapshot_epochs("chapter")] + [(txt("disc.final"), "final")]
            epoch = LINEUP_EP.widget("epoch", choices=epochs, value=epochs[0][1], elem_id="disc-epoch")
            seed = LINEUP_EP.widget("seed", elem_id="disc-seed")
            line_btn = gr.Button(txt("disc.lineup_btn"), variant="primary", elem_id="disc-lineup-button")
        line_txt = gr.Markdown(elem_id="disc-lineup-summary")
        gallery = pictures("disc-lineup", LINEUP, label=txt("disc.gallery"), allow_preview=False)
    line_ins = [which, label, epoch, seed]
    line_btn.click(discriminate_lineup, line_ins, [gallery, line_txt], **LINEUP_EP.event())
    on_open(discriminate_lineup, line_ins, [gallery, line_txt])
