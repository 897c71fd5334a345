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
