"""tg.data with dict elements whose keys are not in sorted order, and the package's
import structure.

tg.nest visits dict values in sorted-key order while a rebuilt dict keeps its
template's key order; every place that pairs flat lists must use the one order.
"""

import ast
import collections
import pathlib

import numpy as np

import tensorgear as tg
import tensorgear.data  # noqa: F401  (tg.data)
from tensorgear.data import Dataset, TensorSpec

DATA_DIR = pathlib.Path(tg.__file__).parent / "data"


def unsorted_slices():
    """{"z": ints, "a": floats (n, 2)}: keys given in reverse sorted order."""
    return {"z": np.arange(5, dtype=np.int64), "a": np.arange(10, dtype=np.float32).reshape(5, 2)}


def test_unsorted_dict_elements_keep_key_order_and_values():
    d = unsorted_slices()
    for ds in (Dataset.from_tensor_slices(d), Dataset.from_tensor_slices(d).take(5),
               Dataset.from_tensor_slices(d).map(lambda e: e)):
        elems = list(ds.as_numpy_iterator())
        assert [list(e) for e in elems] == [["z", "a"]] * 5
        for i, e in enumerate(elems):
            assert e["z"] == i and e["z"].dtype == np.int64
            np.testing.assert_array_equal(e["a"], d["a"][i])
    spec = Dataset.from_tensor_slices(d).element_spec
    assert list(spec) == ["z", "a"]
    assert spec["z"] == TensorSpec((), tg.int64) and spec["a"] == TensorSpec((2,), tg.float32)


def test_unsorted_dict_batches_on_both_paths():
    d = unsorted_slices()
    gathered = Dataset.from_tensor_slices(d).shuffle(5, seed=3).batch(2)  # index plan
    stacked = Dataset.from_tensor_slices(d).map(lambda e: e).batch(2)  # element by element
    for ds in (gathered, stacked):
        batches = list(ds.as_numpy_iterator())
        assert [len(b["z"]) for b in batches] == [2, 2, 1]
        for b in batches:
            assert list(b) == ["z", "a"]
            np.testing.assert_array_equal(b["a"], d["a"][b["z"]])
    assert list(gathered.element_spec) == ["z", "a"]
    assert gathered.element_spec["a"] == TensorSpec((None, 2), tg.float32)
    unbatched = list(stacked.unbatch().as_numpy_iterator())
    assert [int(e["z"]) for e in unbatched] == [0, 1, 2, 3, 4]
    assert all(list(e) == ["z", "a"] for e in unbatched)


def test_from_generator_output_types_and_shapes_with_unsorted_keys():
    def gen():
        for i in range(3):
            yield {"z": i, "a": np.array([i, 2.0 * i])}

    ds = Dataset.from_generator(gen, output_types={"z": tg.int64, "a": tg.float32},
                                output_shapes={"z": (), "a": (2,)})
    assert ds.element_spec == {"z": TensorSpec((), tg.int64), "a": TensorSpec((2,), tg.float32)}
    elems = list(ds.as_numpy_iterator())
    assert [list(e) for e in elems] == [["z", "a"]] * 3
    assert [e["z"].dtype for e in elems] == [np.int64] * 3
    np.testing.assert_array_equal(elems[2]["a"], np.array([2.0, 4.0], np.float32))


def test_from_generator_pairs_dict_values_with_the_signature_by_key():
    sig = {"a": TensorSpec((2,), tg.float32), "z": TensorSpec((), tg.int64)}
    ds = Dataset.from_generator(lambda: iter([{"z": 7, "a": np.ones(2)}]), output_signature=sig)
    (elem,) = list(ds.as_numpy_iterator())
    assert elem["z"] == 7 and elem["z"].dtype == np.int64
    np.testing.assert_array_equal(elem["a"], np.ones(2, np.float32))


def test_from_generator_namedtuple_types_give_namedtuple_elements():
    Pair = collections.namedtuple("Pair", ["x", "label"])
    ds = Dataset.from_generator(lambda: iter([(np.zeros(2), 1)]),
                                output_types=Pair(tg.float32, tg.int64),
                                output_shapes=Pair((2,), ()))
    (elem,) = list(ds.as_numpy_iterator())
    assert isinstance(elem, Pair) and elem.x.dtype == np.float32 and elem.label == 1
    assert ds.element_spec.x == TensorSpec((2,), tg.float32)


def test_zip_and_concatenate_of_unsorted_dicts():
    z, a = Dataset.range(3), Dataset.range(10, 13)
    zipped = list(Dataset.zip({"z": z, "a": a}).as_numpy_iterator())
    assert zipped == [{"z": 0, "a": 10}, {"z": 1, "a": 11}, {"z": 2, "a": 12}]
    assert [list(e) for e in zipped] == [["z", "a"]] * 3
    # as with tf.nest, dicts with the same keys match whatever their insertion order
    first = Dataset.from_tensor_slices({"z": np.arange(2), "a": np.zeros((2, 3), np.float32)})
    second = Dataset.from_tensor_slices({"a": np.ones((1, 3), np.float32), "z": np.arange(1)})
    both = first.concatenate(second)
    assert both.element_spec == {"z": TensorSpec((), tg.int64), "a": TensorSpec((3,), tg.float32)}
    assert [int(e["z"]) for e in both.as_numpy_iterator()] == [0, 1, 0]


def _imports(path):
    """(module, names) for each import in a file; relative modules keep their dots."""
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append(("." * node.level + (node.module or ""), [a.name for a in node.names]))
    return out


def test_data_modules_import_no_facade():
    """tg.data is imported lazily by the tensorgear package and imports back only the
    compiled core and tg.nest; only __init__ imports the Dataset facade module."""
    for path in DATA_DIR.glob("*.py"):
        for module, names in _imports(path):
            assert module != "tensorgear", f"{path.name} imports the tensorgear package"
            if module == "..":
                assert set(names) <= {"_C", "nest"}, f"{path.name} imports {names} from tensorgear"
            if path.name != "__init__.py":
                assert module != ".dataset" and not (module == "." and "dataset" in names), \
                    f"{path.name} imports the facade"
