"""The GAN's noise space: walk one dimension (/latent_walk), map two (/latent_grid), interpolate between two seeds
(/latent_interpolate), and move along semantic directions fitted after InterFaceGAN (/latent_direction)."""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch
from PIL import Image, ImageDraw

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import (
    Number,
    as_seed,
    example_caching,
    guarded,
    model,
    on_open,
    picture,
    txt,
)
from gendemo.app.ui.gan_common import fast_classifier
from gendemo.classifier.fast import judge
from gendemo.core.images import to_pil, to_pil_grid
from gendemo.gan import latent as L
from gendemo.gan.sampling import generate, noise

TAB_KEY = "latent.tab"
WALK, GRID, PATH = ENDPOINTS["latent_walk"], ENDPOINTS["latent_grid"], ENDPOINTS["latent_path"]
VECTOR, INTERPOLATE = ENDPOINTS["latent_vector"], ENDPOINTS["latent_interpolate"]
DIRECTION = ENDPOINTS["latent_direction"]
# typed coordinates and map ranges: far beyond the ±3 where nearly all training noise fell
SPAN_MAX = GRID.param("span").hi
VEC_MAX = VECTOR.param("z0").hi  # the ten sliders: the chapter's "mostly between −3 and 3"
NOISE_DIM = 10  # the chapter's ten numbers (the shipped GAN's noise_dim)
ALPHA_MAX = DIRECTION.param("alpha").hi
STRIP_STEPS = 11  # the context strip along a direction, from −ALPHA_MAX to +ALPHA_MAX
DIGIT_ATTRS = [f"digit{d}" for d in range(10)]
# the walk's default: dimension 8 turns this seed's 3 into a 9 and then a 4 (see its declaration)
WALK_SEED, WALK_DIM = WALK.param("seed").default, WALK.param("dim").default

STRINGS = {
    "en": {
        "latent.tab": "Latent space",
        "latent.intro": (
            "Every digit this GAN draws comes from a point in a ten-dimensional space: its noise vector. Nearby points "
            "give similar digits, and moving steadily in one direction changes the picture gradually. With only ten "
            "dimensions, each one tends to control several things at once — shape, thickness, even which digit it is. "
            "That mixing is called *entanglement*.\n\n"
            "**Try this:** in the walk, keep the seed and try each dimension in turn; find one that changes the digit "
            "itself. The chapter's third dimension turned a 3 into a 9 and then a 4. This GAN arranged its noise space "
            "its own way: here the ninth dimension (number 8, counting from 0) does it to seed 410 — its 3 becomes a "
            "9, then a 4."
        ),
        "latent.walk_h": "### Walk along one dimension",
        "latent.seed": "Seed (the starting noise vector)",
        "latent.dim": "Dimension (0–9)",
        "latent.k": "Steps from −3 to +3",
        "latent.walk_btn": "Walk",
        "latent.walk_out": "One dimension from −3 (left) to +3 (right), all the others fixed",
        "latent.more": (
            "Deeper, one click each: map two dimensions and click the map, hold the ten numbers in your hands, "
            "interpolate between two seeds, and follow directions that mean something (thickness, slant, a digit)."
        ),
        "latent.grid_h": "Map two dimensions (click the map to draw the digit there)",
        "latent.dim_x": "Dimension across (left → right)",
        "latent.dim_y": "Dimension down (top → bottom)",
        "latent.k_grid": "Steps per side",
        "latent.grid_btn": "Map",
        "latent.grid_out": "Both dimensions across the chosen range (−3 to +3 unless you widen it)",
        "latent.span": "Map reaches ± this far",
        "latent.pick_hint": "Click anywhere in the map to draw the digit at that exact point, large.",
        "latent.pick_out": "The digit at the clicked point",
        "latent.picked": (
            "Clicked point: dimension {dx} = **{x:.2f}**, dimension {dy} = **{y:.2f}** (every other dimension as in "
            "the seed's vector). The classifier reads a **{d}** ({p:.0f} %). Type it as ({x:.2f}, {y:.2f}) below to "
            "start a move from here."
        ),
        "latent.path_h": "#### Move from one point of the map to another",
        "latent.path_intro": (
            "Type two points of this map as (across, down), e.g. the chapter's (2, 5) → (6, 1). Points beyond ±3 "
            "are allowed: that is where the generator almost never got noise during training, and the digits there "
            "show it."
        ),
        "latent.from": "From (across, down)",
        "latent.to": "To (across, down)",
        "latent.k_path": "Steps",
        "latent.path_btn": "Move",
        "latent.path_out": "From the first point (left) to the second (right)",
        "latent.vec_h": "The noise vector in hand: ten sliders",
        "latent.vec_intro": (
            "These are the ten numbers the generator turns into a digit: each one drawn from a standard normal "
            "distribution, so most lie between −3 and 3. Start from a seed, then move any of them; the picture "
            "follows. The histogram sets the ten values against the bell curve they were drawn from."
        ),
        "latent.vec_seed": "Start from seed",
        **{f"latent.z{i}": f"z[{i}]" for i in range(10)},
        "latent.vec_load": "Load the seed's ten numbers",
        "latent.vec_out": "The digit these ten numbers give",
        "latent.vec_hist": "The ten numbers against the standard normal curve",
        "latent.vec_reads": (
            "The classifier reads **{d}** ({p:.0f} %). Length of the vector: {norm:.2f} (typical: about 3.1)."
        ),
        "latent.bad_point": "{name} must be two numbers like (2, 5), each between −{m} and {m}; got {value!r}.",
        "latent.interp_h": "Interpolate between two seeds",
        "latent.interp_intro": (
            "A straight line between two noise vectors (linear, top row) cuts through the middle of the space, where "
            "vectors are shorter than almost any the generator saw in training, so the middle digits can look faint or "
            "generic. Spherical interpolation (bottom row) follows an arc and keeps the length typical."
        ),
        "latent.seed_a": "Seed A (left)",
        "latent.seed_b": "Seed B (right)",
        "latent.k_interp": "Steps",
        "latent.interp_btn": "Interpolate",
        "latent.interp_out": "Top: linear · bottom: spherical",
        "latent.dir_h": "Semantic directions (InterFaceGAN): thickness, slant, a digit",
        "latent.dir_intro": (
            "Following Shen et al. (2019), thousands of random noise vectors were drawn and every resulting digit was "
            "scored: which digit the classifier sees, how thick its strokes are, how much it leans. For each score a "
            "straight boundary in the noise space was fitted (logistic regression) to separate high from low; the "
            "arrow perpendicular to that boundary is the direction. Slide along it and see what changes — and what "
            "changes that should not (entanglement). Optionally, remove from the direction its "
            "overlap with a second one."
        ),
        "latent.attr": "Direction",
        "latent.a_thickness": "stroke thickness",
        "latent.a_slant": "slant",
        "latent.a_digit": "more like a {d}",
        "latent.keep": "Keep this one fixed (project it out)",
        "latent.none": "nothing",
        "latent.alpha": "Distance along the direction",
        "latent.dir_btn": "Move",
        "latent.dir_out": "The digit at this distance",
        "latent.dir_strip": "From −5 (left) to +5 (right) along the direction",
        "latent.dir_table": "What changes along the way (the strip's points, and yours)",
        "latent.your_point": "{a} ← your point",
        # handler text
        "latent.reads": "The classifier reads, left to right: {seq}",
        "latent.same_dims": "Choose two different dimensions (both are {d}).",
        "latent.bad_attr": "Unknown direction {value!r}; choose one of: {names}.",
        "latent.norms": "Length of the noise vector along the path — linear: {lin}; spherical: {sph}.",
        "latent.col_alpha": "distance",
        "latent.col_digit": "digit seen",
        "latent.col_conf": "confidence %",
        "latent.col_thick": "thickness (px)",
        "latent.col_slant": "slant (°)",
        "latent.dir_summary": (
            "**{name}** — the boundary separates its two sides for {acc:.0f} % of held-out samples (50 % would mean "
            "the noise space has no straight-line notion of it). Fitted on {n:,} samples ({source}). Most aligned "
            "other directions: {others}. A cosine near 0 means independent; near ±1 means the two are tangled together."
        ),
        "latent.projected": "The part along **{other}** was removed first (cosine before: {cos:+.2f}).",
        "latent.src_quick": "fitted when the app started, as the shipped file was missing or belonged to another GAN",
        "latent.dice_h": "Figure 6-2 and the dice: what drawing from a distribution means",
        "latent.dice_intro": (
            "The chapter explains sampling with two dice: a sum of 7 is likelier than a 2, because more throws add up "
            "to 7 and only one (snake eyes) to 2. Its figure 6-2 is 25,000 people's heights in 30 bins: a bell curve, "
            "the normal distribution, the most common values near the mean. The noise vector is drawn the same way, "
            "from a normal distribution with mean 0. Press the button to throw and draw afresh (the seed changes "
            "every throw); the right panel puts the ten numbers of the seed in hand on the same curve."
        ),
        "latent.dice_btn": "Throw the dice and draw 25,000 numbers",
        "latent.dice_out": "Two dice summed · 25,000 normal draws in 30 bins · the ten noise numbers",
        "latent.dice_read": (
            "**{n:,} throws of two dice:** a sum of 7 came up {p7:.1f} % of the time (exactly 6 of 36 ways, "
            "16.7 %), a 2 only {p2:.1f} % (1 of 36, 2.8 %). **{n:,} normal draws:** the tallest of the 30 bins, "
            "around {mode:+.2f}, holds {top:.1f} % of them (the chapter's most common height bin held over 10 %); "
            "{in3:.1f} % lie between −3 and 3. **The noise vector of seed {seed}:** its ten numbers are ten such draws."
        ),
        "latent.dice_t1": "sum of two dice ({n:,} throws)",
        "latent.dice_t2": "{n:,} normal draws, 30 bins",
        "latent.dice_t3": "the ten noise numbers of seed {seed}",
        "latent.dice_exact": "exact",
        "latent.z100_h": "Does a bigger noise vector untangle? 100 numbers against 10, measured",
        "latent.z100_claim": (
            "**The chapter's claim:** smaller noise vectors tend to be more entangled, so interesting directions are "
            "hard to find; some training tricks and a larger vector — 100 elements instead of our 10 — raise the "
            "chance that a feature gets a direction of its own.\n\n"
            "**The test:** a second GAN was trained here exactly like the shipped one (the remedy recipe, seed 0) but "
            "from 100 noise numbers, for {E} epochs, and set beside the 10-number GAN after the same {E} epochs. In "
            "both noise spaces the same directions were fitted on {n:,} samples each, as in the section above. "
            "*Separability* is how well one straight boundary in the noise space splits the digits that have a "
            "feature from those that do not, on samples held out from the fit (50 %: no straight-line notion of it "
            "at all; 100 %: one direction captures it)."
        ),
        "latent.z100_table": (
            "| direction | 10 numbers | 100 numbers |\n|---|---|---|\n{rows}\n"
            "| **mean of the twelve** | **{m10:.1f} %** | **{m100:.1f} %** |"
        ),
        "latent.z100_row": "| {name} | {a:.1f} % | {b:.1f} % |",
        "latent.z100_more": (
            "The 100-number space separates {k} of the 12 features better. "
            "The same samples' digits, as the classifier reads them — 10 numbers: {s10}; 100 numbers: {s100} "
            "(KL to an even mix {kl10:.4f} and {kl100:.4f} nats). How tangled the fitted directions are with each "
            "other: their mean |cosine| is {c10:.2f} with 10 numbers and {c100:.2f} with 100, where random directions "
            "would give {r10:.2f} and {r100:.2f}: in 100 dimensions unrelated directions are nearer to right angles "
            "whatever the generator learnt, so only the gap to the random figure says something."
        ),
        "latent.z100_verdict_more": (
            "**So here:** the bigger vector made the features easier to reach along single directions, as the "
            "chapter expects: {m100:.1f} % against {m10:.1f} % on average."
        ),
        "latent.z100_verdict_less": (
            "**So here:** the bigger vector did not make the features easier to reach along single directions "
            "({m100:.1f} % against {m10:.1f} % on average): in this test the chapter's expectation does not hold."
        ),
        "latent.z100_verdict_same": (
            "**So here:** about the same ({m100:.1f} % against {m10:.1f} % on average): in this test a bigger vector "
            "alone neither helped nor hurt."
        ),
        "latent.z100_later": (
            "**Later in training, measured alike:** {items}. These later points are not both at the same epoch, "
            "so they only say whether more training changed the picture."
        ),
        "latent.z100_later_item": "{dim} numbers after epoch {epoch}: {sep:.1f} % (KL {kl:.3f})",
        "latent.z100_limits": (
            "One seed each, {E} epochs, one way of measuring (logistic boundaries on judged digits, stroke thickness "
            "and slant). Rebuild: `{cmd}`."
        ),
        "latent.z100_none": "The 100-versus-10 comparison has not been measured yet (python -m gendemo.gan.noise_size "
        "compare).",
    },
    "zh-CN": {
        "latent.tab": "潜在空间",
        "latent.intro": (
            "这个 GAN 画出的每个数字，都来自十维空间中的一个点：它的噪声向量。相邻的点给出相似的数字，"
            "沿一个方向稳步移动，图像也会逐渐变化。只有十个维度时，每个维度往往同时控制好几样东西——形状、粗细，"
            "甚至是哪个数字。这种混杂称为*纠缠*。\n\n"
            "**试一试**：在“漫步”中保持随机种子不变，依次尝试每个维度，找出一个能改变数字本身的维度"
            "。本章中的第三个维度把 3 先变成 9，再变成 4。这个 GAN 的噪声空间有它自己的排列方式："
            "在这里是第九个维度（从 0 数起的 8 号维度）对种子 410 做到了这一点：它的 3 先变成 9，再变成 4。"
        ),
        "latent.walk_h": "### 沿一个维度漫步",
        "latent.seed": "随机种子（起始噪声向量）",
        "latent.dim": "维度（0–9）",
        "latent.k": "从 −3 到 +3 的步数",
        "latent.walk_btn": "漫步",
        "latent.walk_out": "一个维度从 −3（左）到 +3（右），其余维度都保持不变",
        "latent.more": (
            "更深入的内容各需点一下展开：两个维度的地图（可以点击地图）、亲手调整十个数、在两个随机种子之间插值，"
            "以及沿着有含义的方向（粗细、倾斜、某个数字）移动。"
        ),
        "latent.grid_h": "两个维度的地图（点击地图即可画出那一点上的数字）",
        "latent.dim_x": "横向维度（左 → 右）",
        "latent.dim_y": "纵向维度（上 → 下）",
        "latent.k_grid": "每边的步数",
        "latent.grid_btn": "绘制地图",
        "latent.grid_out": "两个维度都覆盖所选范围（默认 −3 到 +3）",
        "latent.span": "地图的范围（± 多远）",
        "latent.pick_hint": "在地图上任意位置点一下，就能放大画出那个点上的数字。",
        "latent.pick_out": "点中位置上的数字",
        "latent.picked": (
            "点中的位置：维度 {dx} = **{x:.2f}**，维度 {dy} = **{y:.2f}**（其余维度都与该种子的向量相同）。"
            "分类器认为它是 **{d}**（{p:.0f} %）。在下方输入 ({x:.2f}, {y:.2f})，就能从这里出发移动。"
        ),
        "latent.path_h": "#### 从地图上的一点移到另一点",
        "latent.path_intro": (
            "以（横向，纵向）的形式输入地图上的两个点，例如本章的 (2, 5) → (6, 1)。允许超出 ±3："
            "训练时生成器几乎从未在那里得到过噪声，那里的数字也会显露出这一点。"
        ),
        "latent.from": "起点（横向，纵向）",
        "latent.to": "终点（横向，纵向）",
        "latent.k_path": "步数",
        "latent.path_btn": "移动",
        "latent.path_out": "从第一个点（左）到第二个点（右）",
        "latent.vec_h": "亲手调整噪声向量：十个滑块",
        "latent.vec_intro": (
            "生成器把这十个数变成一个数字：每个数都取自标准正态分布，所以大多在 −3 到 3 之间。先从一个随机种子开始，"
            "再拖动其中任何一个；图片会随之变化。直方图把这十个值与它们所来自的钟形曲线放在一起。"
        ),
        "latent.vec_seed": "从这个随机种子开始",
        **{f"latent.z{i}": f"z[{i}]" for i in range(10)},
        "latent.vec_load": "载入该种子的十个数",
        "latent.vec_out": "这十个数生成的数字",
        "latent.vec_hist": "这十个数与标准正态曲线",
        "latent.vec_reads": "分类器认为是 **{d}**（{p:.0f} %）。向量长度：{norm:.2f}（通常约为 3.1）。",
        "latent.bad_point": "{name} 必须是像 (2, 5) 这样的两个数，每个都在 −{m} 到 {m} 之间；收到的是 {value!r}。",
        "latent.interp_h": "在两个随机种子之间插值",
        "latent.interp_intro": (
            "两个噪声向量之间的直线（线性插值，上排）会穿过空间的中部，那里的向量比训练时生成器见过的几乎所有向量都短，"
            "因此中间的数字可能显得模糊或平庸。球面插值（下排）沿着弧线走，让向量长度保持在常见范围。"
        ),
        "latent.seed_a": "种子 A（左）",
        "latent.seed_b": "种子 B（右）",
        "latent.k_interp": "步数",
        "latent.interp_btn": "插值",
        "latent.interp_out": "上排：线性 · 下排：球面",
        "latent.dir_h": "语义方向（InterFaceGAN）：粗细、倾斜、某个数字",
        "latent.dir_intro": (
            "仿照 Shen 等人（2019）的做法：随机抽取数千个噪声向量，并给生成的每个数字打分——分类器认为它是哪个数字、"
            "笔画有多粗、倾斜了多少。对每一种分数，在噪声空间里拟合一个把高分和低分分开的平面边界（逻辑回归）；"
            "垂直于这个边界的箭头就是方向。沿着它滑动，看看什么变了——以及哪些不该变的也变了（纠缠）。"
            "还可以先从这个方向中去掉它与另一个方向重叠的部分。"
        ),
        "latent.attr": "方向",
        "latent.a_thickness": "笔画粗细",
        "latent.a_slant": "倾斜",
        "latent.a_digit": "更像 {d}",
        "latent.keep": "保持这一项不变（投影去除）",
        "latent.none": "无",
        "latent.alpha": "沿方向移动的距离",
        "latent.dir_btn": "移动",
        "latent.dir_out": "这个距离上的数字",
        "latent.dir_strip": "沿该方向从 −5（左）到 +5（右）",
        "latent.dir_table": "一路上发生了哪些变化（色带上的各点，以及你选的点）",
        "latent.your_point": "{a} ← 你选的点",
        "latent.reads": "分类器从左到右读出：{seq}",
        "latent.same_dims": "请选择两个不同的维度（现在都是 {d}）。",
        "latent.bad_attr": "未知的方向 {value!r}；请从以下选项中选择：{names}。",
        "latent.norms": "路径上噪声向量的长度——线性：{lin}；球面：{sph}。",
        "latent.col_alpha": "距离",
        "latent.col_digit": "认出的数字",
        "latent.col_conf": "置信度 %",
        "latent.col_thick": "粗细（像素）",
        "latent.col_slant": "倾斜（°）",
        "latent.dir_summary": (
            "**{name}** —— 在留出的样本上，这个边界能把两边正确分开的比例为 {acc:.0f} %（50% "
            "意味着噪声空间里没有对应的直线方向）。用 {n:,} 个样本拟合（{source}）。与之最接近的其他方向：{others}。"
            "余弦接近 0 表示相互独立，接近 ±1 表示两者纠缠在一起。"
        ),
        "latent.projected": "已先去掉沿 **{other}** 的分量（去除前的余弦：{cos:+.2f}）。",
        "latent.src_quick": "因随附的文件缺失或属于另一个 GAN，在应用启动时现场拟合",
        "latent.dice_h": "图 6-2 与骰子：从分布中抽样是什么意思",
        "latent.dice_intro": (
            "本章用两个骰子解释抽样：点数和为 7 比为 2 更可能，因为有更多种掷法加起来是 7，而得到 2 只有一种（蛇眼）。"
            "图 6-2 是 25,000 个人的身高放进 30 个区间：一条钟形曲线，即正态分布，最常见的值靠近平均值。"
            "噪声向量也是这样抽出来的，来自均值为 0 的正态分布。按下按钮重新掷骰子、重新抽数（每掷一次种子都会变）；"
            "右图把手头这个种子的十个数放在同一条曲线上。"
        ),
        "latent.dice_btn": "掷骰子并抽取 25,000 个数",
        "latent.dice_out": "两个骰子之和 · 25,000 个正态抽样分成 30 个区间 · 十个噪声数",
        "latent.dice_read": (
            "**掷两个骰子 {n:,} 次：** 和为 7 的次数占 {p7:.1f} %（36 种掷法中恰有 6 种，16.7 %），"
            "和为 2 只占 {p2:.1f} %（36 种中 1 种，2.8 %）。**{n:,} 个正态抽样：** 30 个区间中最高的一个在 {mode:+.2f} "
            "附近，占 {top:.1f} %（本章最常见的身高区间占 10% 以上）；{in3:.1f} % 落在 −3 到 3 之间。"
            "**种子 {seed} 的噪声向量：** 它的十个数就是十次这样的抽样。"
        ),
        "latent.dice_t1": "两个骰子之和（{n:,} 次）",
        "latent.dice_t2": "{n:,} 个正态抽样，30 个区间",
        "latent.dice_t3": "种子 {seed} 的十个噪声数",
        "latent.dice_exact": "精确值",
        "latent.z100_h": "更大的噪声向量能解开纠缠吗？100 个数对 10 个数的实测",
        "latent.z100_claim": (
            "**本章的说法：** 噪声向量较小时往往更容易纠缠，因而很难找到有意义的方向；一些训练技巧和更大的向量"
            "（例如用 100 个元素而不是我们的 10 个）能提高把某个特征分配到单一方向上的机会。\n\n"
            "**检验方法：** 这里又训练了一个 GAN，做法与随附的那个完全相同（改良配方，种子 0），只是从 100 "
            "个噪声数出发，"
            "训练 {E} 轮，再与同样训练了 {E} 轮的 10 个数的 GAN 比较。在两个噪声空间里，用与上一节相同的方法，"
            "各在 {n:,} 个样本上拟合同样的方向。*可分性*指噪声空间里的一个平面边界，能在拟合时留出的样本上，"
            "把具有某特征的数字和不具有的分开到什么程度（50 %：完全没有对应的直线方向；100 %：一个方向就能抓住它）。"
        ),
        "latent.z100_table": (
            "| 方向 | 10 个数 | 100 个数 |\n|---|---|---|\n{rows}\n"
            "| **十二个的平均** | **{m10:.1f} %** | **{m100:.1f} %** |"
        ),
        "latent.z100_row": "| {name} | {a:.1f} % | {b:.1f} % |",
        "latent.z100_more": (
            "在 12 个特征中，100 个数的空间有 {k} 个分得更好。"
            "同一批样本由分类器认出的数字——10 个数：{s10}；100 个数：{s100}"
            "（与均匀分布的 KL 分别为 {kl10:.4f} 和 {kl100:.4f} 奈特）。拟合出的各方向彼此纠缠的程度："
            "10 个数时平均 |余弦| 为 {c10:.2f}，100 个数时为 {c100:.2f}，而随机方向会给出 {r10:.2f} 和 {r100:.2f}："
            "在 100 维中，无关的方向本来就更接近直角，与生成器学到什么无关，所以只有与随机值的差距才说明问题。"
        ),
        "latent.z100_verdict_more": (
            "**结论（这里）：** 更大的向量让特征更容易沿单一方向达到，与本章的预期一致：平均 {m100:.1f} % 对 {m10:.1f} "
            "%。"
        ),
        "latent.z100_verdict_less": (
            "**结论（这里）：** 更大的向量并没有让特征更容易沿单一方向达到（平均 {m100:.1f} % 对 {m10:.1f} %）："
            "在这次检验中，本章的预期不成立。"
        ),
        "latent.z100_verdict_same": (
            "**结论（这里）：** 两者差不多（平均 {m100:.1f} % 对 {m10:.1f} %）：在这次检验中，"
            "单靠更大的向量既没有帮助也没有妨碍。"
        ),
        "latent.z100_later": "**训练更久之后，用同样的方法测量：** {items}。这几个点不在同一轮，"
        "只能说明更多的训练是否改变了结论。",
        "latent.z100_later_item": "{dim} 个数、第 {epoch} 轮之后：{sep:.1f} %（KL {kl:.3f}）",
        "latent.z100_limits": "每种只有一个种子、{E} 轮训练、一种测量方法（在判定的数字、"
        "笔画粗细和倾斜上拟合逻辑回归边界）。重建：`{cmd}`。",
        "latent.z100_none": "尚未测量 100 对 10 的比较（python -m gendemo.gan.noise_size compare）。",
    },
}


def _attr_name(a: str, lang: str) -> str:
    if a.startswith("digit"):
        return tr("latent.a_digit", lang, d=a[5:])
    return tr(f"latent.a_{a}", lang)


def _z0(seed, g):
    return noise(1, g.cfg.noise_dim, seed)[0]


def _reads(net, x, lang) -> str:
    probs = judge(net, x)
    return tr("latent.reads", lang, seq=" → ".join(str(int(d)) for d in probs.argmax(1)))


@WALK.handler
def latent_walk(seed, dim, k, request: gr.Request = None):
    lang = lang_of(request)
    g = model("gan", lang)
    dim = min(dim, g.cfg.noise_dim - 1)
    x = generate(g, L.walk(_z0(seed, g), dim, k)).cpu()
    return to_pil_grid(x, nrow=k, scale=3), _reads(fast_classifier(lang), x, lang)


@GRID.handler
def latent_grid(seed, dim_x, dim_y, k, span, request: gr.Request = None):
    lang = lang_of(request)
    dx, dy = dim_x, dim_y
    if dx == dy:
        raise gr.Error(tr("latent.same_dims", lang, d=dx))
    g = model("gan", lang)
    x = generate(g, L.grid(_z0(seed, g), dx, dy, k, -span, span)).cpu()
    return to_pil_grid(x, nrow=k, scale=_grid_scale(k))


def _grid_scale(k: int) -> int:
    return 2 if k > 10 else 3  # the map's enlargement: it must fit the page at 15 steps a side


def grid_point(px: float, py: float, k: int, span: float, scale: int) -> tuple[float, float]:
    """A pixel of the map (as drawn by to_pil_grid: 28-pixel tiles, 2-pixel gaps, enlarged `scale` times) → the
    (across, down) coordinates there. Tile i's centre is the map's i-th value, and between centres the coordinates
    run on linearly, so a click between two tiles lands between their values."""
    step = 2 * span / (k - 1)  # value between neighbouring tiles

    def value(p):
        tile = (p / scale - 2 - 14) / 30  # 0 at the first tile's centre, 1 at the next one's
        return float(np.clip(-span + tile * step, -SPAN_MAX, SPAN_MAX))

    return value(px), value(py)


@guarded
def latent_pick(seed=0, dim_x=0, dim_y=2, k=9, span=3.0, evt: gr.SelectData = None, request: gr.Request = None):
    lang = lang_of(request)
    if evt is None or not isinstance(getattr(evt, "index", None), (list, tuple)) or len(evt.index) != 2:
        return gr.skip(), gr.skip()
    # the map's controls, checked as /latent_grid checks them
    seed = GRID.param("seed").check(seed, lang)
    dx, dy = GRID.param("dim_x").check(dim_x, lang), GRID.param("dim_y").check(dim_y, lang)
    k, span = GRID.param("k").check(k, lang), GRID.param("span").check(span, lang)
    x, y = grid_point(float(evt.index[0]), float(evt.index[1]), k, span, _grid_scale(k))
    g = model("gan", lang)
    z = _z0(seed, g).clone()
    z[dx], z[dy] = x, y
    img = generate(g, z[None]).cpu()
    probs = judge(fast_classifier(lang), img)[0]
    text = tr("latent.picked", lang, dx=dx, dy=dy, x=x, y=y, d=int(probs.argmax()), p=100 * float(probs.max()))
    return to_pil(img[0], scale=8), text


def _point(value, name: str, lang: str) -> tuple[float, float]:
    """ "(2, 5)", "2,5", "2 5" or [2, 5] → (2.0, 5.0), each within ±SPAN_MAX."""
    if isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        text = str(value if value is not None else "").strip()[:100]
        for ch in "()[]（），,;；":
            text = text.replace(ch, " ")
        parts = text.split()
    try:
        xy = tuple(float(v) for v in parts)
    except (TypeError, ValueError):
        xy = ()
    if len(xy) != 2 or not all(np.isfinite(xy)) or max(abs(v) for v in xy) > SPAN_MAX:
        raise gr.Error(tr("latent.bad_point", lang, name=name, m=int(SPAN_MAX), value=value))
    return xy


@PATH.handler
def latent_path(seed, dim_x, dim_y, start, end, k, request: gr.Request = None):
    lang = lang_of(request)
    dx, dy = dim_x, dim_y
    if dx == dy:
        raise gr.Error(tr("latent.same_dims", lang, d=dx))
    a, b = _point(start, tr("latent.from", lang), lang), _point(end, tr("latent.to", lang), lang)
    g = model("gan", lang)
    x = generate(g, L.segment(_z0(seed, g), dx, dy, a, b, k)).cpu()
    return to_pil_grid(x, nrow=k, scale=3), _reads(fast_classifier(lang), x, lang)


def _histogram(values: np.ndarray) -> Image.Image:
    """The ten values as a histogram (bins 0.5 wide, as a density) over the N(0, 1) curve; drawn with PIL in well
    under a millisecond, so it can follow every slider move."""
    W, H, pad, lo, hi = 360, 180, 24, -4.0, 4.0
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    sx = lambda v: pad + (v - lo) / (hi - lo) * (W - 2 * pad)  # noqa: E731
    sy = lambda p: H - pad - p / 0.8 * (H - 2 * pad)  # noqa: E731 -- density 0.8 at the top
    d.line([(pad, H - pad), (W - pad, H - pad)], fill="black")
    for t in range(-4, 5):
        d.line([(sx(t), H - pad), (sx(t), H - pad + 4)], fill="black")
        d.text((sx(t) - 4, H - pad + 6), str(t), fill="black")
    width = 0.5
    for left in np.arange(lo, hi, width):
        c = int(((values >= left) & (values < left + width)).sum())
        if c:  # density: count / (n · bin width), comparable with the curve
            d.rectangle([sx(left) + 1, sy(c / (len(values) * width)), sx(left + width) - 1, H - pad], fill="#a5b4fc")
    xs = np.linspace(lo, hi, 200)
    pdf = np.exp(-(xs**2) / 2) / np.sqrt(2 * np.pi)
    d.line([(sx(a), sy(b)) for a, b in zip(xs, pdf, strict=True)], fill="#dc2626", width=2)
    for v in values:  # each value as a tick under the bars
        d.line(
            [(sx(float(np.clip(v, lo, hi))), H - pad - 6), (sx(float(np.clip(v, lo, hi))), H - pad)],
            fill="#312e81",
            width=2,
        )
    return img


@VECTOR.handler
def latent_vector(
    z0, z1, z2, z3, z4, z5, z6, z7, z8, z9, request: gr.Request = None
):  # ten named numbers, not *values: Gradio passes the request (and so the language) only to named parameters
    lang = lang_of(request)
    g = model("gan", lang)
    z = np.array((z0, z1, z2, z3, z4, z5, z6, z7, z8, z9), np.float32)
    z = z[: g.cfg.noise_dim]
    x = generate(g, torch.from_numpy(z)[None]).cpu()
    probs = judge(fast_classifier(lang), x)[0]
    reads = tr(
        "latent.vec_reads", lang, d=int(probs.argmax()), p=100 * float(probs.max()), norm=float(np.linalg.norm(z))
    )
    return to_pil(x[0], scale=8), _histogram(z), reads


def latent_seed_vector(seed=0, request: gr.Request = None):
    """The seed's noise vector (the one the other sections of this tab start from), rounded to the sliders' step."""
    lang = lang_of(request)
    z = noise(1, NOISE_DIM, as_seed(seed, lang))[0].clamp(-VEC_MAX, VEC_MAX)
    return [round(float(v), 2) for v in z]


@INTERPOLATE.handler
def latent_interpolate(seed_a, seed_b, k, request: gr.Request = None):
    lang = lang_of(request)
    g = model("gan", lang)
    za, zb = _z0(seed_a, g), _z0(seed_b, g)
    t = torch.linspace(0, 1, k)
    zl, zs = L.lerp(za, zb, t), L.slerp(za, zb, t)
    x = generate(g, torch.cat([zl, zs])).cpu()
    fmt = lambda z: " ".join(f"{v:.2f}" for v in z.norm(dim=1).tolist())
    return to_pil_grid(x, nrow=k, scale=3), tr("latent.norms", lang, lin=fmt(zl), sph=fmt(zs))


def _attr_value(value, names, lang):
    """A declared direction that the loaded directions' file also holds (a file fitted for fewer is refused by name)."""
    if value not in names:
        raise gr.Error(tr("latent.bad_attr", lang, value=value, names=", ".join(names)))
    return value


@DIRECTION.handler
def latent_direction(attribute, seed, alpha, keep, request: gr.Request = None):
    lang = lang_of(request)
    g = model("gan", lang)
    net = fast_classifier(lang)
    dirs = model("gan_directions", lang)
    names = list(dirs["attributes"])
    attr = _attr_value(attribute, names, lang)
    keep = keep if keep == "none" else _attr_value(keep, names, lang)
    normals = dirs["normals"]
    i = names.index(attr)
    n = normals[i].clone()
    note = ""
    if keep != "none" and keep != attr:
        m = normals[names.index(keep)]
        cos = float(n @ m)
        n = n - cos * m
        n = n / n.norm().clamp_min(1e-8)
        note = tr("latent.projected", lang, other=_attr_name(keep, lang), cos=cos)
    z0 = _z0(seed, g)
    alphas = torch.linspace(-ALPHA_MAX, ALPHA_MAX, STRIP_STEPS)
    zs = torch.cat([(z0 + alpha * n)[None], z0[None] + alphas[:, None] * n[None]])  # the chosen point, then the strip
    x = generate(g, zs).cpu()
    probs = judge(net, x)
    conf, pred = probs.max(1)
    thick, sl = L.thickness(x), L.slant(x)

    import pandas as pd

    # the strip's points in order, the chosen point among them once: marked on its own row, or on the strip's row when
    # it is one of them (it was listed first and again in the strip, "0" twice)
    points = [(float(a), 1 + j) for j, a in enumerate(alphas)]
    on_strip = next((j for a, j in points if abs(a - alpha) < 1e-6), None)
    if on_strip is None:
        points = sorted([*points, (alpha, 0)])
    mine = 0 if on_strip is None else on_strip
    rows = [j for _, j in points]
    table = pd.DataFrame(
        {
            tr("latent.col_alpha", lang): [
                tr("latent.your_point", lang, a=f"{round(a, 2):g}") if j == mine else f"{round(a, 2):g}"
                for a, j in points
            ],
            tr("latent.col_digit", lang): pred[rows].tolist(),
            tr("latent.col_conf", lang): np.round(100 * conf[rows].double().numpy(), 1),
            tr("latent.col_thick", lang): np.round(thick[rows].double().numpy(), 2),
            tr("latent.col_slant", lang): np.round(sl[rows].double().numpy(), 1),
        }
    )
    cos_all = normals @ n
    order = [j for j in cos_all.abs().argsort(descending=True).tolist() if j != i][:3]
    others = ", ".join(f"{_attr_name(names[j], lang)} ({float(cos_all[j]):+.2f})" for j in order)
    acc = float(dirs["accuracy"][i]) * 100
    summary = tr(
        "latent.dir_summary",
        lang,
        name=_attr_name(attr, lang),
        acc=acc,
        n=int(dirs.get("n") or 0),
        source=tr("latent.src_quick", lang)
        if dirs.get("source") == "quick"
        else str(dirs.get("source", "")).rsplit("/", 1)[-1],
        others=others,
    )
    if note:
        summary += "\n\n" + note
    # the strip spans the page: drawn at 4× so its eleven digits are about a hundred pixels tall there
    return to_pil(x[0], scale=8), to_pil_grid(x[1:], nrow=STRIP_STEPS, scale=4), table, summary


# within this many points of separability (percent) the two noise sizes count as the same
Z100_SAME = 1.0


def noise_size_text(lang: str = "en", results: dict | None = None) -> str:
    """The chapter's claim about noise size beside the measurement (gendemo/gan/noise_size.py's JSON): the twelve
    directions' separability for 10 and 100 noise numbers, the shares of the same samples, and a verdict computed from
    the figures, not written in advance."""
    from gendemo.gan.noise_size import load_results

    r = results if results is not None else load_results()
    if not r:
        return tr("latent.z100_none", lang)
    a, b = r["z10"], r["z100"]
    attrs = list(a["separability"])
    sa = [100 * a["separability"][k] for k in attrs]
    sb = [100 * b["separability"][k] for k in attrs]
    rows = "\n".join(tr("latent.z100_row", lang, name=_attr_name(k, lang), a=x, b=y) for k, x, y in zip(attrs, sa, sb))
    m10, m100 = sum(sa) / len(sa), sum(sb) / len(sb)
    verdict = "same" if abs(m100 - m10) < Z100_SAME else ("more" if m100 > m10 else "less")

    def shares(s):
        return " · ".join(f"{d}: {p:.1f} %" for d, p in enumerate(s["shares_percent"]))

    return "\n\n".join(
        [
            tr("latent.z100_claim", lang, E=r["epochs"], n=a["n"]),
            tr("latent.z100_table", lang, rows=rows, m10=m10, m100=m100),
            tr(f"latent.z100_verdict_{verdict}", lang, m10=m10, m100=m100),
            tr(
                "latent.z100_more",
                lang,
                k=sum(y > x for x, y in zip(sa, sb)),
                s10=shares(a),
                s100=shares(b),
                kl10=a["kl_to_uniform_nats"],
                kl100=b["kl_to_uniform_nats"],
                c10=a["mean_abs_cos_between_directions"],
                c100=b["mean_abs_cos_between_directions"],
                r10=a["random_directions_mean_abs_cos"],
                r100=b["random_directions_mean_abs_cos"],
            ),
            *([later_text(r["later"], lang)] if r.get("later") else []),
            tr("latent.z100_limits", lang, E=r["epochs"], cmd=r["rebuild"]),
        ]
    )


def later_text(points: list[dict], lang: str) -> str:
    sep = "；" if lang == "zh-CN" else "; "
    items = sep.join(
        tr(
            "latent.z100_later_item",
            lang,
            dim=p["noise_dim"],
            epoch=p["epoch"],
            sep=100 * p["mean_separability"],
            kl=p["kl_to_uniform_nats"],
        )
        for p in points
    )
    return tr("latent.z100_later", lang, items=items)


DICE_N = 25_000  # the chapter's figure 6-2: 25,000 heights in 30 bins
DICE_BINS = 30


@guarded
def dice_and_normal(seed=0, throw=0, request: gr.Request = None):
    """Figure 6-2 and the dice beside the noise vector in hand: DICE_N sums of two dice against the exact 1/36 … 6/36,
    DICE_N standard-normal draws in DICE_BINS bins with the curve, and the ten noise numbers of `seed` on it. `throw`
    counts presses, so every press draws afresh and the same press gives the same picture."""
    from gendemo.app.ui.gan_common import figure_image, new_figure

    lang = lang_of(request)
    seed, throw = as_seed(seed, lang), int(throw)
    rng = np.random.default_rng([throw, 62])
    sums = rng.integers(1, 7, DICE_N) + rng.integers(1, 7, DICE_N)
    draws = rng.standard_normal(DICE_N)
    z = noise(1, NOISE_DIM, seed)[0].numpy()
    fig, (a, b, c) = new_figure((12.0, 3.2), panels=3)
    share = np.bincount(sums, minlength=13)[2:] / DICE_N
    exact = np.array([6 - abs(k - 7) for k in range(2, 13)]) / 36
    a.bar(range(2, 13), 100 * share, color="#6366f1")
    a.plot(range(2, 13), 100 * exact, "o", color="#dc2626", label=tr("latent.dice_exact", lang))
    a.set(xticks=range(2, 13), ylabel="%")
    a.set_title(tr("latent.dice_t1", lang, n=DICE_N), fontsize=10)
    a.legend(fontsize=8)
    counts, edges = np.histogram(draws, bins=DICE_BINS)
    width = edges[1] - edges[0]
    b.bar(edges[:-1], 100 * counts / DICE_N, width=width, align="edge", color="#a5b4fc", edgecolor="white")
    xs = np.linspace(-4, 4, 200)
    pdf = np.exp(-(xs**2) / 2) / np.sqrt(2 * np.pi)
    b.plot(xs, 100 * pdf * width, color="#dc2626")
    b.set(xlim=(-4.2, 4.2), ylabel="%")
    b.set_title(tr("latent.dice_t2", lang, n=DICE_N), fontsize=10)
    c.plot(xs, pdf, color="#dc2626")
    c.plot(z, np.zeros_like(z), "|", markersize=30, color="#312e81", markeredgewidth=2)
    c.set(xlim=(-4.2, 4.2), ylim=(-0.05, 0.45))
    c.set_title(tr("latent.dice_t3", lang, seed=seed), fontsize=10)
    top = int(counts.argmax())
    said = tr(
        "latent.dice_read",
        lang,
        n=DICE_N,
        p7=100 * share[5],
        p2=100 * share[0],
        mode=float((edges[top] + edges[top + 1]) / 2),
        top=100 * counts[top] / DICE_N,
        in3=100 * float((np.abs(draws) <= 3).mean()),
        seed=seed,
    )
    return figure_image(fig), said, throw + 1


def latent_noise_size(request: gr.Request = None) -> str:
    return noise_size_text(lang_of(request))


def _attr_choices():
    return [(txt("latent.a_thickness"), "thickness"), (txt("latent.a_slant"), "slant")] + [
        (f"→ {d}", f"digit{d}") for d in range(10)
    ]


def build():
    gr.Markdown(txt("latent.intro"))

    # the tab opens on the walk (the chapter's figure 6-6); the other sections are one click away, each with its id
    with gr.Column(elem_id="latent-walk"):
        gr.Markdown(txt("latent.walk_h"))
        with gr.Row():
            with gr.Column(scale=1):
                w_seed = WALK.widget("seed", elem_id="walk-seed")
                w_dim = WALK.widget("dim", elem_id="walk-dim")
                w_k = WALK.widget("k", elem_id="walk-k")
                w_btn = gr.Button(txt("latent.walk_btn"), variant="primary", elem_id="walk-button")
            with gr.Column(scale=3):
                w_out = picture(txt("latent.walk_out"), "walk-out")
                w_txt = gr.Markdown(elem_id="walk-reads")
                walk_examples = gr.Examples(
                    [[WALK_SEED, WALK_DIM, 9], [WALK_SEED, WALK_DIM, 17], [0, WALK_DIM, 9], [5, 0, 9]],
                    inputs=[w_seed, w_dim, w_k],
                    outputs=[w_out, w_txt],
                    fn=latent_walk,
                    **example_caching(),
                    api_visibility="private",
                    example_labels=[
                        f"#{WALK_SEED} · z[{WALK_DIM}]",
                        f"#{WALK_SEED} · z[{WALK_DIM}] × 17",
                        f"#0 · z[{WALK_DIM}]",
                        "#5 · z[0]",
                    ],
                    label=txt("gan.examples"),
                )
    w_btn.click(latent_walk, [w_seed, w_dim, w_k], [w_out, w_txt], **WALK.event())
    w_dim.release(latent_walk, [w_seed, w_dim, w_k], [w_out, w_txt], **WALK.event(private=True))
    walk_examples.load_input_event.then(latent_walk, [w_seed, w_dim, w_k], [w_out, w_txt], **WALK.event(private=True))
    on_open(latent_walk, [w_seed, w_dim, w_k], [w_out, w_txt])
    gr.Markdown(txt("latent.more"), elem_id="latent-more")

    with gr.Accordion(txt("latent.grid_h"), open=False, elem_id="latent-map"):
        with gr.Row():
            with gr.Column(scale=1):
                g_seed = GRID.widget("seed", elem_id="grid-seed")
                g_dx = GRID.widget("dim_x", elem_id="grid-dx")
                g_dy = GRID.widget("dim_y", elem_id="grid-dy")
                g_k = GRID.widget("k", elem_id="grid-k")
                g_span = GRID.widget("span", elem_id="grid-span")
                g_btn = gr.Button(txt("latent.grid_btn"), variant="primary", elem_id="grid-button")
            with gr.Column(scale=2):
                g_out = picture(txt("latent.grid_out"), "grid-out", height=520)
        with gr.Row():
            gr.Markdown(txt("latent.pick_hint"), elem_id="grid-pick-hint")
        with gr.Row():
            pick_out = picture(txt("latent.pick_out"), "grid-pick-out", height=260, scale=1)
            pick_txt = gr.Markdown(elem_id="grid-pick-text")

        gr.Markdown(txt("latent.path_h"))
        gr.Markdown(txt("latent.path_intro"))
        with gr.Row():
            p_from = PATH.widget("start", elem_id="path-from", scale=1)
            p_to = PATH.widget("end", elem_id="path-to", scale=1)
            p_k = PATH.widget("k", elem_id="path-k", scale=2)
            p_btn = gr.Button(txt("latent.path_btn"), variant="primary", elem_id="path-button", scale=1)
        p_out = picture(txt("latent.path_out"), "path-out")
        p_txt = gr.Markdown(elem_id="path-reads")
    g_btn.click(latent_grid, [g_seed, g_dx, g_dy, g_k, g_span], [g_out], **GRID.event())
    # a click in the map: the digit at that point, large (SelectData cannot come through the API: private)
    g_out.select(latent_pick, [g_seed, g_dx, g_dy, g_k, g_span], [pick_out, pick_txt], api_visibility="private")
    on_open(latent_grid, [g_seed, g_dx, g_dy, g_k, g_span], [g_out])
    p_btn.click(latent_path, [g_seed, g_dx, g_dy, p_from, p_to, p_k], [p_out, p_txt], **PATH.event())
    on_open(latent_path, [g_seed, g_dx, g_dy, p_from, p_to, p_k], [p_out, p_txt])

    with gr.Accordion(txt("latent.vec_h"), open=False, elem_id="latent-vector"):
        gr.Markdown(txt("latent.vec_intro"))
        with gr.Row():
            with gr.Column(scale=2):
                with gr.Row():
                    v_seed = Number(value=0, precision=0, label=txt("latent.vec_seed"), elem_id="vec-seed")
                    v_load = gr.Button(txt("latent.vec_load"), elem_id="vec-load")
                start = latent_seed_vector(0)
                sliders = [VECTOR.widget(f"z{i}", value=start[i], elem_id=f"vec-z{i}") for i in range(NOISE_DIM)]
            with gr.Column(scale=1):
                v_out = picture(txt("latent.vec_out"), "vec-out", height=230)
                v_hist = picture(txt("latent.vec_hist"), "vec-hist", "chart")
                v_txt = gr.Markdown(elem_id="vec-reads")
        api_btn = gr.Button(txt("common.run"), visible=False)  # the public endpoint first: it gets the plain name
    v_outs = [v_out, v_hist, v_txt]
    # Loading a seed sets the sliders; each slider's change (dragged or loaded) redraws, the latest move winning.
    v_load.click(latent_seed_vector, [v_seed], sliders, api_visibility="private", queue=False)
    api_btn.click(latent_vector, sliders, v_outs, **VECTOR.event())
    on_open(latent_vector, sliders, v_outs)
    for sl in sliders:
        sl.change(latent_vector, sliders, v_outs, **VECTOR.event(private=True), trigger_mode="always_last")

    with gr.Accordion(txt("latent.dice_h"), open=False, elem_id="latent-dice"):
        gr.Markdown(txt("latent.dice_intro"))
        dice_btn = gr.Button(txt("latent.dice_btn"), elem_id="dice-button")
        dice_out = picture(txt("latent.dice_out"), "dice-out", show_label=False)
        dice_text = gr.Markdown(elem_id="dice-text")
        throws = gr.State(0)
    dice_btn.click(dice_and_normal, [v_seed, throws], [dice_out, dice_text, throws], api_visibility="private")
    on_open(dice_and_normal, [v_seed, throws], [dice_out, dice_text, throws])

    with gr.Accordion(txt("latent.interp_h"), open=False, elem_id="latent-interp"):
        gr.Markdown(txt("latent.interp_intro"))
        with gr.Row():
            with gr.Column(scale=1):
                i_a = INTERPOLATE.widget("seed_a", elem_id="interp-a")
                i_b = INTERPOLATE.widget("seed_b", elem_id="interp-b")
                i_k = INTERPOLATE.widget("k", elem_id="interp-k")
                i_btn = gr.Button(txt("latent.interp_btn"), variant="primary", elem_id="interp-button")
            with gr.Column(scale=3):
                i_out = picture(txt("latent.interp_out"), "interp-out")
                i_txt = gr.Markdown(elem_id="interp-norms")
    i_btn.click(latent_interpolate, [i_a, i_b, i_k], [i_out, i_txt], **INTERPOLATE.event())
    on_open(latent_interpolate, [i_a, i_b, i_k], [i_out, i_txt])

    with gr.Accordion(txt("latent.dir_h"), open=False, elem_id="latent-directions"):
        gr.Markdown(txt("latent.dir_intro"))
        with gr.Row():
            with gr.Column(scale=1):
                d_attr = DIRECTION.widget("attribute", choices=_attr_choices(), elem_id="dir-attr")
                keep = [(txt("latent.none"), "none"), *_attr_choices()]
                d_keep = DIRECTION.widget("keep", choices=keep, elem_id="dir-keep")
                d_seed = DIRECTION.widget("seed", elem_id="dir-seed")
                d_alpha = DIRECTION.widget("alpha", elem_id="dir-alpha")
                d_btn = gr.Button(txt("latent.dir_btn"), variant="primary", elem_id="dir-button")
            with gr.Column(scale=1):
                d_out = picture(txt("latent.dir_out"), "dir-out", height=260)
            with gr.Column(scale=2):
                d_sum = gr.Markdown(elem_id="dir-summary")
        # the whole width for the strip: in a third of the page its eleven digits were 50 px wide
        d_strip = picture(txt("latent.dir_strip"), "dir-strip")
        d_table = gr.Dataframe(label=txt("latent.dir_table"), interactive=False, elem_id="dir-table")
        d_outs = [d_out, d_strip, d_table, d_sum]
        d_ins = [d_attr, d_seed, d_alpha, d_keep]
        direction_examples = gr.Examples(
            [["thickness", 0, 3.0, "none"], ["slant", 1, -3.0, "none"], ["digit7", 2, 3.0, "thickness"]],
            inputs=d_ins,
            outputs=d_outs,
            fn=latent_direction,
            **example_caching(),
            api_visibility="private",
            example_labels=["#0 · +3", "#1 · −3", "#2 · +3"],
            label=txt("gan.examples"),
        )
    d_btn.click(latent_direction, d_ins, d_outs, **DIRECTION.event())
    d_alpha.release(latent_direction, d_ins, d_outs, **DIRECTION.event(private=True))
    direction_examples.load_input_event.then(latent_direction, d_ins, d_outs, **DIRECTION.event(private=True))
    on_open(latent_direction, d_ins, d_outs)

    # the chapter's claim about noise size, beside the measurement (issue 31): text only, computed once per language
    with gr.Accordion(txt("latent.z100_h"), open=False, elem_id="latent-z100"):
        z_text = gr.Markdown(elem_id="latent-z100-text")
    on_open(latent_noise_size, [], [z_text])
