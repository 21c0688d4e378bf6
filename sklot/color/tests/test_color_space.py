import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklot.color import lab_to_rgb, luma, rgb_to_lab

# Published sRGB (D65) -> CIE L*a*b* values (Lindbloom's colour calculator).
REFERENCE = [
    ((1.0, 0.0, 0.0), (53.2408, 80.0925, 67.2032)),
    ((0.0, 1.0, 0.0), (87.7347, -86.1827, 83.1793)),
    ((0.0, 0.0, 1.0), (32.2970, 79.1875, -107.8602)),
    ((0.0, 1.0, 1.0), (91.1132, -48.0875, -14.1312)),
    ((1.0, 1.0, 0.0), (97.1393, -21.5537, 94.4780)),
    ((1.0, 1.0, 1.0), (100.0, 0.0, 0.0)),
    ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    ((128 / 255, 128 / 255, 128 / 255), (53.5850, 0.0, 0.0)),
]


@pytest.mark.parametrize("rgb, lab", REFERENCE)
def test_rgb_to_lab_matches_published_values(rgb, lab):
    assert_allclose(rgb_to_lab(np.array(rgb)), lab, atol=2e-4)
    assert_allclose(lab_to_rgb(np.array(lab)), rgb, atol=5e-5)


def test_round_trip_and_shapes(rng):
    rgb = rng.uniform(size=(7, 5, 3))
    lab = rgb_to_lab(rgb)
    assert lab.shape == (7, 5, 3)
    assert_allclose(lab_to_rgb(lab), rgb, atol=1e-10)
    # outside [0, 1] the same formulas apply and still invert
    wide = rng.uniform(-0.2, 1.3, size=(100, 3))
    assert_allclose(lab_to_rgb(rgb_to_lab(wide)), wide, atol=1e-9)


def test_dtypes(rng):
    img = rng.integers(0, 256, size=(4, 4, 3)).astype(np.uint8)
    assert_allclose(rgb_to_lab(img), rgb_to_lab(img / 255.0))
    assert rgb_to_lab(img).dtype == np.float64
    f32 = rng.uniform(size=(10, 3)).astype(np.float32)
    assert rgb_to_lab(f32).dtype == np.float32
    assert lab_to_rgb(rgb_to_lab(f32)).dtype == np.float32
    assert luma(f32).dtype == np.float32


def test_luma_and_lightness_are_monotone_in_grey():
    grey = np.linspace(0, 1, 11)[:, None] * np.ones(3)
    assert_allclose(luma(grey), np.linspace(0, 1, 11))
    L = rgb_to_lab(grey)[:, 0]
    assert np.all(np.diff(L) > 0)
    assert_allclose(rgb_to_lab(grey)[:, 1:], 0.0, atol=1e-9)


def test_errors():
    with pytest.raises(ValueError, match="3 channels"):
        rgb_to_lab(np.ones((4, 2)))
    with pytest.raises(ValueError, match="3 channels"):
        lab_to_rgb(np.ones(4))
    with pytest.raises(TypeError, match="numbers"):
        rgb_to_lab(np.array([["a", "b", "c"]]))
