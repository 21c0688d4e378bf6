"""
==========================================
Colour transfer between two photographs
==========================================

:class:`~sklot.color.ColorTransferer` recolours an image so that its colour
distribution matches a reference's, by optimal transport between the two
colour distributions. Here the photograph of a pagoda takes the palette of a
photograph of a dahlia (both ship with scikit-learn).

- ``"sliced"`` moves all pixels by iterated 1D optimal transport in random
  frames of the colour space; ``regrain`` then restores the source's fine
  detail, which an exact transfer can turn into grain in smooth regions;
- ``"entropic"`` and ``"exact"`` transport a palette of colours and extend
  the map smoothly to every pixel;
- ``"gaussian"`` matches only the mean and covariance of the colours.
"""

# %%
# Recolour with each method
# -------------------------

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_image

from sklot.color import ColorTransferer, luma
from sklot.solvers import sliced_wasserstein

source = load_sample_image("china.jpg")[::2, ::2]
reference = load_sample_image("flower.jpg")[::2, ::2]

methods = {
    "sliced": dict(method="sliced"),
    "sliced + regrain": dict(method="sliced", regrain=0.3),
    "entropic": dict(method="entropic", n_palette=500),
    "gaussian": dict(method="gaussian"),
}
outputs = {
    name: ColorTransferer(random_state=0, **params).fit(reference).transform(source)
    for name, params in methods.items()
}

# %%
# How close is the palette, how much content is kept?
# ---------------------------------------------------
# The sliced Wasserstein distance between the output's colours and the
# reference's, relative to the source's, measures the palette match; the
# correlation of luminance gradients with the source's measures how much of
# the image's structure is kept.


def colours(image):
    return image.reshape(-1, 3) / 255.0


def gradient_correlation(a, b):
    ga = np.hypot(*np.gradient(luma(a / 255.0)))
    gb = np.hypot(*np.gradient(luma(b / 255.0)))
    return np.corrcoef(ga.ravel(), gb.ravel())[0, 1]


before = sliced_wasserstein(colours(source), colours(reference), random_state=0)
for name, image in outputs.items():
    after = sliced_wasserstein(colours(image), colours(reference), random_state=0)
    print(
        f"{name:>17}: distance ratio {after / before:.3f}, gradient "
        f"correlation {gradient_correlation(source, image):.3f}"
    )

# %%
# Before, after and reference
# ---------------------------

panels = [("source", source), *outputs.items(), ("reference", reference)]
fig, axes = plt.subplots(2, 3, figsize=(12, 5.6))
for ax, (title, image) in zip(axes.ravel(), panels):
    ax.imshow(image)
    ax.set_title(title)
    ax.axis("off")
fig.tight_layout()
plt.show()
