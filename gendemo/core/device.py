"""Device and precision, resolved once at the edge (CLI flags, app start) and passed inward."""

from __future__ import annotations

import contextlib
import os

import torch


def on_zero_gpu() -> bool:
    """On a ZeroGPU Space (the platform sets SPACES_ZERO_GPU; `spaces` reads it the same way)."""
    return os.environ.get("SPACES_ZERO_GPU", "").strip().lower() in ("1", "t", "true")


def resolve_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu" or name.startswith("cuda"):
        dev = torch.device(name)
        if dev.type == "cuda" and not torch.cuda.is_available():
            raise ValueError("--device cuda was asked for, but this machine has no CUDA GPU")
        return dev
    raise ValueError(f"unknown device {name!r} (use auto, cpu or cuda)")


def cpu_has_bf16() -> bool:
    # oneDNN runs bf16 matmuls/convs natively only on CPUs with AVX512-BF16 / AMX;
    # elsewhere bf16 is emulated and slower.
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:
        return False


def resolve_precision(name: str, device: torch.device) -> str:
    """'auto' means: bf16 autocast on CUDA and on CPUs with native bf16, fp32 otherwise."""
    if name == "auto":
        if device.type == "cuda":
            return "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return "bf16" if cpu_has_bf16() else "fp32"
    if name not in ("fp32", "bf16", "fp16"):
        raise ValueError(f"unknown precision {name!r} (use auto, fp32, bf16 or fp16)")
    return name


def autocast(device: torch.device, precision: str):
    if precision == "fp32":
        return contextlib.nullcontext()
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}[precision]
    return torch.autocast(device_type=device.type, dtype=dtype)


def set_threads() -> None:
    # Respect an explicit OMP_NUM_THREADS (DDP tests pin it to 1); otherwise let torch use every core.
    if "OMP_NUM_THREADS" in os.environ:
        torch.set_num_threads(max(1, int(os.environ["OMP_NUM_THREADS"])))
