"""Signal processing shared by the render and the music engine, on one array layout:
(channels, samples).

- ``truepeak``: the one true-peak meter (4× oversampled; per sample, per block or overall);
- ``loudness``: BS.1770 integrated loudness, a look-ahead limiter, normalisation to a target.
"""
