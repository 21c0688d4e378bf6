import subprocess
import sys

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
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.endswith(
        " color-transfer: error: REFERENCE 'missing.png' does not exist\n"
    )
    with pytest.raises(SystemExit):
        main(["color-transfer", str(source), str(reference), str(output),
              "--method", "nearest"])


def _one_line_error(capsys, *argv):
    """Run the command; check it failed with one line on stderr, no work done."""
    assert main(["color-transfer", *map(str, argv)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing was read, fitted or written
    assert captured.err.count("\n") == 1
    assert "color-transfer: error: " in captured.err
    return captured.err


@pytest.mark.parametrize("name", ["out.xyz", "out", "out.txt"])
def test_output_extension_is_checked_before_any_work(files, capsys, name):
    source, reference, output = files
    err = _one_line_error(capsys, source, reference, output.with_name(name))
    assert "the extension chooses the format" in err and ".png" in err
    assert not output.with_name(name).exists()


def test_output_folder_must_exist(files, capsys):
    source, reference, output = files
    err = _one_line_error(capsys, source, reference,
                          output.parent / "nope" / "out.png")
    assert "does not exist" in err


def test_output_that_is_a_folder_is_refused(files, capsys, tmp_path):
    source, reference, _ = files
    (tmp_path / "dir.png").mkdir()
    assert "is a folder" in _one_line_error(capsys, source, reference,
                                            tmp_path / "dir.png")


def test_input_that_is_not_an_image(files, capsys, tmp_path):
    _, reference, output = files
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert main(["color-transfer", str(text), str(reference), str(output)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"SOURCE '{text}' is not a readable image" in err
    assert not output.exists()


def test_input_that_is_a_folder(files, capsys, tmp_path):
    source, _, output = files
    assert "REFERENCE" in _one_line_error(capsys, source, tmp_path, output)


@pytest.mark.parametrize(
    "option, value, expected",
    [
        ("--regrain", "5", "out of range; expected a value in (0.0, 1.0]"),
        ("--regrain", "0", "out of range"),
        ("--n-iter", "0", "out of range; expected a value in [1, inf)"),
        ("--n-palette", "1", "out of range"),
        ("--reg", "-1", "out of range"),
        ("--seed", "-3", "out of range"),
        ("--n-iter", "2.5", "'2.5' is not an integer"),
        ("--reg", "abc", "'abc' is not a number"),
        ("--reg", "nan", "'nan' is not a finite number"),
        ("--regrain", "inf", "'inf' is not a finite number"),
    ],
)
def test_out_of_range_options_are_usage_errors(files, capsys, option, value,
                                               expected):
    source, reference, output = files
    with pytest.raises(SystemExit) as exc:
        main(["color-transfer", str(source), str(reference), str(output),
              option, value])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: " in err and expected in err


def test_errors_print_no_traceback_from_a_shell(files, tmp_path):
    source, reference, output = files
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    for argv in ([source, tmp_path / "missing.png", output],
                 [text, reference, output],
                 [source, reference, tmp_path / "out.unknown"]):
        out = subprocess.run(
            [sys.executable, "-m", "sklot", "color-transfer", *map(str, argv)],
            capture_output=True, text=True,
        )
        assert out.returncode == 1
        assert "Traceback" not in out.stderr
        assert out.stderr.startswith("python -m sklot color-transfer: error: ")
        assert out.stderr.count("\n") == 1


def test_missing_pillow_is_one_line(files):
    source, reference, output = files
    code = (
        "import sys; sys.modules['PIL'] = None\n"
        "from sklot._cli import main\n"
        "sys.exit(main(sys.argv[1:], prog='sklot'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, "color-transfer", str(source),
         str(reference), str(output)],
        capture_output=True, text=True,
    )
    assert out.returncode == 1
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "pip install 'sklot[image]'" in out.stderr
