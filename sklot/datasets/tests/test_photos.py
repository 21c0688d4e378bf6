import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_sample_image

from sklot.datasets import load_photo


@pytest.mark.parametrize("name", ["china", "flower"])
def test_photo_is_the_block_averaged_sample_image(name):
    # independent path: scikit-learn's JPEG (decoded by Pillow, a test
    # dependency), averaged over 3 x 3 blocks
    full = load_sample_image(f"{name}.jpg").astype(float)[:426, :639]
    expected = full.reshape(142, 3, 213, 3, 3).mean(axis=(1, 3))
    image = load_photo(name)
    assert image.shape == (142, 213, 3) and image.dtype == np.uint8
    assert np.abs(image - expected).max() <= 0.5 + 1e-9


def test_photo_is_a_fresh_array():
    first = load_photo("china")
    first[:] = 0
    assert load_photo("china").any()


def test_unknown_photo_names_the_choices():
    with pytest.raises(ValueError, match=r"name must be one of \['china', 'flower'\]"):
        load_photo("lena")


def test_photo_reading_needs_no_image_library():
    code = (
        "import sys; sys.modules['PIL'] = None\n"
        "from sklot.datasets import load_photo\n"
        "print(load_photo('flower').shape)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True,
                         capture_output=True, text=True)
    assert out.stdout.strip() == "(142, 213, 3)"
