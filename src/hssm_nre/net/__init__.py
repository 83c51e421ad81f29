"""The network as pure JAX functions: features, the NCE noise density, base densities and logp."""
