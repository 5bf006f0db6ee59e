"""The shipped text models (notebooks 06-11): ``checkpoints`` reads and writes a model with
its settings, recipe, history and data fingerprint; ``recipes`` says how each shipped model
is trained (``python -m gan_helpers.recipes --rebuild NAME``); ``vae_study`` holds notebook
09's remedies over seeds (training curves only); ``records/`` holds the files."""
