"""The main call of each endpoint, as the benchmark and the load test make it (arguments for gradio_client.predict)."""

from gradio_client import handle_file

from gendemo.core.paths import EXAMPLES

ENDPOINT_CALLS = {
    "/classify": lambda: (None, handle_file(str(EXAMPLES / "digit_7.png"))),
    "/gan_sample": lambda: (64, 0),
    "/gan_timeline": lambda: (60,),
    "/mode_collapse": lambda: ("final", 1000, 0),
    "/cgan_sample": lambda: ("all", 10, 0),
    "/latent_walk": lambda: (1501, 2, 9),
    "/noising": lambda: (handle_file(str(EXAMPLES / "digit_7.png")), 9, 0),
    "/diffusion_generate": lambda: ("a red seven", "ddim", 25, 3.0, 0, 16),
    "/prompt_experiment": lambda: ("ornate red seven", "colour", 0, 3.0),
    "/img2img": lambda: (handle_file(str(EXAMPLES / "blurry_4.png")), None, "a white four", 0.4, 0, 4),
}
