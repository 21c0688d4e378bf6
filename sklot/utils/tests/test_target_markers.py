"""The target markers of the domain convention, read in one place."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sklot.utils import TargetMarkerWarning, split_domains


@pytest.mark.parametrize(
    "y, target",
    [
        (np.array([0, 1, -1]), [False, False, True]),
        (np.array(["cat", "dog", "-1"]), [False, False, True]),
        (np.array([b"cat", b"-1"]), [False, True]),
        (np.array(["cat", None, np.nan], dtype=object), [False, True, True]),
        (np.array([0, 1, None], dtype=object), [False, False, True]),
        (np.array(["cat", -1, "dog"], dtype=object), [False, True, False]),
        (np.array([0.0, 1.0, -1.0]), [False, False, True]),
        (pd.Series([0, 1, None], dtype="Int64"), [False, False, True]),
        (pd.Series(["a", "b", None], dtype="category"), [False, False, True]),
        (["a", "b", "-1"], [False, False, True]),
    ],
)
def test_every_marker_form_marks_target_rows(y, target):
    split = split_domains(y)
    assert split.target.tolist() == target
    assert split.task == "classification"
    assert (split.labelled == ~split.target).all()


def test_object_y_with_none_does_not_compare_labels():
    # np.unique on [None, "a"] raises "'<' not supported"; the reader never
    # sorts the labels.
    y = np.array(["b", None, "a", None], dtype=object)
    split = split_domains(y)
    assert split.target.tolist() == [False, True, False, True]


def test_regression_markers_are_nan_and_none():
    split = split_domains(np.array([0.5, -1.0, np.nan]))
    assert split.task == "regression"
    assert split.target.tolist() == [False, False, True]
    split = split_domains(np.array([0.5, 1.25, None], dtype=object))
    assert split.task == "regression"
    assert split.target.tolist() == [False, False, True]


def test_d11_minus_one_and_nan_together_are_refused():
    y = np.array([0.0, 1.0, -1.0, -1.0, np.nan])
    with pytest.raises(ValueError, match="mixes two target markers"):
        split_domains(y)
    with pytest.raises(ValueError, match="sample_domain"):
        split_domains(y, task="classification")
    y_obj = np.array([0, 1, -1, None], dtype=object)
    with pytest.raises(ValueError, match="mixes two target markers"):
        split_domains(y_obj)


def test_d11_mixed_markers_with_sample_domain_read_as_regression():
    y = np.array([0.0, 1.0, -1.0, np.nan])
    split = split_domains(y, sample_domain=np.array([0, 0, 0, -1]))
    assert split.task == "regression"
    assert split.labelled.tolist() == [True, True, True, False]


def test_minus_one_one_labels_warn_that_minus_one_is_the_marker():
    y = np.array([1, -1, 1, -1])
    with pytest.warns(TargetMarkerWarning, match="sample_domain") as record:
        split = split_domains(y)
    assert issubclass(record[0].category, UserWarning)
    assert split.target.tolist() == [False, True, False, True]
    with pytest.warns(TargetMarkerWarning):
        split_domains(np.array(["1", "-1"]))


@pytest.mark.parametrize(
    "y",
    [np.array([0, 1, -1]), np.array([1, 2, -1]), np.array([1, 1, 1])],
)
def test_other_labels_do_not_warn(y):
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetMarkerWarning)
        split_domains(y)


def test_sample_domain_makes_minus_one_a_class_on_source_rows():
    y = np.array([1, -1, 1, -1, -1])
    sample_domain = np.array([0, 0, 0, -1, -1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetMarkerWarning)
        split = split_domains(y, sample_domain)
    assert split.source.tolist() == [True, True, True, False, False]
    # -1 on a source row is a class; on a target row it means unlabelled
    assert split.labelled.tolist() == [True, True, True, False, False]


def test_d14_unlabelled_source_rows_are_refused():
    y = np.array([np.nan, 0.3, 0.5, np.nan])
    with pytest.raises(ValueError, match="sample_domain marks as source"):
        split_domains(y, sample_domain=np.array([0, 0, -1, -1]))
    y = np.array(["a", None, "b"], dtype=object)
    with pytest.raises(ValueError, match="y has no label"):
        split_domains(y, sample_domain=np.array([0, 0, -1]))


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_d20_infinite_y_is_refused(bad):
    y = np.array([0.5, bad, np.nan])
    with pytest.raises(ValueError, match="y contains infinity"):
        split_domains(y)
    with pytest.raises(ValueError, match="y contains infinity"):
        split_domains(np.array([0.5, bad, None], dtype=object))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": -1}, "'n_samples' parameter of split_domains"),
        ({"n_samples": 2.5}, "'n_samples' parameter of split_domains"),
        ({"n_samples": "3"}, "'n_samples' parameter of split_domains"),
        ({"task": "ranking"}, "'task' parameter of split_domains"),
        ({"y": 3}, "'y' parameter of split_domains"),
        ({"n_samples": True}, "n_samples must be a non-negative int"),
        ({"y": [0, 1], "n_samples": 3}, "y has 2 labels but X has 3 rows"),
        ({"y": np.array([1j, 0])}, "y has the complex dtype"),
        ({"y": np.array(["2020-01-01"], dtype="datetime64[D]")}, "y has the dtype"),
    ],
)
def test_d19_split_domains_names_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_domains(**kwargs)


def test_n_samples_alone_gives_source_rows():
    split = split_domains(n_samples=np.int64(3))
    assert split.source.tolist() == [True, True, True]
