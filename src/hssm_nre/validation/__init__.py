"""Validation: reference likelihoods, metrics, sampling, parameter sets, the report and its figures."""
