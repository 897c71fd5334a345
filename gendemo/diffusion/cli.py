"""The diffusion model's subcommand of python -m gendemo.sample:

python -m gendemo.sample diffusion --prompt "a red seven" --n 8 --seed 0 --out samples/red7
python -m gendemo.sample diffusion --prompts-file prompts.txt --n 4 --out samples/many      # DIR/{i:03d}_{k:02d}.png
python -m gendemo.sample diffusion --prompt "a blue 3" --init drawing.png --strength 0.6 --out samples/i2i
python -m gendemo.sample diffusion --prompt "a red seven" --n 16 --steps 25 --guidance 3 --repeat 5 --out /tmp/s
    (--repeat R: the first prompt's batch made R more times, timed; the printed JSON gains the median seconds and
    which forward pass ran; --reference times the U-Net module under autocast instead of its CPU fast path)
python -m gendemo.sample diffusion --model schedule_linear --prompt "a red seven" --out samples/linear   # a twin
python -m gendemo.sample diffusion --model diffusion_distilled --n 16 --repeat 5 --out /tmp/s   # one pass a step
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch

from gendemo.catalog import CATALOG
from gendemo.core.cli_args import float_in, int_in, seed

MAX_STEPS_DDIM = 1000
MAX_DIFFUSION_N = 10_000


_steps = int_in(1, MAX_STEPS_DDIM)
_n = int_in(1, MAX_DIFFUSION_N)
_strength = float_in(0.0, 1.0)
# The trained diffusion checkpoints this subcommand samples: the shipped model, its distilled copy, the schedule twins.
MODELS = [e.name for e in CATALOG.values() if e.family == "diffusion" and e.task]
HANDOVER = "handover"  # the diffusion model for the noisy steps, its distilled copy after them (diffusion/handover.py)


@torch.no_grad()
def run(args, device):
    from gendemo.diffusion.init_image import prepare_init
    from gendemo.diffusion.model import load_diffusion
    from gendemo.diffusion.sampling import generate, img2img
    from gendemo.diffusion.text import get_encoder

    if args.prompts_file:
        prompts = [line.strip() for line in Path(args.prompts_file).read_text(encoding="utf-8").splitlines()]
        prompts = [p for p in prompts if p]
        if not prompts:
            raise SystemExit(f"error: {args.prompts_file} has no prompts")
    else:
        prompts = [args.prompt or ""]
    if args.model == HANDOVER:
        from gendemo.diffusion.handover import load_handover

        if args.checkpoint:
            raise SystemExit("error: --checkpoint names one network; the handover runs the two shipped ones")
        model, _ = load_handover(device)
    else:
        model, _ = load_diffusion(args.checkpoint, device, kind=args.model)  # loaded once for all prompts
    enc = get_encoder(None, device)
    kw = {"steps": args.steps, "guidance": args.guidance, "sampler": args.sampler, "fast": not args.reference}
    if args.init:
        init = prepare_init(args.init)
        x = torch.cat(
            [
                img2img(model, enc, init, p, strength=args.strength, n=args.n, seed=args.seed + i, **kw).cpu()
                for i, p in enumerate(prompts)
            ]
        )
    else:
        x = torch.cat(
            [generate(model, enc, p, n=args.n, seed=args.seed + i, **kw).cpu() for i, p in enumerate(prompts)]
        )
    if args.repeat:
        args.timing = _time_batches(lambda: generate(model, enc, prompts[0], n=args.n, seed=args.seed, **kw), args)
        args.timing["network"] = _network(model, args)
    if args.prompts_file:
        names = [f"{i:03d}_{k:02d}.png" for i in range(len(prompts)) for k in range(args.n)]
        return x, names
    return x


def _time_batches(make, args) -> dict:
    """Seconds per batch, model loading excluded (the batch above already warmed everything up)."""
    seconds = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        make()
        seconds.append(time.perf_counter() - t0)
    return {
        "median_seconds_per_batch": round(statistics.median(seconds), 4),
        "repeat": args.repeat,
        "batch": args.n,
        "sampler": args.sampler,
        "steps": args.steps,
        "guidance": args.guidance,
        "torch_threads": torch.get_num_threads(),
    }


def _network(model, args) -> str:
    """Which forward pass the timed batches ran: FastUNet (bf16 on a CPU with native bf16, else fp32), or the module."""
    from gendemo.core.device import resolve_precision
    from gendemo.diffusion import fast_unet
    from gendemo.diffusion.handover import HandoverNet

    precision = resolve_precision("auto", model.device)
    handover = isinstance(model.net, HandoverNet)
    net = model.net.early if handover else model.net  # a handover's two networks take the same path
    with torch.no_grad():
        if not args.reference and fast_unet.usable(net, model.device, precision):
            if handover:
                return f"FastUNet {precision}, two passes a step for t ≥ {model.net.handover_t}, then distilled"
            distilled = ", guidance-distilled (one pass a step)" if net.cfg.guidance_input else ""
            return f"FastUNet {precision}{distilled}"
    return f"UNet {'under autocast ' if precision != 'fp32' else ''}{precision}"


def add_diffusion(sub):
    from gendemo.diffusion.sampling import DEFAULT_GUIDANCE

    p = sub.add_parser("diffusion", help="the text-conditioned diffusion model: coloured digits from a prompt")
    src = p.add_mutually_exclusive_group()
    src.add_argument(
        "--prompt",
        default="",
        help='e.g. "a red seven" (empty: unconditional); Chinese digit/colour words are translated',
    )
    src.add_argument("--prompts-file", default=None, help="one prompt a line; writes DIR/{i:03d}_{k:02d}.png")
    p.add_argument("--n", type=_n, default=8, help="images per prompt (default 8)")
    p.add_argument("--seed", type=seed, default=0, help="prompt i uses seed + i")
    p.add_argument(
        "--steps", type=_steps, default=25, help="DDIM / DPM-Solver++ steps (default 25; ddpm always runs all T)"
    )
    p.add_argument(
        "--guidance",
        type=float,
        default=DEFAULT_GUIDANCE,
        help="classifier-free guidance scale (1 = plain conditional)",
    )
    p.add_argument("--sampler", choices=["ddim", "dpmpp2m", "ddpm"], default="ddim", help="dpmpp2m: DPM-Solver++ 2M")
    p.add_argument("--init", default=None, help="img2img: start from this image, noised")
    p.add_argument(
        "--strength",
        type=_strength,
        default=0.6,
        help="img2img: share of the noise schedule applied (0 keeps the image, 1 = pure noise)",
    )
    p.add_argument("--out", required=True, help="folder for the PNG files (created if needed)")
    p.add_argument(
        # replaces the subcommand's own name in args.model, so the printed JSON names the model sampled
        "--model",
        choices=[*MODELS, HANDOVER],
        default="diffusion",
        help="which trained model (default diffusion; diffusion_distilled: one network pass a step; a schedule twin; "
        "handover: diffusion for the noisy steps, diffusion_distilled after them)",
    )
    p.add_argument("--checkpoint", default=None, help="weights (default checkpoints/MODEL.safetensors)")
    p.add_argument(
        "--repeat", type=int_in(0, 100), default=0, help="time the first prompt's batch this many more times"
    )
    p.add_argument(
        "--reference",
        action="store_true",
        help="run the U-Net module itself (bf16 autocast) instead of its CPU fast path, e.g. to time the difference",
    )
    p.set_defaults(func=run)
