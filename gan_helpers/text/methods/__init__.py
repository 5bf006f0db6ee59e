"""The methods, one module each (notebooks 06-11): SeqGAN (``seqgan``), the Gumbel-softmax
GAN (``gumbel_gan``), the question-answer GAN (``seq2seq``, ``qa_gan``) and the sentence
VAE (``vae``, ``vae_train``), and notebook 10's sentence autoencoder with unit-norm codes
(``autoencoder``). Built on ``text.training`` and ``text.core``."""
