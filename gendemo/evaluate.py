"""python -m gendemo.evaluate MODEL  — measures a committed model; the last line printed is one JSON object.

    classifier  accuracy on the 10,000 MNIST test digits
    gan, cgan   class shares, KL to uniform, entropy, Fréchet distance (+ class accuracy of the cGAN);
                gan --recipe chapter measures the chapter's loop as printed
    diffusion   digit and colour accuracy over held-out prompts, Fréchet distance, s/image, enhancement;
                diffusion --solver dpmpp2m --steps 10 measures another sampler (ddim, dpmpp2m, ddpm)
    real        Fréchet distance of real training digits to the test digits: the floor of every Fréchet figure

Each model's evaluator is the `evaluator` column of gendemo/catalog.py.
"""

from __future__ import annotations

import argparse
import json

from gendemo.catalog import entry, names_with, resolve
from gendemo.core.checkpoints import card_path, read_card, write_card
from gendemo.core.device import resolve_device, set_threads
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.diffusion.sampling import DEFAULT_GUIDANCE, DEFAULT_STEPS, SAMPLERS
from gendemo.gan.recipes import RECIPES

MIN_STEPS, MAX_STEPS = 1, 1000  # ddim_timesteps visits at most T = 1,000 steps
SOLVER_MODELS = ("diffusion", "diffusion_distilled")  # --solver / --steps: the two that share the app's samplers


def main(argv=None):
    set_threads()
    p = argparse.ArgumentParser(prog="python -m gendemo.evaluate", description="Measure a trained gendemo model.")
    p.add_argument("model", choices=names_with("evaluator"))
    p.add_argument("--device", default="auto")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--checkpoint", default=None, help="weights to evaluate (default checkpoints/MODEL.safetensors)")
    p.add_argument("--n", type=int, default=None, help="samples to generate (generative models)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--recipe", choices=list(RECIPES), default=None, help="gan: chapter or remedy (the default)")
    p.add_argument("--update-card", action="store_true", help="write the figures into the checkpoint's card")
    p.add_argument(
        "--prompts",
        default=None,
        help="diffusion: another prompt file (digit TAB colour TAB prompt) instead of "
        "gendemo/diffusion/eval_prompts.tsv, e.g. gendemo/diffusion/eval_prompts_fresh.tsv",
    )
    p.add_argument(
        "--failures",
        action="store_true",
        help="diffusion: instead of the figures, write the gallery of the model's failures on the held-out prompts "
        "(gendemo/diffusion/failures.json, shown in the Diffusion tab)",
    )
    p.add_argument(
        "--enhancement",
        action="store_true",
        help="diffusion: only the enhancement figures (poor digits redrawn by img2img: read right? crisp?)",
    )
    p.add_argument(
        "--solver",
        choices=list(SAMPLERS),
        default=None,
        help="diffusion: the sampler to measure with (default ddim; ddpm always runs all 1,000 steps)",
    )
    p.add_argument(
        "--steps",
        type=int,
        default=None,
        help=f"diffusion: reverse steps for ddim and dpmpp2m, {MIN_STEPS} to {MAX_STEPS} (default {DEFAULT_STEPS})",
    )
    p.add_argument(
        "--guidance",
        type=float,
        default=None,
        help=f"diffusion: the guidance scale, 0 to 10 (default {DEFAULT_GUIDANCE}, the app's)",
    )
    p.add_argument(
        "--handover",
        action="store_true",
        help="diffusion: the Diffusion tab's handover network — the diffusion model for the noisy steps, its "
        "guidance-distilled copy after them (gendemo/diffusion/handover.py)",
    )
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default="auto",
        help="diffusion: the sampling precision (auto: bf16 where the CPU has it natively, else fp32), e.g. fp32 to "
        "check that a CPU without bf16 draws digits judged as well",
    )
    args = p.parse_args(argv)
    if args.precision != "auto" and (args.model not in SOLVER_MODELS or args.update_card or args.failures):
        p.error("--precision is for the diffusion model and its distilled copy; its figures do not go into the card")
    if args.enhancement and (args.model != "diffusion" or args.update_card or args.failures):
        p.error("--enhancement is for the diffusion model, and it writes no card figures")
    if (args.solver or args.steps) and (args.model not in SOLVER_MODELS or args.update_card or args.failures):
        p.error(
            "--solver and --steps are for the diffusion model and its distilled copy, and their figures do not go into "
            "the card"
        )
    if args.guidance is not None and (args.model not in SOLVER_MODELS or args.update_card or args.failures):
        p.error(
            "--guidance is for the diffusion model and its distilled copy, and its figures do not go into the card or "
            "the failure gallery"
        )
    if args.handover and (args.model != "diffusion" or args.update_card or args.failures or args.enhancement):
        p.error("--handover is for the diffusion model's prompt figures; they do not go into its card or gallery")
    if args.guidance is not None and not 0 <= args.guidance <= 10:
        p.error(f"--guidance must be between 0 and 10, got {args.guidance}")
    if args.steps is not None and not MIN_STEPS <= args.steps <= MAX_STEPS:
        p.error(f"--steps must be between {MIN_STEPS} and {MAX_STEPS}, got {args.steps}")
    if args.steps is not None and args.solver == "ddpm":
        p.error("--steps is for ddim and dpmpp2m: ddpm always runs all 1,000 steps")
    if args.failures and (args.model != "diffusion" or args.update_card):
        p.error("--failures is for the diffusion model, and it writes no card figures")
    if args.prompts and (args.model != "diffusion" or args.update_card):
        p.error("--prompts is for the diffusion model, and its figures do not go into the card")
    if args.recipe and args.model != "gan":
        p.error("--recipe is for the GAN")
    result = resolve(entry(args.model).evaluator)(args, resolve_device(args.device))
    if args.update_card:
        path = args.checkpoint or CHECKPOINT_DIR / f"{result.get('model', args.model)}.safetensors"
        card = read_card(path)
        card["metrics"] = {k: v for k, v in result.items() if k != "model"}
        write_card(card_path(path), card)  # re-sealed: the seal covers the metrics too
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
