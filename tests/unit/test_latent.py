"""Latent-space tools: paths through z, attribute measures, and InterFaceGAN-style direction fitting."""

import pytest
import torch
from support import need

from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.gan import latent as L


def test_fit_recovers_a_planted_direction():
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(4000, 10, generator=gen)
    u = torch.randn(10, generator=gen)
    u = u / u.norm()
    y = ((z @ u + 0.1 * torch.randn(4000, generator=gen)) > 0.5).float()  # an off-centre boundary, some label noise
    r = L.fit_logistic(z, y)
    assert float(r["normal"] @ u) > 0.99
    assert r["normal"].norm() == pytest.approx(1.0, abs=1e-5)
    assert r["offset"] == pytest.approx(-0.5, abs=0.1)  # boundary n·z + offset = 0 at n·z = 0.5
    assert r["accuracy"] > 0.9


def test_fit_on_a_rare_class_still_finds_it():
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(3000, 10, generator=gen)
    u = torch.zeros(10)
    u[3] = 1.0
    y = (z[:, 3] > 1.3).float()  # about 10 % positives, like one digit among ten
    r = L.fit_logistic(z, y)
    assert float(r["normal"] @ u) > 0.97


def test_slerp_and_lerp_endpoints():
    a, b = torch.randn(10), torch.randn(10)
    t = torch.linspace(0, 1, 7)
    for f in (L.lerp, L.slerp):
        p = f(a, b, t)
        assert p.shape == (7, 10)
        assert torch.allclose(p[0], a, atol=1e-5) and torch.allclose(p[-1], b, atol=1e-5)
    # for vectors of equal length slerp keeps the length all the way
    b2 = b / b.norm() * a.norm()
    assert torch.allclose(L.slerp(a, b2, t).norm(dim=1), a.norm().expand(7), atol=1e-4)
    # parallel vectors fall back to a line instead of dividing by zero
    assert torch.isfinite(L.slerp(a, 2 * a, t)).all()


def test_walk_and_grid_move_only_the_chosen_dimensions():
    z0 = torch.randn(10)
    w = L.walk(z0, 2, 5)
    assert torch.allclose(w[:, 2], torch.linspace(-3, 3, 5))
    others = [i for i in range(10) if i != 2]
    assert torch.equal(w[:, others], z0[others].expand(5, -1))
    g = L.grid(z0, 0, 4, 3)
    assert g.shape == (9, 10)
    assert g[:3, 4].tolist() == [-3.0, -3.0, -3.0] and g[:3, 0].tolist() == [-3.0, 0.0, 3.0]


def test_thickness_and_slant_measures():
    x = torch.zeros(3, 1, 28, 28)
    x[0, 0, 4:24, 12:14] = 1  # thin upright bar
    x[1, 0, 4:24, 10:16] = 1  # thick upright bar
    for r in range(4, 24):  # a line whose top leans right
        x[2, 0, r, 14 + (14 - r) // 2] = 1
    th, sl = L.thickness(x), L.slant(x)
    assert th[1] > 2 * th[0]
    assert abs(float(sl[0])) < 1 and abs(float(sl[1])) < 1
    assert float(sl[2]) > 15
    assert L.thickness(torch.zeros(1, 1, 28, 28)).item() == 0


class ByDimension(torch.nn.Module):
    """A stand-in generator whose 'digit' depends on z[0]: bright left half when z[0] > 0, right half otherwise."""

    def __init__(self):
        super().__init__()
        self.cfg = type("C", (), {"noise_dim": 10})()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def forward(self, z):
        x = -torch.ones(z.shape[0], 1, 28, 28)
        left = (z[:, 0] > 0).view(-1, 1, 1)
        x[:, 0, :, :14] = torch.where(left, 1.0, -1.0).expand(-1, 28, 14)
        x[:, 0, :, 14:] = torch.where(left, -1.0, 1.0).expand(-1, 28, 14)
        return x


class LeftRight(torch.nn.Module):
    """A stand-in judge: class 0 for left-heavy images, class 1 otherwise."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(1))

    def features(self, x):
        return torch.stack([x[..., :14].mean((1, 2, 3)), x[..., 14:].mean((1, 2, 3))], 1)

    def head(self, f):
        return torch.cat(
            [(f[:, :1] - f[:, 1:]) * 50, (f[:, 1:] - f[:, :1]) * 50, torch.full((f.shape[0], 8), -50.0)], 1
        )


def test_fit_directions_end_to_end_and_file_round_trip(tmp_path):
    d = L.fit_directions(ByDimension(), LeftRight(), n=600, seed=0)
    i = d["attributes"].index("digit0")
    assert d["normals"].shape == (len(L.ATTRIBUTES), 10)
    assert float(d["normals"][i, 0]) > 0.95  # "more like a 0" points along +z[0]
    assert d["accuracy"][i] > 0.95
    card = L.save_directions(tmp_path / "gan_directions.safetensors", d, {"sha256": "abc"})
    assert card["kind"] == "gan_directions" and card["gan_sha256"] == "abc" and len(card["sha256"]) == 64
    back = L.load_directions(tmp_path / "gan_directions.safetensors")
    assert torch.allclose(back["normals"], d["normals"])
    assert back["attributes"] == L.ATTRIBUTES


def test_a_click_in_the_map_lands_on_the_tile_values():
    from gendemo.app.ui.latent_tab import grid_point

    k, span, scale = 9, 3.0, 3
    centre = lambda i: (2 + 30 * i + 14) * scale  # noqa: E731  tile i's centre pixel in to_pil_grid's layout
    values = torch.linspace(-span, span, k)
    for i in (0, 2, 8):
        x, y = grid_point(centre(i), centre(8 - i), k, span, scale)
        assert x == pytest.approx(float(values[i]), abs=1e-6) and y == pytest.approx(float(values[8 - i]), abs=1e-6)
    # half-way between two tiles' centres: half-way between their values
    assert grid_point((centre(3) + centre(4)) / 2, centre(0), k, span, scale)[0] == pytest.approx(-0.375, abs=1e-6)


def test_latent_pick_draws_the_clicked_tile_large():
    from types import SimpleNamespace

    import numpy as np

    from gendemo.app.ui.latent_tab import latent_grid, latent_pick

    need((CHECKPOINT_DIR / "gan.safetensors").exists(), "gan.safetensors not built yet")
    from PIL import Image

    grid = np.asarray(Image.open(latent_grid(0, 0, 2, 9, 3.0)))  # handlers hand pictures to Gradio as PNG files
    col, row, scale = 6, 1, 3
    px, py = (2 + 30 * col + 14) * scale, (2 + 30 * row + 14) * scale
    big, text = latent_pick(0, 0, 2, 9, 3.0, evt=SimpleNamespace(index=[px, py]))
    tile = grid[(2 + 30 * row) * scale : (2 + 30 * row + 28) * scale : scale, (2 + 30 * col) * scale :][
        :, : 28 * scale : scale
    ]
    assert np.array_equal(np.asarray(Image.open(big))[::8, ::8], tile)  # the same digit, 8× instead of 3×
    assert "**1.50**" in text and "**-2.25**" in text  # dimension 0: column 6 → 1.5; dimension 2: row 1 → -2.25
