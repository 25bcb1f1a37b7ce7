"""keras.optimizers: Keras defaults, the fused C++ updates against NumPy transcriptions of
Keras 3's update rules (several steps, float32 and float64), learning-rate handling and
schedules, and apply_gradients edge cases."""

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import optimizers


# ---- NumPy references (Keras 3 update_step, written out) ----------------------------------

def ref_sgd(w, grads, lr=0.01, momentum=0.0, nesterov=False, wd=0.0):
    m = np.zeros_like(w)
    for g in grads:
        w = w - w * wd * lr
        if momentum:
            m = m * momentum - g * lr
            w = w + (m * momentum - g * lr if nesterov else m)
        else:
            w = w - g * lr
    return w


def ref_rmsprop(w, grads, lr=0.001, rho=0.9, momentum=0.0, eps=1e-7, centered=False, wd=0.0):
    v, a, m = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        w = w - w * wd * lr
        v = rho * v + (1 - rho) * g * g
        if centered:
            a = rho * a + (1 - rho) * g
            denom = v - a * a + eps
        else:
            denom = v + eps
        inc = lr * g / np.sqrt(denom)
        if momentum > 0:
            m = momentum * m + inc
            w = w - m
        else:
            w = w - inc
    return w


def ref_adam(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=0.0):
    m, v, vh = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        w = w - w * wd * lr
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        vv = v
        if amsgrad:
            vh = np.maximum(vh, v)
            vv = vh
        w = w - (m * alpha) / (np.sqrt(vv) + eps)
    return w


def ref_adagrad(w, grads, lr=0.001, init=0.1, eps=1e-7, wd=0.0):
    acc = np.full_like(w, init)
    for g in grads:
        w = w - w * wd * lr
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
    return w


def ref_adadelta(w, grads, lr=0.001, rho=0.95, eps=1e-7, wd=0.0):
    ag, ad = np.zeros_like(w), np.zeros_like(w)
    for g in grads:
        w = w - w * wd * lr
        ag = rho * ag + (1 - rho) * g * g
        d = -np.sqrt(ad + eps) * g / np.sqrt(ag + eps)
        ad = rho * ad + (1 - rho) * d * d
        w = w + lr * d
    return w


def ref_nadam(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, wd=0.0):
    m, v, u_product = np.zeros_like(w), np.zeros_like(w), 1.0
    for t, g in enumerate(grads, start=1):
        w = w - w * wd * lr
        u_t = b1 * (1 - 0.5 * 0.96 ** t)
        u_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product = u_product * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
        v_hat = v / (1 - b2 ** t)
        w = w - m_hat * lr / (np.sqrt(v_hat) + eps)
    return w


def ref_adamax(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, wd=0.0):
    m, u = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        w = w - w * wd * lr
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
    return w


def ref_lion(w, grads, lr=0.001, b1=0.9, b2=0.99, wd=0.0):
    m = np.zeros_like(w)
    for g in grads:
        w = w - w * wd * lr
        w = w - lr * np.sign(m * b1 + g * (1 - b1))
        m = m * b2 + g * (1 - b2)
    return w


def ref_ftrl(w, grads, lr=0.001, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0, wd=0.0):
    acc, lin = np.full_like(w, init), np.zeros_like(w)
    l2 = l2 + beta / (2 * lr)
    for g in grads:
        w = w - w * wd * lr
        g2 = g + 2 * shrink * w
        new_acc = acc + g * g
        lin = lin + g2 - (new_acc ** -power - acc ** -power) / lr * w
        quadratic = new_acc ** -power / lr + 2 * l2
        w = (np.clip(lin, -l1, l1) - lin) / quadratic
        acc = new_acc
    return w


def f32(v):
    """Keras keeps the learning rate in a float32 variable: the update sees float32(lr)."""
    return float(np.float32(v))


CASES = [
    ("sgd", lambda: optimizers.SGD(learning_rate=0.1), lambda w, g: ref_sgd(w, g, lr=f32(0.1))),
    ("sgd_momentum", lambda: optimizers.SGD(0.1, momentum=0.9), lambda w, g: ref_sgd(w, g, f32(0.1), 0.9)),
    ("sgd_nesterov", lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
     lambda w, g: ref_sgd(w, g, f32(0.1), 0.9, True)),
    ("rmsprop", lambda: optimizers.RMSprop(), lambda w, g: ref_rmsprop(w, g, f32(0.001))),
    ("rmsprop_centered_momentum", lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
     lambda w, g: ref_rmsprop(w, g, f32(0.01), 0.8, 0.5, centered=True)),
    ("rmsprop_momentum", lambda: optimizers.RMSprop(0.01, momentum=0.3),
     lambda w, g: ref_rmsprop(w, g, f32(0.01), momentum=0.3)),
    ("adam", lambda: optimizers.Adam(), lambda w, g: ref_adam(w, g, f32(0.001))),
    ("adam_amsgrad", lambda: optimizers.Adam(0.01, amsgrad=True),
     lambda w, g: ref_adam(w, g, f32(0.01), amsgrad=True)),
    ("adamw", lambda: optimizers.AdamW(0.01), lambda w, g: ref_adam(w, g, f32(0.01), wd=0.004)),
    ("adagrad", lambda: optimizers.Adagrad(0.05), lambda w, g: ref_adagrad(w, g, f32(0.05))),
    ("adadelta", lambda: optimizers.Adadelta(1.0), lambda w, g: ref_adadelta(w, g, 1.0)),
    ("sgd_weight_decay", lambda: optimizers.SGD(0.1, weight_decay=0.1),
     lambda w, g: ref_sgd(w, g, f32(0.1), wd=0.1)),
    ("rmsprop_weight_decay", lambda: optimizers.RMSprop(0.01, weight_decay=0.1),
     lambda w, g: ref_rmsprop(w, g, f32(0.01), wd=0.1)),
    ("adagrad_weight_decay", lambda: optimizers.Adagrad(0.05, weight_decay=0.1),
     lambda w, g: ref_adagrad(w, g, f32(0.05), wd=0.1)),
    ("adadelta_weight_decay", lambda: optimizers.Adadelta(1.0, weight_decay=0.1),
     lambda w, g: ref_adadelta(w, g, 1.0, wd=0.1)),
    ("nadam", lambda: optimizers.Nadam(0.01), lambda w, g: ref_nadam(w, g, f32(0.01))),
    ("nadam_weight_decay", lambda: optimizers.Nadam(0.01, beta_1=0.8, beta_2=0.99, weight_decay=0.1),
     lambda w, g: ref_nadam(w, g, f32(0.01), 0.8, 0.99, wd=0.1)),
    ("adamax", lambda: optimizers.Adamax(0.01), lambda w, g: ref_adamax(w, g, f32(0.01))),
    ("adamax_weight_decay", lambda: optimizers.Adamax(0.01, beta_1=0.8, beta_2=0.9, epsilon=1e-3, weight_decay=0.1),
     lambda w, g: ref_adamax(w, g, f32(0.01), 0.8, 0.9, 1e-3, wd=0.1)),
    ("lion", lambda: optimizers.Lion(0.01), lambda w, g: ref_lion(w, g, f32(0.01))),
    ("lion_weight_decay", lambda: optimizers.Lion(0.01, beta_1=0.5, beta_2=0.9, weight_decay=0.1),
     lambda w, g: ref_lion(w, g, f32(0.01), 0.5, 0.9, wd=0.1)),
    ("ftrl", lambda: optimizers.Ftrl(0.05), lambda w, g: ref_ftrl(w, g, f32(0.05))),
    ("ftrl_regularized", lambda: optimizers.Ftrl(0.05, learning_rate_power=-0.7, initial_accumulator_value=0.5,
                                                 l1_regularization_strength=0.01, l2_regularization_strength=0.1,
                                                 l2_shrinkage_regularization_strength=0.05, beta=0.2,
                                                 weight_decay=0.1),
     lambda w, g: ref_ftrl(w, g, f32(0.05), -0.7, 0.5, 0.01, 0.1, 0.05, 0.2, wd=0.1)),
]


def _run(make_opt, w0, grads, dtype):
    opt = make_opt()
    var = tf.Variable(w0.astype(dtype))
    for g in grads:
        opt.apply_gradients([(tf.constant(g.astype(dtype)), var)])
    return var.numpy(), opt


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,make_opt,reference", CASES, ids=[c[0] for c in CASES])
def test_fused_update_matches_keras_formula(name, make_opt, reference, dtype):
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(7, 5))
    grads = [rng.normal(size=(7, 5)) for _ in range(5)]
    got, opt = _run(make_opt, w0, grads, dtype)
    want = reference(w0.astype(np.float64), [g.astype(np.float64) for g in grads])
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
    assert int(opt.iterations.numpy()) == 5


def test_fused_kernels_are_present():
    assert hasattr(tf._C, "optim"), "the engine was built without the fused optimizer kernels (bind_optim)"
    for fn in ("sgd_update", "rmsprop_update", "adam_update", "adagrad_update", "adadelta_update", "nadam_update",
               "adamax_update", "lion_update", "ftrl_update"):
        assert hasattr(tf._C.optim, fn)


@pytest.mark.parametrize("make_opt", [optimizers.RMSprop, optimizers.Adam, lambda: optimizers.SGD(momentum=0.9)])
@pytest.mark.cpu  # the CPU thread pool's split
def test_an_update_split_over_the_pool_equals_the_unsplit_update(make_opt):
    # A MNIST-sized kernel (400k elements) is split into chunks over the pool;
    # the update is element-wise, so the split must not change a bit.
    rng = np.random.default_rng(2)
    w0 = rng.normal(size=(784, 512)).astype(np.float32)
    grads = [rng.normal(size=w0.shape).astype(np.float32) for _ in range(3)]
    default = tf._C.optim._parallel_elems()
    assert w0.size > 4 * default
    chunks_before = tf._C.pool_info()["chunks"]
    split, _ = _run(make_opt, w0, grads, "float32")
    chunks_split = tf._C.pool_info()["chunks"] - chunks_before
    try:
        tf._C.optim._set_parallel_elems(1 << 40)  # one chunk
        whole, _ = _run(make_opt, w0, grads, "float32")
    finally:
        tf._C.optim._set_parallel_elems(0)
    assert tf._C.optim._parallel_elems() == default
    np.testing.assert_array_equal(split, whole)
    if tf._C.num_threads() > 1:
        assert chunks_split >= 3 * 4  # 3 steps, several chunks each


def test_large_variable_update_uses_threads_correctly():
    rng = np.random.default_rng(2)
    w0 = rng.normal(size=(2100, 2048)).astype(np.float32)
    grads = [rng.normal(size=w0.shape).astype(np.float32) for _ in range(2)]
    got, _ = _run(lambda: optimizers.RMSprop(), w0, grads, "float32")
    np.testing.assert_allclose(got, ref_rmsprop(w0.astype(np.float64), [g.astype(np.float64) for g in grads]),
                               rtol=1e-5, atol=1e-6)


UPDATES = ["sgd", "rmsprop", "adam", "adagrad", "adadelta", "nadam", "adamax", "lion", "ftrl"]


def test_every_update_has_cpu_kernels_and_a_missing_one_is_not_implemented():
    for update in UPDATES:
        for dtype in ("float32", "float64"):
            assert tf._C.optim._update_kernel_probe(update, "CPU:0", dtype)
        with pytest.raises(NotImplementedError, match=f"optimizer update '{update}' has no CPU kernel for int32"):
            tf._C.optim._update_kernel_probe(update, "CPU:0", "int32")
    with pytest.raises(NotImplementedError, match="optimizer update 'adam' has no CUDA kernel for int32"):
        tf._C.optim._update_kernel_probe("adam", "GPU:0", "int32")
    with pytest.raises(ValueError, match="no_such_update"):
        tf._C.optim._update_kernel_probe("no_such_update", "CPU:0", "float32")


LEVEL_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorgear as tf
    sys.path.insert(0, sys.argv[2])
    from test_optimizers import CASES, _run
    rng = np.random.default_rng(4)
    out = {}
    for name, make_opt, _ in CASES:
        for dtype in ("float32", "float64"):
            w0 = rng.normal(size=(37, 29))
            grads = [rng.normal(size=w0.shape) for _ in range(3)]
            out[f"{name}-{dtype}"] = _run(make_opt, w0, grads, dtype)[0]
    np.savez(sys.argv[1], level=tf._C.simd_level(), **out)
""")


def test_every_simd_level_gives_the_same_updates(tmp_path):
    # The update loops are compiled per instruction-set level with the
    # element-wise loops and follow the same TENSORGEAR_SIMD cap.
    best = tf._C.simd_level()
    levels = ["base", "avx2", "avx512"]
    results = {}
    for lv in levels:
        path = tmp_path / f"{lv}.npz"
        subprocess.run([sys.executable, "-c", LEVEL_SCRIPT, str(path), os.path.dirname(__file__)], check=True,
                       env=dict(os.environ, TENSORGEAR_SIMD=lv), timeout=120)
        results[lv] = np.load(path)
    for i, lv in enumerate(levels):
        assert str(results[lv]["level"]) == levels[min(i, levels.index(best))]
    ref = results["base"]
    for lv in levels[1:]:
        for key in ref.files:
            if key == "level":
                continue
            # FMA contraction differs between levels: an ulp or two of the largest weight.
            eps = np.finfo(ref[key].dtype).eps
            np.testing.assert_allclose(results[lv][key], ref[key], rtol=0, atol=4 * eps * np.abs(ref[key]).max(),
                                       err_msg=f"{key} at {lv}")


def test_keras_default_hyperparameters():
    sgd = optimizers.SGD()
    assert (sgd.get_config()["learning_rate"], sgd.momentum, sgd.nesterov) == (pytest.approx(0.01), 0.0, False)
    rms = optimizers.RMSprop()
    assert (rms.rho, rms.momentum, rms.epsilon, rms.centered) == (0.9, 0.0, 1e-7, False)
    assert float(rms.learning_rate.numpy()) == pytest.approx(0.001)
    adam = optimizers.Adam()
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.amsgrad) == (0.9, 0.999, 1e-7, False)
    assert float(adam.learning_rate.numpy()) == pytest.approx(0.001)
    adamw = optimizers.AdamW()
    assert adamw.weight_decay == pytest.approx(0.004)
    adagrad = optimizers.Adagrad()
    assert (adagrad.initial_accumulator_value, adagrad.epsilon) == (0.1, 1e-7)
    adadelta = optimizers.Adadelta()
    assert (adadelta.rho, adadelta.epsilon) == (0.95, 1e-7)
    assert float(adadelta.learning_rate.numpy()) == pytest.approx(0.001)


def test_get_by_name_case_insensitive_and_unknown_name():
    assert isinstance(optimizers.get("rmsprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert isinstance(optimizers.get("ADAM"), optimizers.Adam)
    with pytest.raises(ValueError, match="rmsprop"):
        optimizers.get("adamm")


def test_learning_rate_is_settable():
    var = tf.Variable([1.0])
    opt = optimizers.SGD(learning_rate=0.5)
    opt.learning_rate = 0.1
    opt.apply_gradients([(tf.constant([1.0]), var)])
    np.testing.assert_allclose(var.numpy(), [0.9], rtol=1e-6)
    opt.learning_rate.assign(0.2)
    opt.apply_gradients([(tf.constant([1.0]), var)])
    np.testing.assert_allclose(var.numpy(), [0.7], rtol=1e-6)


def test_exponential_decay_schedule():
    schedule = optimizers.schedules.ExponentialDecay(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.5)
    assert float(schedule(0)) == pytest.approx(0.1)
    assert float(schedule(2)) == pytest.approx(0.05)
    assert float(schedule(3)) == pytest.approx(0.1 * 0.5 ** 1.5)
    stair = optimizers.schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True)
    assert float(stair(3)) == pytest.approx(0.05)
    opt = optimizers.SGD(learning_rate=schedule)
    var = tf.Variable([0.0])
    lrs = []
    for _ in range(4):
        before = float(var.numpy()[0])
        opt.apply_gradients([(tf.constant([-1.0]), var)])
        lrs.append(float(var.numpy()[0]) - before)
    np.testing.assert_allclose(lrs, [0.1 * 0.5 ** (s / 2) for s in range(4)], rtol=1e-5)
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        opt.learning_rate = 0.3


def test_apply_gradients_with_none_and_mismatched_shapes():
    a, b = tf.Variable([1.0, 2.0]), tf.Variable([3.0])
    opt = optimizers.SGD(1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(tf.constant([1.0, 1.0]), a), (None, b)])
    np.testing.assert_allclose(a.numpy(), [0.0, 1.0])
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, a)])
    with pytest.raises(ValueError, match="shape"):
        opt.apply_gradients([(tf.constant([1.0, 2.0, 3.0]), a)])


def test_clipping_options():
    var = tf.Variable([0.0, 0.0])
    optimizers.SGD(1.0, clipvalue=0.5).apply_gradients([(tf.constant([2.0, -0.1]), var)])
    np.testing.assert_allclose(var.numpy(), [-0.5, 0.1], rtol=1e-6)
    var = tf.Variable([0.0, 0.0])
    optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([(tf.constant([3.0, 4.0]), var)])
    np.testing.assert_allclose(var.numpy(), [-0.6, -0.8], rtol=1e-6)
    var = tf.Variable([0.0, 0.0])
    optimizers.SGD(1.0, global_clipnorm=1.0).apply_gradients([(tf.constant([3.0, 4.0]), var)])
    np.testing.assert_allclose(var.numpy(), [-0.6, -0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_slots_and_variables():
    var = tf.Variable(np.ones((2, 2), np.float32))
    opt = optimizers.Adam(amsgrad=True)
    opt.apply_gradients([(tf.ones((2, 2)), var)])
    slots = opt.variables[2:]
    assert len(slots) == 3 and all(s.shape == (2, 2) for s in slots)
    assert [s.name.split("_")[-1] for s in slots][-1] == "hat"


def test_minimize_with_callable_loss():
    var = tf.Variable(3.0)
    opt = optimizers.SGD(0.1)
    for _ in range(50):
        opt.minimize(lambda: (var - 1.0) ** 2, [var])
    assert abs(float(var.numpy()) - 1.0) < 1e-3


def test_invalid_hyperparameters():
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(TypeError, match="not recognized"):
        optimizers.Adam(no_such_arg=1)


def test_config_round_trip():
    opt = optimizers.RMSprop(learning_rate=0.05, rho=0.8, centered=True)
    clone = optimizers.RMSprop.from_config(opt.get_config())
    assert (clone.rho, clone.centered) == (0.8, True)
    assert float(clone.learning_rate.numpy()) == pytest.approx(0.05)
    sched = optimizers.Adam(learning_rate=optimizers.schedules.ExponentialDecay(0.1, 10, 0.9))
    clone = optimizers.deserialize(optimizers.serialize(sched))
    assert isinstance(clone._lr_schedule, optimizers.schedules.ExponentialDecay)


def test_keras_optimizer_trains_a_model_in_custom_loop():
    model = keras.Sequential([keras.layers.Dense(1)])
    x = np.random.rand(64, 3).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    opt = optimizers.Adam(0.05)
    first = None
    for _ in range(100):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x) - y))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights))
        first = first if first is not None else float(loss)
    assert float(loss) < 0.01 * first


# ---- against Keras 3.15 itself (fixtures/make_optimizers_fixture.py) ----------------------

KERAS_REFERENCE = os.path.join(os.path.dirname(__file__), "fixtures", "optimizers_keras_reference.npz")


def _keras_optimizer_cases():
    import json

    with np.load(KERAS_REFERENCE) as ref:
        return sorted(json.loads(str(ref["cases"])).items())


@pytest.mark.parametrize("name,spec", _keras_optimizer_cases(), ids=[c[0] for c in _keras_optimizer_cases()])
def test_optimizer_matches_keras_step_by_step_with_its_state(name, spec):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
    try:
        from make_optimizers_fixture import inputs
    finally:
        sys.path.pop(0)
    cls, kwargs = spec
    kernel, bias, grads = inputs()
    opt = getattr(optimizers, cls)(**kwargs)
    k, b = tf.Variable(kernel, name="kernel"), tf.Variable(bias, name="bias")
    with np.load(KERAS_REFERENCE) as ref:
        for step, (gk, gb) in enumerate(grads):
            opt.apply_gradients([(tf.constant(gk), k), (tf.constant(gb), b)])
            np.testing.assert_allclose(k.numpy(), ref[f"{name}/{step}/kernel"], rtol=2e-6, atol=2e-6,
                                       err_msg=f"kernel after step {step + 1}")
            np.testing.assert_allclose(b.numpy(), ref[f"{name}/{step}/bias"], rtol=2e-6, atol=2e-6,
                                       err_msg=f"bias after step {step + 1}")
        state = opt._keras_variables([k, b])
        keras_state = [ref[f"{name}/state/{i}"] for i in range(sum(key.startswith(f"{name}/state/")
                                                                       for key in ref.files))]
    assert len(state) == len(keras_state)
    for i, (ours, theirs) in enumerate(zip(state, keras_state)):
        np.testing.assert_allclose(np.asarray(ours.numpy(), np.float64), theirs, rtol=2e-6, atol=2e-6,
                                   err_msg=f"optimizer variable {i}")


@pytest.mark.parametrize("make,match", [
    (lambda: optimizers.Lion(beta_1=0.0), "beta_1"),
    (lambda: optimizers.Lion(beta_1=1.5), "beta_1"),
    (lambda: optimizers.Nadam(beta_2=1.0), "beta_2"),
    (lambda: optimizers.Adamax(beta_1=-0.1), "beta_1"),
    (lambda: optimizers.Ftrl(learning_rate_power=0.5), "learning_rate_power"),
    (lambda: optimizers.Ftrl(initial_accumulator_value=-1.0), "initial_accumulator_value"),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-1.0), "l1_regularization_strength"),
    (lambda: optimizers.Ftrl(l2_shrinkage_regularization_strength=-1.0), "l2_shrinkage"),
])
def test_new_optimizers_reject_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_new_optimizers_take_base_arguments_by_keyword_and_reject_unknown_ones():
    opt = optimizers.Nadam(learning_rate=0.01, clipnorm=1.0, weight_decay=0.01)
    assert (opt.clipnorm, opt.weight_decay) == (1.0, 0.01)
    with pytest.raises(TypeError, match="not_an_argument"):
        optimizers.Lion(not_an_argument=1)


@pytest.mark.parametrize("name", ["nadam", "adamax", "lion", "ftrl"])
def test_new_optimizers_round_trip_their_config_and_lookup(name):
    opt = optimizers.get(name)
    assert type(opt).__name__.lower() == name
    again = type(opt).from_config(opt.get_config())
    assert again.get_config() == opt.get_config()
    assert optimizers.deserialize(optimizers.serialize(opt)).get_config() == opt.get_config()


def test_ftrl_refuses_a_zero_learning_rate_it_would_divide_by():
    v = tf.Variable(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="learning rate must be > 0"):
        optimizers.Ftrl(learning_rate=0.0).apply_gradients([(tf.constant(np.ones(3, np.float32)), v)])


def test_lion_keeps_a_nan_gradient_visible():
    v = tf.Variable(np.zeros(2, np.float32))
    optimizers.Lion(0.1).apply_gradients([(tf.constant(np.array([np.nan, 1.0], np.float32)), v)])
    got = v.numpy()
    assert np.isnan(got[0]) and got[1] == pytest.approx(-0.1)


def test_fit_with_use_ema_ends_with_the_weights_replaced_by_their_moving_averages():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(64, 4)).astype(np.float32), rng.normal(size=(64, 1)).astype(np.float32)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    opt = optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9)
    model.compile(opt, "mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    averages = opt._averages_for(model.trainable_weights)
    assert len(averages) == len(model.trainable_weights) == 4
    for w, avg in zip(model.trainable_weights, averages):
        np.testing.assert_array_equal(w.numpy(), avg.numpy())
    # the state lists the averages right after the learning rate, as Keras's files do
    state = opt._keras_variables(model.trainable_weights)
    assert [v.name for v in state[2:6]] == [f"{a.name}" for a in averages]
    assert opt.get_config()["ema_momentum"] == 0.9


@pytest.mark.parametrize("kwargs,match", [({"use_ema": True, "ema_momentum": 1.5}, "ema_momentum"),
                                          ({"use_ema": True, "ema_overwrite_frequency": 0.5},
                                           "ema_overwrite_frequency")])
def test_use_ema_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimizers.SGD(**kwargs)
