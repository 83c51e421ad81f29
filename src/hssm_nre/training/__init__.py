"""Training: configuration, the shipped recipes, losses and the training loop."""
