"""What the notebooks show on top of the methods (notebooks 05-11): temperature sweeps and
curve comparisons (``compare``), answer tables (``qa_eval``), plots and widgets."""
