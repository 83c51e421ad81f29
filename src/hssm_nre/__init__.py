"""hssm-nre: neural ratio estimation likelihoods for HSSM."""

__version__ = "0.1.0.dev0"
