import numpy as np
import pytest
from sklearn.datasets import load_sample_image

from sklot._cli import main
from sklot.color import read_image, write_image

pytest.importorskip("PIL")


@pytest.fixture
def files(tmp_path):
    source = tmp_path / "china.png"
    reference = tmp_path / "flower.png"
    write_image(source, load_sample_image("china.jpg")[::8, ::8])
    write_image(reference, load_sample_image("flower.jpg")[::8, ::8])
    return source, reference, tmp_path / "out.png"


@pytest.mark.parametrize("method", ["gaussian", "sliced"])
def test_color_transfer_command(files, capsys, method):
    source, reference, output = files
    status = main(
        ["color-transfer", str(source), str(reference), str(output),
         "--method", method, "--regrain", "0.3"]
    )
    assert status == 0
    out = read_image(output)
    assert out.shape == read_image(source).shape
    printed = capsys.readouterr().out
    assert "recolouring" in printed and "done" in printed
    # the output took the reference's colours: its mean moved towards them
    ref = read_image(reference).reshape(-1, 3).mean(axis=0)
    src = read_image(source).reshape(-1, 3).mean(axis=0)
    assert np.abs(out.reshape(-1, 3).mean(axis=0) - ref).sum() < np.abs(
        src - ref
    ).sum()


def test_color_transfer_command_errors(files, capsys):
    source, reference, output = files
    assert main(["color-transfer", str(source), "missing.png", str(output)]) == 1
    assert "No image" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["color-transfer", str(source), str(reference), str(output),
              "--method", "nearest"])
