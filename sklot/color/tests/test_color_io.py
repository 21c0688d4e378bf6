import numpy as np
import pytest
from numpy.testing import assert_array_equal

from sklot.color import read_image, write_image

pytest.importorskip("PIL")


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_png_round_trip(tmp_path, rng, channels):
    img = rng.integers(0, 256, size=(5, 7, channels)).astype(np.uint8)
    path = tmp_path / "img.png"
    write_image(path, img)
    back = read_image(path)
    assert back.dtype == np.uint8
    assert back.shape == (5, 7, channels)
    assert_array_equal(back, img)


def test_float_images_are_scaled_and_clipped(tmp_path):
    img = np.array([[[0.0, 0.5, 1.0], [-1.0, 2.0, 0.25]]])
    write_image(tmp_path / "f.png", img)
    assert_array_equal(read_image(tmp_path / "f.png")[0], [[0, 128, 255], [0, 255, 64]])


def test_jpeg_and_grey_2d(tmp_path, rng):
    img = rng.integers(0, 256, size=(16, 16, 4)).astype(np.uint8)
    write_image(tmp_path / "a.jpg", img)  # alpha dropped for JPEG
    assert read_image(tmp_path / "a.jpg").shape == (16, 16, 3)
    write_image(tmp_path / "g.png", np.zeros((3, 4), dtype=np.uint8))
    assert read_image(tmp_path / "g.png").shape == (3, 4, 1)


def test_palette_image_is_converted(tmp_path):
    from PIL import Image

    Image.new("P", (3, 2)).save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png").shape == (2, 3, 3)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="No image"):
        read_image(tmp_path / "missing.png")
    with pytest.raises(ValueError, match="channels|shape"):
        write_image(tmp_path / "x.png", np.zeros((2, 2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        write_image(tmp_path / "x.png", np.full((2, 2), np.nan))
    with pytest.raises(ValueError, match="uint8"):
        write_image(tmp_path / "x.png", np.zeros((2, 2, 3), dtype=np.int64))
