"""Figures 6-1 and 6-3 drawn from the networks themselves: the GAN's data flow (noise → generator → fake image → the
discriminator, beside real images → real or fake) and the two mirrored stacks of layers, every width and activation
read from the loaded modules, so that the drawing cannot disagree with the model it stands for."""

from __future__ import annotations

from torch import nn

from gendemo.app.ui.gan_common import figure_image, new_figure

ACTIVATIONS = {nn.LeakyReLU: "leaky ReLU", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid", nn.ReLU: "ReLU"}


def layer_widths(net: nn.Module) -> list[tuple[int, str]]:
    """[(width, activation after it)] for the input and each Linear layer of a Generator or Discriminator, in order.
    The discriminator's last layer gives a logit; the sigmoid that makes it D(x) is applied outside (in the loss and
    in gendemo/gan/discriminate.py), and is named here as the chapter draws it."""
    mods = list(net.net)
    linears = [i for i, m in enumerate(mods) if isinstance(m, nn.Linear)]
    out = [(mods[linears[0]].in_features, "")]
    for i in linears:
        act = next((ACTIVATIONS[type(m)] for m in mods[i + 1 : i + 3] if type(m) in ACTIVATIONS), "sigmoid")
        out.append((mods[i].out_features, act))
    return out


def _stack(ax, widths, y, title, colour, labels):
    """One network as a row of boxes whose heights follow the log of each layer's width."""
    import math

    n = len(widths)
    xs = [i * 1.6 for i in range(n)]
    top = math.log2(max(w for w, _ in widths))
    for i, ((w, act), x) in enumerate(zip(widths, xs)):
        h = 0.25 + 1.5 * math.log2(max(w, 1)) / top
        ax.add_patch(_box(x, y - h / 2, 1.0, h, colour if i > 0 else "#e5e7eb"))
        ax.text(x + 0.5, y, f"{w:,}", ha="center", va="center", fontsize=10, weight="bold")
        below = labels[i] if i == 0 else f"{labels[i]}\n{act}" if i == n - 1 else act
        ax.text(x + 0.5, y - h / 2 - 0.25, below, ha="center", va="top", fontsize=8)
        if i < n - 1:
            ax.annotate("", (xs[i + 1], y), (x + 1.0, y), arrowprops={"arrowstyle": "->", "color": "#374151"})
    ax.text(xs[0] - 0.3, y + 1.2, title, ha="left", va="bottom", fontsize=11, weight="bold")
    return xs


def _box(x, y, w, h, colour):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02", fc=colour, ec="#374151", lw=1)


def architecture_figure(g: nn.Module, d: nn.Module, words: dict[str, str]):
    """Figure 6-1 (left) and figure 6-3 (right) as one picture. words: the labels in the page's language (keys:
    noise, fake, real, verdict, g, d, flow_title, nets_title)."""
    fig, (flow, nets) = new_figure((12.0, 4.4))
    gw, dw = layer_widths(g), layer_widths(d)
    # figure 6-1: the data flow
    flow.set(xlim=(0, 10), ylim=(0, 6))
    flow.axis("off")
    flow.set_title(words["flow_title"], fontsize=11)
    boxes = {
        "noise": (0.2, 4.2, f"{words['noise']}\n({gw[0][0]})", "#e5e7eb"),
        "g": (2.8, 4.2, words["g"], "#c7d2fe"),
        "fake": (5.4, 4.2, words["fake"], "#fde68a"),
        "real": (5.4, 1.0, words["real"], "#bbf7d0"),
        "d": (7.4, 2.6, words["d"], "#fecaca"),
    }
    for x, y, text, colour in boxes.values():
        flow.add_patch(_box(x, y, 2.0 if x < 7 else 2.2, 1.2, colour))
        flow.text(x + (1.0 if x < 7 else 1.1), y + 0.6, text, ha="center", va="center", fontsize=9)
    arrow = {"arrowstyle": "->", "color": "#374151", "lw": 1.5}
    flow.annotate("", (2.8, 4.8), (2.2, 4.8), arrowprops=arrow)
    flow.annotate("", (5.4, 4.8), (4.8, 4.8), arrowprops=arrow)
    flow.annotate("", (7.4, 3.5), (7.4, 4.2), arrowprops=arrow)
    flow.annotate("", (7.4, 3.0), (7.4, 2.2), arrowprops=arrow)
    flow.annotate("", (8.5, 0.6), (8.5, 2.6), arrowprops=arrow)
    flow.text(8.5, 0.4, words["verdict"], ha="center", va="top", fontsize=9)
    # figure 6-3: the generator above, the discriminator below, mirrored
    nets.axis("off")
    nets.set_title(words["nets_title"], fontsize=11)
    n = max(len(gw), len(dw))
    nets.set(xlim=(-0.6, n * 1.6), ylim=(-4.4, 2.2))
    _stack(nets, gw, 0.2, words["g"], "#c7d2fe", [words["noise"], "", "", "", words["fake"]])
    _stack(nets, dw, -2.8, words["d"], "#fecaca", [words["image"], "", "", "", "D(x)"])
    return figure_image(fig)
