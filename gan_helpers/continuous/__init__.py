"""GANs on numbers (notebooks 01-04), lowest layer first: ``toy_data`` (the 1-D Gaussian, the
ring and the grid), ``nets`` (small networks, minibatch discrimination), ``replicas`` (many
seeds as one batched model), ``training`` (the one GAN loop), ``theory`` (D*, the value
function, JSD), ``metrics`` (moments, KS, mode coverage), ``plots``, ``widgets``,
``recipes`` (the long runs of notebook 03, shipped as records) and ``tabular/`` (the review
table of notebook 04). Import the public names from the package:
``from gan_helpers import train_gan``."""
