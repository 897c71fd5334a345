"""gendemo: GANs and diffusion models on handwritten digits, built to follow a textbook chapter."""

__version__ = "0.1.0"
