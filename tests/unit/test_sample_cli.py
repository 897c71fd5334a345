"""python -m gendemo.sample: one 28×28 grayscale PNG per image, named in order, from tiny checkpoints in a temp dir."""

import sys

import numpy as np
import pytest
import torch
from PIL import Image
from support import ROOT, procs

from gendemo.core.checkpoints import save_checkpoint
from gendemo.core.device import cpu_has_bf16
from gendemo.gan.model import CGANConfig, CondGenerator, GANConfig, Generator
from gendemo.sample import main


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("ckpt")
    torch.manual_seed(0)
    save_checkpoint(d / "gan.safetensors", Generator().state_dict(), kind="gan", config=GANConfig())
    cfg = CGANConfig(noise_dim=8, g_channels=16, d_channels=8)
    save_checkpoint(d / "cgan.safetensors", CondGenerator(cfg).state_dict(), kind="cgan", config=cfg)
    return d


def check_pngs(folder, n):
    files = sorted(p.name for p in folder.iterdir())
    assert files == [f"{i:03d}.png" for i in range(n)]
    for name in files:
        with Image.open(folder / name) as im:
            assert im.size == (28, 28) and im.mode == "L"
    return [np.asarray(Image.open(folder / f)) for f in files]


def test_gan_writes_n_grayscale_pngs(tiny, tmp_path):
    main(
        ["gan", "--n", "7", "--seed", "3", "--out", str(tmp_path / "a"), "--checkpoint", str(tiny / "gan.safetensors")]
    )
    a = check_pngs(tmp_path / "a", 7)
    main(
        ["gan", "--n", "7", "--seed", "3", "--out", str(tmp_path / "b"), "--checkpoint", str(tiny / "gan.safetensors")]
    )
    b = check_pngs(tmp_path / "b", 7)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))  # same seed, same files
    main(
        ["gan", "--n", "7", "--seed", "4", "--out", str(tmp_path / "c"), "--checkpoint", str(tiny / "gan.safetensors")]
    )
    c = check_pngs(tmp_path / "c", 7)
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_cgan_writes_one_digit_or_all(tiny, tmp_path):
    ck = str(tiny / "cgan.safetensors")
    main(["cgan", "--digit", "4", "--n", "5", "--seed", "0", "--out", str(tmp_path / "four"), "--checkpoint", ck])
    check_pngs(tmp_path / "four", 5)
    main(["cgan", "--digit", "all", "--n", "12", "--out", str(tmp_path / "all"), "--checkpoint", ck])
    check_pngs(tmp_path / "all", 12)


@pytest.mark.parametrize(
    "args",
    [
        ["gan", "--n", "0"],
        ["gan", "--n", "-3"],
        ["gan", "--n", "2.5"],
        ["gan", "--n", "x"],
        ["cgan", "--digit", "10"],
        ["cgan", "--digit", "seven"],
        ["gan", "--seed", "-1"],
    ],
)
def test_bad_arguments_are_refused(args, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(args + ["--out", str(tmp_path / "x")])
    assert e.value.code == 2
    assert not (tmp_path / "x").exists()


def test_missing_checkpoint_names_the_file_and_the_fix(tmp_path):
    r = procs.run(
        [
            sys.executable,
            "-m",
            "gendemo.sample",
            "gan",
            "--n",
            "2",
            "--out",
            str(tmp_path / "o"),
            "--checkpoint",
            str(tmp_path / "none.safetensors"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert "none.safetensors" in r.stderr and "python -m gendemo.train gan" in r.stderr
    assert "Traceback" not in r.stderr


def test_diffusion_repeat_prints_the_median_seconds_last(tmp_path, capsys):
    import json

    main(["diffusion", "--prompt", "a red seven", "--n", "2", "--steps", "3", "--repeat", "2", "--out", str(tmp_path)])
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["n"] == 2 and last["repeat"] == 2 and last["batch"] == 2 and last["steps"] == 3
    assert 0 < last["median_seconds_per_batch"] < 60
    assert last["network"] == ("FastUNet bf16" if cpu_has_bf16() else "UNet fp32")  # the app's path is what is timed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["000.png", "001.png"]
    assert Image.open(tmp_path / "000.png").mode == "RGB"  # coloured digits


def test_diffusion_repeat_can_time_the_reference_module(tmp_path, capsys):
    import json

    args = ["diffusion", "--n", "2", "--steps", "2", "--repeat", "1", "--reference", "--out", str(tmp_path)]
    main(args)
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["network"] == ("UNet under autocast bf16" if cpu_has_bf16() else "UNet fp32")
