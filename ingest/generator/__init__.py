"""Synthetic Chinese credit data with ground truth: `riskgraph generate` (see README.md here)."""
