"""GradientTape semantics, as TensorFlow defines them and the seeds use them."""

import gc
import os
import threading
import weakref

import numpy as np
import pytest

import tensorgear as tg


def test_listing_3_10_variable_is_watched():
    input_var = tg.Variable(initial_value=3.0)
    with tg.GradientTape() as tape:
        result = tg.square(input_var)
    gradient = tape.gradient(result, input_var)
    assert float(gradient) == 6.0


def test_listing_3_11_constant_needs_watch():
    input_const = tg.constant(3.0)
    with tg.GradientTape() as tape:
        tape.watch(input_const)
        result = tg.square(input_const)
    assert float(tape.gradient(result, input_const)) == 6.0

    with tg.GradientTape() as tape:
        result = tg.square(input_const)
    assert tape.gradient(result, input_const) is None


def test_listing_3_12_nested_tapes_second_order():
    time = tg.Variable(0.0)
    with tg.GradientTape() as outer_tape:
        with tg.GradientTape() as inner_tape:
            position = 4.9 * time ** 2
        speed = inner_tape.gradient(position, time)
    acceleration = outer_tape.gradient(speed, time)
    assert float(speed) == 0.0
    assert float(acceleration) == pytest.approx(9.8)


def test_gradient_called_inside_both_scopes():
    # The MLP deck computes both derivatives inside both `with` blocks.
    x = tg.Variable(1.0)
    with tg.GradientTape() as t:
        with tg.GradientTape() as t2:
            y = x * x * x
            dy_dx = t2.gradient(y, x)
            d2y_dx2 = t.gradient(dy_dx, x)
    assert int(dy_dx.numpy()) == 3
    assert int(d2y_dx2.numpy()) == 6


def test_persistent_tape_many_gradients():
    x = tg.constant(5.0)
    with tg.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
        z = y * y
    assert "%d" % t.gradient(y, x).numpy() == "10"
    assert "%d" % t.gradient(z, x).numpy() == "500"
    del t


def test_watch_reduce_sum_multiply():
    x = tg.ones((2, 2))
    with tg.GradientTape() as t:
        t.watch(x)
        y = tg.reduce_sum(x)
        z = tg.multiply(y, y)
    dz_dx = t.gradient(z, x)
    np.testing.assert_array_equal(dz_dx.numpy(), np.full((2, 2), 8.0, np.float32))


def test_list_of_sources_w_and_b():
    W = tg.Variable(tg.ones((2, 2)))
    b = tg.Variable(tg.zeros((2,)))
    x = tg.constant([[1.0, 2.0], [3.0, 4.0]])
    with tg.GradientTape() as tape:
        y = tg.matmul(x, W) + b
        loss = tg.reduce_sum(y)
    grad_W, grad_b = tape.gradient(loss, [W, b])
    np.testing.assert_allclose(grad_W.numpy(), [[4.0, 4.0], [6.0, 6.0]])
    np.testing.assert_allclose(grad_b.numpy(), [2.0, 2.0])


def test_nested_structures_keep_their_shape():
    a = tg.Variable(1.0)
    b = tg.Variable(2.0)
    c = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        y = a * b * c
    g = tape.gradient(y, {"x": a, "rest": (b, [c])})
    assert set(g) == {"x", "rest"}
    assert isinstance(g["rest"], tuple) and isinstance(g["rest"][1], list)
    assert float(g["x"]) == 6.0 and float(g["rest"][0]) == 3.0 and float(g["rest"][1][0]) == 2.0


def test_structures_nest_as_tg_nest_says():
    """Sources, targets, output_gradients and watch() walk structures with tg.nest:
    namedtuples come back as namedtuples, dict keys in the caller's order."""
    import collections

    Pair = collections.namedtuple("Pair", "w b")
    w, b = tg.Variable([1.0, 2.0]), tg.Variable(3.0)
    x = tg.constant(4.0)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch({"inputs": [x]})
        y1 = tg.reduce_sum(w) * b * x
        y2 = b * b
    g = tape.gradient({"first": y1, "second": (y2,)}, Pair(w, b))
    assert type(g) is Pair
    np.testing.assert_allclose(g.w.numpy(), [12.0, 12.0])
    assert float(g.b) == 3.0 * 4.0 + 2 * 3.0
    g = tape.gradient([y1, y2], {"z": b, "a": x}, output_gradients=[tg.constant(2.0), None])
    assert list(g) == ["z", "a"]
    assert float(g["z"]) == 2 * 3.0 * 4.0 + 2 * 3.0 and float(g["a"]) == 2 * 3.0 * 3.0
    assert tg.nest.flatten(tape.gradient(y1, [[w], (x,)])) and tape.gradient(y1, ()) == ()


def test_unconnected_sources_none_or_zero():
    x = tg.Variable(2.0)
    unrelated = tg.Variable([1.0, 2.0])
    with tg.GradientTape(persistent=True) as tape:
        y = x * x
    assert tape.gradient(y, unrelated) is None
    z = tape.gradient(y, unrelated, unconnected_gradients="zero")
    np.testing.assert_array_equal(z.numpy(), [0.0, 0.0])
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, x, unconnected_gradients="bogus")


def test_unwatched_constant_source_gets_none():
    # TensorFlow differentiates a source only if the tape watches it: a
    # constant that merely feeds a recorded op (recorded because of a watched
    # variable) gets None, or zeros with unconnected_gradients="zero".
    v = tg.Variable(2.0)
    c = tg.constant(3.0)
    with tg.GradientTape() as tape:
        y = v * c
    gv, gc = tape.gradient(y, [v, c])
    assert float(gv) == 3.0
    assert gc is None
    with tg.GradientTape() as tape:
        y = v * c
    gv, gc = tape.gradient(y, [v, c], unconnected_gradients="zero")
    assert float(gv) == 3.0 and float(gc) == 0.0
    # The same constant, watched, gets its gradient.
    with tg.GradientTape() as tape:
        tape.watch(c)
        y = v * c
    gv, gc = tape.gradient(y, [v, c])
    assert float(gv) == 3.0 and float(gc) == 2.0


def test_unwatched_source_on_persistent_tape_and_intermediates():
    x = tg.constant([1.0, 2.0])
    c = tg.constant([3.0, 4.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = x * c  # recorded: x is watched, so h is watched too
        y = tg.reduce_sum(h * h)
    for _ in range(2):
        gx, gc, gh = tape.gradient(y, [x, c, h])
        np.testing.assert_allclose(gx.numpy(), 2 * np.array([3.0, 8.0]) * [3.0, 4.0])
        assert gc is None
        np.testing.assert_allclose(gh.numpy(), [6.0, 16.0])
    assert tape.jacobian(h, c) is None
    np.testing.assert_array_equal(tape.jacobian(h, c, unconnected_gradients="zero").numpy(), np.zeros((2, 2)))
    np.testing.assert_allclose(tape.jacobian(h, x).numpy(), np.diag([3.0, 4.0]))


def test_unwatched_sources_with_watch_accessed_variables_false():
    v = tg.Variable(2.0)
    x = tg.constant(5.0)
    with tg.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(x)
        y = x * v  # v is read but not watched
    gx, gv = tape.gradient(y, [x, v])
    assert float(gx) == 2.0 and gv is None


def test_nested_tapes_differentiate_only_their_own_watched_sources():
    x = tg.constant(2.0)
    c = tg.constant(3.0)
    with tg.GradientTape(persistent=True) as outer:
        outer.watch(c)
        with tg.GradientTape(persistent=True) as inner:
            inner.watch(x)
            y = x * c  # on both tapes: each watches one input
    gx, gc = inner.gradient(y, [x, c])
    assert float(gx) == 3.0 and gc is None
    gx, gc = outer.gradient(y, [x, c])
    assert gx is None and float(gc) == 2.0


def test_target_that_is_an_unwatched_source_gets_ones():
    # TensorFlow seeds a source that is itself a target (sources_that_are_targets).
    c = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        pass
    np.testing.assert_array_equal(tape.gradient(c, c).numpy(), [1.0, 1.0])


def test_non_persistent_tape_is_single_use():
    x = tg.Variable(2.0)
    with tg.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)


def test_gradient_inside_scope_counts_as_the_one_call():
    x = tg.Variable(2.0)
    with tg.GradientTape() as tape:
        y = x * x
        g = tape.gradient(y, x)
        with pytest.raises(RuntimeError):
            tape.gradient(y, x)
    assert float(g) == 4.0


def test_non_scalar_target_is_summed_and_output_gradients():
    x = tg.constant([1.0, 2.0, 3.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0, 6.0])
    g = tape.gradient(y, x, output_gradients=tg.constant([1.0, 0.0, 10.0]))
    np.testing.assert_allclose(g.numpy(), [2.0, 0.0, 60.0])
    with pytest.raises(ValueError, match="shape"):
        tape.gradient(y, x, output_gradients=tg.constant([1.0, 0.0]))


def test_integer_sources_get_none():
    i = tg.constant([1, 2, 3])
    with tg.GradientTape() as tape:
        tape.watch(i)
        y = i * 2
    assert tape.gradient(y, i) is None


def test_non_trainable_and_watch_accessed_variables_false():
    frozen = tg.Variable(3.0, trainable=False)
    v = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        y = frozen * v
    assert tape.gradient(y, frozen) is None
    with tg.GradientTape(watch_accessed_variables=False) as tape:
        y = v * v
    assert tape.gradient(y, v) is None
    with tg.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(v)
        y = v * v
    assert float(tape.gradient(y, v)) == 6.0


def test_watched_variables_lists_reads():
    a = tg.Variable(1.0)
    b = tg.Variable(2.0)
    with tg.GradientTape() as tape:
        _ = a * 3.0
    assert tape.watched_variables() == (a,)
    del b


def test_stop_recording_and_stop_gradient():
    x = tg.Variable(3.0)
    with tg.GradientTape(persistent=True) as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x * x
        w = tg.stop_gradient(y) * x
    assert tape.gradient(z, x) is None
    assert float(tape.gradient(w, x)) == 9.0  # y treated as a constant
    assert float(tape.gradient(y, x)) == 6.0


def test_ops_outside_any_tape_are_not_recorded():
    x = tg.Variable(1.0)
    with tg.GradientTape() as tape:
        pass
    y = x * x
    assert tape.gradient(y, x) is None
    assert tape._num_records == 0


def test_unrelated_work_is_not_recorded():
    x = tg.Variable(1.0)
    c = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        for _ in range(10):
            c = c * 2.0  # touches nothing watched
        y = x * 2.0
    assert tape._num_records == 1
    assert float(tape.gradient(y, x)) == 2.0


def test_bad_use_raises_cleanly():
    x = tg.Variable(1.0)
    with tg.GradientTape(persistent=True) as tape:
        y = x * 2.0
    with pytest.raises(TypeError, match="sources"):
        tape.gradient(y, 3.0)
    with pytest.raises(TypeError, match="target"):
        tape.gradient("loss", x)
    with pytest.raises(TypeError, match="watch"):
        tape.watch("x")
    # target not computed on the tape: no path, so None
    other = tg.constant(5.0)
    assert tape.gradient(other, x) is None
    t2 = tg.GradientTape()
    with pytest.raises(RuntimeError):
        t2.__exit__(None, None, None)


def test_tapes_are_thread_local():
    x = tg.Variable(2.0)
    results = {}

    def worker():
        # A tape opened here must not see the main thread's ops, and vice versa.
        with tg.GradientTape() as t:
            y = x * x * x
        results["thread"] = float(t.gradient(y, x))

    with tg.GradientTape() as main_tape:
        th = threading.Thread(target=worker)
        th.start()
        th.join()
        y = x * x
    assert results["thread"] == 12.0
    assert float(main_tape.gradient(y, x)) == 4.0
    assert main_tape._num_records == 2 or main_tape._num_records == 0  # released after gradient


def test_assignment_inside_tape_does_not_corrupt_saved_values():
    v = tg.Variable([1.0, 2.0])
    with tg.GradientTape() as tape:
        y = v * v  # saves v's value for the backward pass
        v.assign([10.0, 20.0])
    g = tape.gradient(y, v)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])  # the value the op saw, not the new one
    np.testing.assert_allclose(v.numpy(), [10.0, 20.0])


def test_values_read_before_assignment_keep_their_value():
    v = tg.Variable([1.0, 2.0])
    before = v.read_value()
    arr = np.asarray(before)
    v.assign_add([1.0, 1.0])
    np.testing.assert_allclose(before.numpy(), [1.0, 2.0])
    np.testing.assert_allclose(arr, [1.0, 2.0])
    np.testing.assert_allclose(v.numpy(), [2.0, 3.0])


def test_variable_assign_checks_shape_and_dtype():
    v = tg.Variable(tg.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"\(2, 2\)"):
        v.assign(tg.zeros((3,)))
    with pytest.raises(TypeError, match="float32"):
        v.assign(tg.zeros((2, 2), dtype=tg.float64))
    v.assign(np.ones((2, 2)))  # NumPy values take the variable's dtype
    assert v.dtype == tg.float32
    v.assign_sub(1.0)
    np.testing.assert_array_equal(v.numpy(), np.zeros((2, 2), np.float32))


def test_variable_in_place_operators():
    v = tg.Variable(1.0)
    v += 2.0
    assert isinstance(v, tg.Variable) and float(v) == 3.0
    v -= 1.0
    assert float(v) == 2.0


def test_tape_loop_releases_memory():
    w = tg.Variable(np.random.rand(64, 64).astype(np.float32))
    x = tg.constant(np.random.rand(8, 64).astype(np.float32))
    tg._C.empty_cache()
    start = tg._C.allocator_stats()["bytes_in_use"]
    refs = []
    rss_early = None
    for i in range(10_000):
        with tg.GradientTape() as tape:
            y = tg.reduce_sum(tg.matmul(x, w) * 2.0)
        g = tape.gradient(y, w)
        w.assign_sub(g * 1e-6)
        if i % 2500 == 0:
            refs.append(weakref.ref(tape))
        if i == 1000:
            rss_early = _rss_bytes()
    rss_late = _rss_bytes()
    del tape, y, g
    gc.collect()
    assert all(r() is None for r in refs), "tapes are kept alive (reference cycle?)"
    end = tg._C.allocator_stats()["bytes_in_use"]
    assert end - start < 1 << 16, f"{end - start} bytes still in use after the loop"
    # /proc is Linux's; under AddressSanitizer freed memory sits in its quarantine
    # (256 MB by default), so RSS grows there by design.
    under_asan = "libasan" in os.environ.get("LD_PRELOAD", "")
    if rss_early is not None and rss_late is not None and not under_asan:
        assert rss_late - rss_early < 4 << 20, f"RSS grew by {rss_late - rss_early} bytes over 9000 tape steps"


def _rss_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
