"""The ground floor of the text wing (notebook 05 on): tokens and corpora (``vocab``,
``qa_data``), every way to draw a word (``sampling``), the generator and discriminator
(``models``), the synthetic oracle (``oracle``), the metrics (``metrics``) and the
gradient estimators measured against the exact gradient (``estimators``)."""
