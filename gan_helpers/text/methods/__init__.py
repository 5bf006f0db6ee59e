"""The methods, one module each (notebooks 06-11): SeqGAN (``seqgan``), the Gumbel-softmax
GAN (``gumbel_gan``), the question-answer GAN (``seq2seq``, ``qa_gan``) and the sentence
VAE (``vae``, ``vae_train``). Built on ``text.training`` and ``text.core``."""
