"""Network artifacts: the card and weights on disk, shipped networks, the cache and downloads."""
