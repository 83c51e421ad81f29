"""The seams into hssm and PyMC: the ``loglik_kind="ratio"`` patches, the PyMC distribution and their op."""
