"""The shipped text models (notebooks 06-11): ``checkpoints`` reads and writes a model with
its settings, recipe, history and data fingerprint; ``recipes`` says how each shipped model
is trained (``python -m gan_helpers.recipes --rebuild NAME``); ``records/`` holds the files."""
