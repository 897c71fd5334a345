"""The chapter map (issue 32): the first thing on the page, closed until asked for. It lists the chapter's figures
6-1 … 6-14, table 6-1 and its two algorithms, each with one line in the learner's language, in the chapter's own words
(噪声向量, leaky ReLU, 模式崩溃, 可控 GAN, 前向算法 …), and a lesson link (gendemo/app/ui/lesson_links.py) to the view
that does it here. Where an MNIST model cannot do what a figure shows (faces, photographs) the line says so and links
to the nearest view.

The lines are written once per language in STRINGS; the links are built here from ENTRIES, so both languages open the
same views, and tests/app/test_chapter_map.py checks each against the lesson links' own rules.
"""

from __future__ import annotations

import urllib.parse

import gradio as gr

from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import txt

# (the entry's key, [(the link's words' key, the lesson link's query), …]) in the chapter's order.
ENTRIES: tuple[tuple[str, tuple[tuple[str, dict], ...]], ...] = (
    ("map.f6_1", (("map.open", {"tab": "live", "section": "gan_live_step"}),)),
    ("map.f6_2", (("map.open", {"tab": "latent", "section": "latent_vector"}),)),
    ("map.f6_3", (("map.open", {"tab": "gan", "recipe": "chapter", "run": "1"}),)),
    (
        "map.f6_4",
        (("map.open", {"tab": "gan", "section": "gan_timeline", "recipe": "chapter", "epoch": "60", "run": "1"}),),
    ),
    ("map.t6_1", (("map.open", {"tab": "mode_collapse", "recipe": "chapter", "n": "1000", "run": "1"}),)),
    ("map.f6_5", (("map.open", {"tab": "cgan", "digit": "all", "n": "10", "run": "1"}),)),
    (
        "map.f6_6",
        (
            ("map.open_walk", {"tab": "latent", "dim": "2", "run": "1"}),
            ("map.open_grid", {"tab": "latent", "section": "latent_grid", "run": "1"}),
        ),
    ),
    ("map.f6_7", (("map.open", {"tab": "latent", "section": "latent_direction", "alpha": "3", "run": "1"}),)),
    ("map.f6_8", (("map.open", {"tab": "noising", "run": "1"}),)),
    ("map.a_fwd", (("map.open", {"tab": "inside", "t": "500", "run": "1"}),)),
    ("map.a_rev", (("map.open", {"tab": "inside", "section": "reverse_step"}),)),
    ("map.f6_9", (("map.open", {"tab": "prompts", "section": "img2img", "strength": "0.33"}),)),
    ("map.f6_10", (("map.open", {"tab": "diffusion"}),)),
    ("map.f6_11", (("map.open", {"tab": "prompts", "mode": "permute", "run": "1"}),)),
    ("map.f6_12", (("map.open", {"tab": "prompts", "mode": "colour", "run": "1"}),)),
    ("map.f6_13", (("map.open", {"tab": "prompts", "section": "img2img", "strength": "0.25"}),)),
    ("map.f6_14", (("map.open", {"tab": "prompts", "section": "img2img", "strength": "0.12"}),)),
)

STRINGS = {
    "en": {
        "map.title": "📖 The chapter, figure by figure: where each one is in this app",
        "map.intro": (
            "Each figure, table and algorithm of the chapter with what it shows and a link that opens the view that "
            "does it here (the link sets the controls and, where it is quick, runs them)."
        ),
        "map.open": "open the view",
        "map.open_walk": "the third number",
        "map.open_grid": "a map of two numbers",
        "map.f6_1": (
            "**Figure 6-1**, the GAN's architecture as blocks: a random vector goes into the generator; the "
            "discriminator gets real data and the generator's output and says “real” or “fake”. Here, the chapter's "
            "training loop one minibatch at a time: real digits, fakes, and the discriminator's verdicts."
        ),
        "map.f6_2": (
            "**Figure 6-2**, the heights of 25,000 people: a normal distribution, the bell curve. The noise vector "
            "draws each of its numbers from such a curve (mean 0, most between −3 and 3). There are no heights here: "
            "the ten numbers of a noise vector against the bell curve."
        ),
        "map.f6_3": (
            "**Figure 6-3**, the generator (10 noise numbers → 256 → 512 → 1,024 → 784, leaky ReLU) and the "
            "discriminator (784 → 1,024 → 512 → 256 → 1, sigmoid). Here, digits from that very network."
        ),
        "map.f6_4": (
            "**Figure 6-4**, the generator's output after epochs 1, 60 and 200. Here, the chapter recipe's timeline at "
            "epoch 60; slide to 1 and 200."
        ),
        "map.t6_1": (
            "**Table 6-1**, the share of each digit among 1,000 generated digits, read by a CNN: far too many 1s, "
            "a sign of mode collapse. Here, count 1,000 digits of the chapter recipe's GAN yourself."
        ),
        "map.f6_5": (
            "**Figure 6-5**, a conditional GAN (convolutional) asked for each digit, the wanted digit given as a "
            "one-hot vector. Here, ten of every digit."
        ),
        "map.f6_6": (
            "**Figure 6-6**, moving through a two-dimensional noise space (top), and the third element of the "
            "ten-number noise vector varied while the others stay fixed: a 3 turns into a 9, then a 4 (bottom). Here:"
        ),
        "map.f6_7": (
            "**Figure 6-7**, a controllable GAN editing generated faces along learned directions (age, glasses, "
            "gender, pose). An MNIST model has no faces; here, the same idea on digits: directions for thickness, "
            "slant and each digit."
        ),
        "map.f6_8": (
            "**Figure 6-8**, a picture turned into noise with a linear schedule (top) and a cosine schedule (bottom), "
            "which destroys it more slowly. Here, the same on a digit, with the same noise in every row."
        ),
        "map.a_fwd": (
            "**The forward algorithm** (training): pick a training image x₀ and a timestep t, add noise e to get "
            "x_t, and teach the model to estimate e. Here, a test digit at step t and the noise the network estimates."
        ),
        "map.a_rev": (
            "**The reverse algorithm** (sampling): from pure noise x_T, subtract the model's output at each step and "
            "add a little fresh noise z, down to x₀. Here, those steps one at a time."
        ),
        "map.f6_9": (
            "**Figure 6-9**, Stable Diffusion's variations of the Mona Lisa, made from the painting with 33 % noise "
            "and a text prompt. This model draws digits, not paintings; nearest: img2img from a digit you give it."
        ),
        "map.f6_10": (
            "**Figure 6-10**, a diffusion model's mistakes: a dog with five legs, a T. rex with extra mouths, "
            "deformed hands. This model's mistakes are wrong digits and colours; the Diffusion tab collects them."
        ),
        "map.f6_11": (
            "**Figure 6-11**, vases from the same starting noise, only the order of “ornate”, “green” and “vase” "
            "changed: three alike, the fourth different. Here, the words of “ornate green seven” reordered."
        ),
        "map.f6_12": (
            "**Figure 6-12**, the same prompt and noise with only the colour word changed (red, mauve, yellow, "
            "blue). Here, the colour word swapped."
        ),
        "map.f6_13": (
            "**Figure 6-13**, a photo enlarged three times: cubic interpolation beside a diffusion model's version "
            "made from the photo with 25 % noise. Photos are beyond an MNIST model; nearest: img2img at 0.25."
        ),
        "map.f6_14": (
            "**Figure 6-14**, a bird photographed through smoke: the original, the best an image editor could do, "
            "and Stable Diffusion's version from about 12 % noise. Photos are beyond an MNIST model; nearest: "
            "img2img at 0.12."
        ),
    },
    "zh-CN": {
        "map.title": "📖 按图索骥：本章的每幅图在本应用的哪里",
        "map.intro": (
            "本章的每幅图、每张表和两个算法：它展示了什么，以及打开本应用中对应视图的链接"
            "（链接会设好控件，较快的还会直接运行）。"
        ),
        "map.open": "打开视图",
        "map.open_walk": "第三个数",
        "map.open_grid": "两个数构成的地图",
        "map.f6_1": (
            "**图 6-1**，生成对抗网络架构的概念化：随机向量进入生成器；判别器接收真实数据和生成器的输出，"
            "给出“真实”或“假”的标签。这里：本章的训练步骤，一次一个小批量——真实数字、假数字和判别器的判断。"
        ),
        "map.f6_2": (
            "**图 6-2**，25,000 个人的身高分布：正态分布，即钟形曲线。噪声向量的每个元素都从这样的分布中抽取"
            "（均值为零，大多在 -3 到 3 之间）。这里没有身高数据：看的是一个噪声向量的十个数与钟形曲线的对比。"
        ),
        "map.f6_3": (
            "**图 6-3**，生成器（10 个噪声数 → 256 → 512 → 1,024 → 784，leaky ReLU）与判别器"
            "（784 → 1,024 → 512 → 256 → 1，sigmoid）。这里：正是这个网络生成的数字。"
        ),
        "map.f6_4": (
            "**图 6-4**，生成器在第 1、60 和 200 次迭代后的输出。这里：本章配方在第 60 个周期的时间线；"
            "拖到 1 和 200 看看。"
        ),
        "map.t6_1": (
            "**表 6-1**，由卷积神经网络判读的 1,000 个生成数字中各数字所占的比例：“1”太多了，这是模式崩溃的迹象。"
            "这里：亲自数一数本章配方的 GAN 生成的 1,000 个数字。"
        ),
        "map.f6_5": (
            "**图 6-5**，条件 GAN（卷积层）按每个数字生成样本，期望的数字以独热编码给出。这里：每个数字各十个。"
        ),
        "map.f6_6": (
            "**图 6-6**，在二维噪声空间中移动（上），以及保持其他元素不变、调整 10 元素噪声向量的第三个元素："
            "数字三变为九，再变为四（下）。这里："
        ),
        "map.f6_7": (
            "**图 6-7**，可控 GAN 沿学到的方向（年龄、眼镜、性别、姿势）调整生成的人脸。MNIST 模型没有人脸；"
            "这里是数字上的同一思路：粗细、倾斜和各个数字的方向。"
        ),
        "map.f6_8": (
            "**图 6-8**，将图像转化为噪声的两种方式：线性计划（上）和破坏得更慢的余弦计划（下）。"
            "这里：在一个数字上做同样的事，每一行用的是同一份噪声。"
        ),
        "map.a_fwd": (
            "**前向算法**（训练）：随机选一张训练图像 x₀ 和一个时间步长 t，加入噪声 e 得到 x_t，"
            "让模型学会估计 e。这里：一个测试数字在第 t 步的样子，以及网络估计出的噪声。"
        ),
        "map.a_rev": (
            "**反向算法**（采样）：从纯噪声图像 x_T 开始，每一步减去模型的输出并加上一点新的噪声 z，直到 x₀。"
            "这里：一步一步地走。"
        ),
        "map.f6_9": (
            "**图 6-9**，Stable Diffusion 根据原画（加入 33% 的噪声）和文本提示想象出的《蒙娜丽莎》变体。"
            "这个模型只会画数字，不会画油画；最接近的是：从你给的数字出发的 img2img。"
        ),
        "map.f6_10": (
            "**图 6-10**，扩散模型错误：五条腿的边境牧羊犬、多嘴的霸王龙、畸形的手。"
            "这个模型犯的错是数字或颜色不对；扩散标签页收集了这些错误。"
        ),
        "map.f6_11": (
            "**图 6-11**，从同一张初始噪声图像出发、只改变“华丽的”“绿色的”“花瓶”三个词的顺序生成的花瓶："
            "三个相似，第四个不同。这里：把“ornate green seven”的词序打乱。"
        ),
        "map.f6_12": "**图 6-12**，提示语和初始噪声都不变，只把颜色词换成红色、淡紫色、黄色和蓝色。这里：换掉颜色词。",
        "map.f6_13": (
            "**图 6-13**，扩散模型图像增强：把照片放大 3 倍，立方插值与扩散模型（照片加入 25% 的噪声）的结果并排。"
            "MNIST 模型处理不了照片；最接近的是：强度 0.25 的 img2img。"
        ),
        "map.f6_14": (
            "**图 6-14**，隔着烟雾拍到的西部草地百灵鸟：原图、图像处理程序的最佳尝试、稳定扩散（约 12% 的噪声）"
            "增强后的结果。MNIST 模型处理不了照片；最接近的是：强度 0.12 的 img2img。"
        ),
    },
}


def link(query: dict) -> str:
    """A lesson link relative to the page, so it works wherever the page is served (a Space, a share link)."""
    return "?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote)


def text(lang: str) -> str:
    """The whole map in one language, as Markdown: one line per figure, table or algorithm, with its links."""
    lines = [tr("map.intro", lang), ""]
    for key, links in ENTRIES:
        opened = " · ".join(f"[{tr(words, lang)}]({link(q)})" for words, q in links)
        lines.append(f"- {tr(key, lang)} → {opened}")
    return "\n".join(lines)


def build() -> None:
    """The closed section at the top of the page; its text arrives in the page's language when the page opens."""
    with gr.Accordion(txt("map.title"), open=False, elem_id="chapter-map"):
        body = gr.Markdown(elem_id="chapter-map-list")

    def fill(request: gr.Request):
        return text(lang_of(request))

    root = gr.context.Context.root_block
    root.load(fill, None, [body], api_visibility="private", queue=False, show_progress="hidden")
