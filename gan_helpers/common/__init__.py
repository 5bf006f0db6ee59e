"""What every notebook shares, the ground floor of the package: argument checks
(``checks``), seeding, the device and the progress bar (``runtime``), claim checks
(``claims``), the GAN losses and gradient penalties (``losses``), the one training history
(``history``), records of long runs (``records``), widget fallbacks and source display
(``display``), the review data (``reviews``) and the lazy public names (``exports``).
Nothing here imports the continuous or the text wing."""
