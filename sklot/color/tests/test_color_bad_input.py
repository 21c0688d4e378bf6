"""Colour functions and image files: errors that name the argument."""

import os

import numpy as np
import pytest

from sklot.color import lab_to_rgb, luma, read_image, rgb_to_lab, write_image

pytest.importorskip("PIL")

COLOR_FUNCTIONS = [(rgb_to_lab, "rgb"), (lab_to_rgb, "lab"), (luma, "rgb")]


@pytest.mark.parametrize("func, name", COLOR_FUNCTIONS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_d21_colours_refuse_non_finite_values(func, name, bad):
    image = np.full((2, 2, 3), 0.5)
    image[1, 0, 2] = bad
    with pytest.raises(ValueError, match=f"{name} contains NaN or infinity"):
        func(image)
    with pytest.raises(ValueError, match=f"{name} contains NaN or infinity"):
        func(image.astype(np.float32))


@pytest.mark.parametrize("func, name", COLOR_FUNCTIONS)
@pytest.mark.parametrize(
    "value, match, error",
    [
        ("abc", "'{name}' parameter", ValueError),
        (np.zeros((2, 2)), "{name} must have 3 channels", ValueError),
        (np.ones((2, 3)) * 1j, "{name} must hold real numbers", TypeError),
        ([[0.1, 0.2, 0.3], [0.1]], "{name} must be an array of colours", ValueError),
    ],
)
def test_d19_colours_name_the_argument(func, name, value, match, error):
    with pytest.raises(error, match=match.format(name=name)):
        func(value)


def test_colour_functions_still_convert_finite_input():
    rgb = np.array([[0.2, 0.5, 0.9], [1.0, 0.0, 0.3]])
    np.testing.assert_allclose(lab_to_rgb(rgb_to_lab(rgb)), rgb, atol=1e-12)
    assert luma(rgb).shape == (2,)


def test_d19_read_image_names_the_path(tmp_path):
    with pytest.raises(TypeError, match="'path' parameter"):
        read_image(None)
    garbage = tmp_path / "bad.png"
    garbage.write_text("not an image")
    with pytest.raises(ValueError, match="is not an image file"):
        read_image(garbage)
    with pytest.raises(ValueError, match="is a directory"):
        read_image(tmp_path)
    with pytest.raises(FileNotFoundError, match="No image file"):
        read_image(tmp_path / "missing.png")


@pytest.mark.parametrize(
    "kwargs, match, error",
    [
        ({"path": "x.qqq"}, "extension '.qqq'", ValueError),
        ({"image": "abc"}, "'image' parameter", ValueError),
        ({"image": [[0.0, 0.1], [0.2]]}, "ragged", ValueError),
        ({"quality": 500}, "'quality' parameter", ValueError),
        ({"quality": "hi"}, "'quality' parameter", TypeError),
        ({"path": None}, "'path' parameter", TypeError),
    ],
)
def test_d19_write_image_names_the_argument(tmp_path, kwargs, match, error):
    args = {"path": "out.png", "image": np.zeros((2, 2, 3)), **kwargs}
    if isinstance(args["path"], str):
        args["path"] = os.path.join(tmp_path, args["path"])
    with pytest.raises(error, match=match):
        write_image(args["path"], args["image"], quality=args.get("quality", 95))
