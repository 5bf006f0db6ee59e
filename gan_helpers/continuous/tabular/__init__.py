"""Synthetic tabular data from text, introduced in notebook 04: reviews become rows of a
table, a GAN (or a Gaussian baseline) produces new rows, and a set of checks measures what
the synthetic rows preserve. Lowest layer first:

- ``checks``: validation of tables and labels;
- ``embedding``: reviews -> TF-IDF -> truncated SVD -> [0, 1] (``fit_review_embedder``);
- ``synthesis``: the classic linear-sigmoid networks, conditional-GAN plumbing for
  ``train_gan``, and the two non-GAN baselines (clipped Gaussian, Gaussian copula);
- ``metrics``: correlation gap, per-column KS, C2ST, TSTR and distance to closest record;
- ``plots``: pictures of those metrics, and of a long run's training curves;
- ``recipes``: the notebook's long runs (``TabularRun``), built offline and shipped as records.

Import the public names from the package: ``from gan_helpers import correlation_gap``.
This file imports nothing, so using one module does not load the others' libraries.
"""
