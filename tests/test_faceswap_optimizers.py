"""phazer's optimizers against faceswap's: every update of ``optimizers.json`` replayed.

``shared/faceswap-training/optimizers.json`` (OPTIMIZERS.md) records faceswap's own optimizer
(torch's Adam, AdamW, Adamax, NAdam, RMSprop and faceswap's AdaBelief and Lion, with its
clipping, accumulation and warm-up) on a tiny Keras model: Dense(3) on 4 inputs and a
bias-free Conv2D(2, 3) on 5x5x2. Here the same model gets the recorded gradients, batch by
batch, through phazer's optimizer as the trainer builds it (``build_optimizer`` from a spec
written from the case's faceswap config); after every batch its weights must equal
faceswap's to 1e-5 relative (they agree to a float32 ulp or two), and its state (moments,
clipped gradients, autoclip's history) must be faceswap's too. Where phazer deliberately
differs (docs/training.md, "Optimizers"), the tests show it differs exactly there.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pytest

from tests.faceswap_oracle import require_oracle

pytestmark = pytest.mark.keras

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from phazer.catalog.optimizers import OPTIMIZERS, state_slots  # noqa: E402
from phazer.spec.training import TrainingSpec  # noqa: E402
from phazer.train.adabelief import TABLE_STEPS, rectifier  # noqa: E402
from phazer.train.optimizer_base import decays  # noqa: E402
from phazer.train.optimizers import build_optimizer, inner_optimizer  # noqa: E402
from phazer.train.schedule import LearningRateSchedule  # noqa: E402

WEIGHTS = ("dense/kernel", "dense/bias", "conv/kernel")
RELATIVE = 1e-5     # the bar: every weight after every batch
MAX_ULPS = 4        # what phazer reaches (most cases bit for bit)
# faceswap's torch state -> phazer's slot, per optimizer
SLOTS = {"adam": {"exp_avg": "momentum", "exp_avg_sq": "velocity",
                  "max_exp_avg_sq": "velocity_hat"},
         "adamax": {"exp_avg": "m", "exp_inf": "u"},
         "nadam": {"exp_avg": "momentum", "exp_avg_sq": "velocity"},
         "rmsprop": {"square_avg": "velocity"},
         "lion": {"exp_avg": "momentum"},
         "adabelief": {"exp_avg": "momentum", "exp_avg_var": "variance",
                       "max_exp_avg_var": "variance_max"}}
SLOTS["adamw"] = SLOTS["adam"]


@cache
def oracle() -> dict[str, Any]:
    return json.loads((require_oracle() / "optimizers.json").read_text(encoding="utf-8"))


def case(name: str) -> dict[str, Any]:
    return next(c for c in oracle()["cases"] if c["name"] == name)


def case_names(*, steps: int | None = 6) -> list[str]:
    """The cases faceswap completed (of ``steps`` batches; None: any)."""
    from tests.faceswap_oracle import oracle_dir

    folder = oracle_dir()
    if folder is None:
        return ["adam/default"]
    data = json.loads((folder / "optimizers.json").read_text(encoding="utf-8"))
    return [c["name"] for c in data["cases"] if "error" not in c
            and (steps is None or len(c["steps"]) == steps)]


def arrays(values: dict[str, Any]) -> list[np.ndarray]:
    """The three weights' arrays of a record, as float32 (how they were written)."""
    return [np.asarray(values[name], np.float32) for name in WEIGHTS]


def phazer_type(config: dict[str, Any]) -> str:
    return {"rms-prop": "rmsprop"}.get(config["optimizer"], config["optimizer"])


def spec_of(config: dict[str, Any], training: dict[str, Any] | None = None,
            **changes: Any) -> TrainingSpec:
    """The ``training:`` section that asks phazer for a faceswap ``[global.optimizer]``."""
    kind = phazer_type(config)
    optimizer: dict[str, Any] = {
        "type": kind, "learning_rate": config["learning_rate"],
        "clipping": config["gradient_clipping"], "clipping_value": config["clipping_value"],
        "autoclip_history": config["autoclip_history"],
        "weight_decay": config["weight_decay"],
        "gradient_accumulation": config["gradient_accumulation"]}
    if kind != "lion":                      # faceswap passes no eps to Lion
        optimizer["epsilon_exponent"] = config["epsilon_exponent"]
    if kind != "rmsprop":                   # ... and no betas to RMSprop (alpha 0.99)
        optimizer["beta_1"], optimizer["beta_2"] = config["ada_beta_1"], config["ada_beta_2"]
    if kind in ("adam", "adamw", "adabelief"):
        optimizer["amsgrad"] = config["ada_amsgrad"]
    optimizer.update(changes)
    return TrainingSpec.model_validate({"optimizer": optimizer, **(training or {})})


def tiny_model() -> keras.Model:
    """The oracle's model: its trainable weights are dense/kernel, dense/bias, conv/kernel."""
    vector, image = keras.Input((4,), name="vector"), keras.Input((5, 5, 2), name="image")
    model = keras.Model([vector, image],
                        [keras.layers.Dense(3, name="dense")(vector),
                         keras.layers.Conv2D(2, 3, use_bias=False, name="conv")(image)])
    assert tuple(v.path for v in model.trainable_variables) == WEIGHTS
    return model


class Run:
    """A case's model and phazer's optimizer, started from the case's initial weights."""

    def __init__(self, record: dict[str, Any], training: TrainingSpec | None = None,
                 *, eager: bool = True, **optimizer_attributes: Any) -> None:
        self.record = record
        self.model = tiny_model()
        self.variables = self.model.trainable_variables
        self.optimizer = build_optimizer(training or spec_of(record["config"]))
        for name, value in optimizer_attributes.items():
            setattr(inner_optimizer(self.optimizer), name, value)
        self.optimizer.build(self.variables)
        for variable, value in zip(self.variables, arrays(record["initial_params"]),
                                   strict=True):
            variable.assign(value)
        self.clipped: list[list[np.ndarray]] = []
        if not eager:
            return
        inner = inner_optimizer(self.optimizer)
        clip = inner._clip_gradients

        def spy(grads: list[Any]) -> list[Any]:      # eager: record what the update sees
            out = clip(grads)
            self.clipped.append([np.asarray(g) for g in out])
            return out

        inner._clip_gradients = spy

    def apply(self, gradients: list[np.ndarray], rate: float | None = None) -> None:
        """One batch: the trainer's rate for it (when given), then ``optimizer.apply``."""
        if rate is not None:
            self.optimizer.learning_rate = rate
        self.optimizer.apply([tf.constant(g) for g in gradients], self.variables)

    def weights(self) -> list[np.ndarray]:
        return [v.numpy() for v in self.variables]

    def slot(self, weight: str, slot: str) -> np.ndarray:
        name = f"{weight.replace('/', '_')}_{slot}"
        found = [v for v in inner_optimizer(self.optimizer).variables if v.name == name]
        assert len(found) == 1, name
        return found[0].numpy()


def assert_weights(got: list[np.ndarray], want: list[np.ndarray], where: str,
                   ulps: int | None = MAX_ULPS) -> None:
    for name, ours, theirs in zip(WEIGHTS, got, want, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=RELATIVE, atol=0, err_msg=f"{where} {name}")
        if ulps is not None:
            np.testing.assert_array_max_ulp(ours, theirs, maxulp=ulps)


def replay(record: dict[str, Any], run: Run | None = None, steps: int | None = None) -> Run:
    """Feed a case's batches (at the rates faceswap used) and check every one."""
    run = run or Run(record)
    kind = phazer_type(record["config"])
    for number, step in enumerate(record["steps"][:steps], 1):
        run.apply(arrays(step["gradient_fed"]), step.get("lr_used"))
        where = f"{record['name']} batch {number}"
        assert_weights(run.weights(), arrays(step["params_after"]), where)
        for weight in WEIGHTS:
            for theirs, ours in SLOTS[kind].items():
                if theirs in step.get("state", {}).get(weight, {}):
                    np.testing.assert_allclose(
                        run.slot(weight, ours), np.asarray(step["state"][weight][theirs],
                                                           np.float32),
                        rtol=1e-5, atol=1e-12, err_msg=f"{where} {weight} {theirs}")
        if "grad_seen_by_torch_optimizer" in step:
            for name, ours, theirs in zip(WEIGHTS, run.clipped[-1],
                                          arrays(step["grad_seen_by_torch_optimizer"]),
                                          strict=True):
                np.testing.assert_allclose(ours, theirs, rtol=2e-6, atol=1e-12,
                                           err_msg=f"{where} clipped {name}")
    return run


@pytest.mark.parametrize("name", case_names())
def test_every_update_equals_faceswaps(name):
    """adam, adamw, adamax, nadam, rmsprop, lion and adabelief (its first 6 updates): all
    options, every clipping method, accumulation, warm-up and set rates (as faceswap's
    trainer set them)."""
    record = case(name)
    run = replay(record)
    if record["clipper"] and "autoclip" in record["clipper"]["function"]:
        history = record["steps"][-1]["autoclip"]["history_after"]
        inner = inner_optimizer(run.optimizer)
        kept = inner._autoclip.norms.numpy()[:len(history)]
        np.testing.assert_allclose(sorted(kept), sorted(history), rtol=1e-6)
    # accumulation: the update count (bias corrections) counts updates, as torch's step
    updates = sum(1 for step in record["steps"] if step["optimizer_step_ran"])
    assert int(inner_optimizer(run.optimizer).iterations) == updates


def test_the_decay_groups_are_faceswaps():
    """Decay reaches the weights of more than one dimension not named ...bias."""
    record = case("adam/wd0.01")
    model = tiny_model()
    assert {v.path: "decay" if decays(v) else "no_decay"
            for v in model.trainable_variables} == record["parameter_group_ids"]
    gamma = keras.layers.BatchNormalization()
    gamma.build((None, 4))
    assert not any(decays(v) for v in gamma.trainable_variables)


def _rectifier_of(run: Run, update: int) -> tuple[float, float]:
    n_sma, r = inner_optimizer(run.optimizer)._rectifier(tf.constant(update, tf.int32))
    return float(n_sma), float(r)


def test_adabelief_rectifier_is_torchs_float32():
    """The RAdam scalars of updates 1-10 equal faceswap's bit for bit; later ones follow the
    formula (faceswap replays 1-10, see the next test)."""
    checks = oracle()["checks"]["adabelief_rectifier_per_step_betas_0.9_0.999"]
    run = Run(case("adabelief/default_24steps"))
    for update, record in enumerate(checks[:10], 1):
        assert rectifier(update, 0.9, 0.999) == (record["n_sma"], record["step_size"])
        assert _rectifier_of(run, update) == (record["n_sma"], record["step_size"])
    for update in (11, 24, 500, TABLE_STEPS + 1, 5000):
        b2t, b1t = 0.999 ** update, 0.9 ** update    # float64, the intended values
        n_max = 2 / (1 - 0.999) - 1
        n_sma = n_max - 2 * update * b2t / (1 - b2t)
        r = np.sqrt((1 - b2t) * (n_sma - 4) / (n_max - 4) * (n_sma - 2) / n_sma * n_max
                    / (n_max - 2)) / (1 - b1t)
        ours = _rectifier_of(run, update)
        close = 1e-2 if update < 100 else 1e-4     # float32's cancellation in 1 - b2^k
        assert ours == pytest.approx((n_sma, r), rel=close), update
    late = [rectifier(k, 0.9, 0.999) for k in (TABLE_STEPS - 1, TABLE_STEPS)]
    for k, (n_sma, r) in zip((TABLE_STEPS - 1, TABLE_STEPS), late, strict=True):
        assert _rectifier_of(run, k) == (n_sma, r)       # the table's end ...
    ours = _rectifier_of(run, TABLE_STEPS + 1)           # ... meets the formula's start
    assert ours == pytest.approx(rectifier(TABLE_STEPS + 1, 0.9, 0.999), rel=1e-4)


@pytest.mark.parametrize("name", case_names(steps=24))
def test_adabelief_differs_from_faceswap_only_by_its_rectifier_replay(name):
    """faceswap's AdaBelief replays the rectifier of updates 1-10 from update 11 on (a cache
    bug); phazer does not. Updates 1-10 are faceswap's; from 11 on they differ, and with the
    replay switched on phazer is faceswap's for all 24 (AMSGrad aside, fixed too)."""
    record = case(name)
    fixed = Run(record)
    replay(record, fixed, steps=10)
    step = record["steps"][10]
    fixed.apply(arrays(step["gradient_fed"]))
    moved = max(np.max(np.abs(a - b)) for a, b in zip(
        fixed.weights(), arrays(record["steps"][9]["params_after"]), strict=True))
    off = max(np.max(np.abs(a - b)) for a, b in zip(
        fixed.weights(), arrays(step["params_after"]), strict=True))
    assert off > 0.05 * moved         # faceswap's update 11 is update 1's 10x SGD step
    replayed = Run(record, replay_rectifier=True)
    if record["config"]["ada_amsgrad"]:
        replay(record, replayed, steps=15)   # the maximum first matters at update 16
        return
    replay(record, replayed)


def test_adabelief_amsgrad_divides_by_the_largest_variance():
    """faceswap keeps the AMSGrad maximum but divides by the current variance (its amsgrad
    run is its default run); phazer divides by the maximum. Its maximum is faceswap's, and
    the two agree until a variance falls below its maximum in an adaptive update (from 6)."""
    record = case("adabelief/amsgrad")
    assert oracle()["checks"]["identical_results"]["adabelief/amsgrad == adabelief/default"]
    run = replay(record)      # 6 updates: where the maximum is larger, under float32's ulp
    for weight in WEIGHTS:
        np.testing.assert_allclose(
            run.slot(weight, "variance_max"),
            np.asarray(record["steps"][-1]["state"][weight]["max_exp_avg_var"], np.float32),
            rtol=1e-6)
    moves = {}
    for amsgrad in (False, True):
        optimizer = build_optimizer(TrainingSpec.model_validate({"optimizer": {
            "type": "adabelief", "learning_rate": 0.01, "amsgrad": amsgrad, "beta_2": 0.9}}))
        weight = keras.Variable([[1.0]])
        optimizer.build([weight])
        path = []
        for gradient in [1.0, -1.0] * 4 + [0.01] * 16:    # large swings, then calm
            before = weight.numpy().item()
            optimizer.apply([tf.constant([[gradient]])], [weight])
            path.append(abs(weight.numpy().item() - before))
        moves[amsgrad] = path
    assert moves[True][:8] == pytest.approx(moves[False][:8], rel=1e-6)
    assert all(a < 0.95 * b for a, b in zip(moves[True][10:], moves[False][10:], strict=True))


def test_autoclip_history_zero_keeps_every_norm():
    """faceswap crashes on autoclip_history 0 ("all"); phazer keeps every norm (up to
    100000): over 6 updates that is faceswap's default history of 10000."""
    assert "IndexError" in case("adam/clip_autoclip_h0")["error"]
    record = case("adam/clip_autoclip_default_history")
    training = spec_of(record["config"], autoclip_history=0)
    replay(record, Run(record, training))


def test_warmup_is_faceswaps_one_update_earlier():
    """faceswap's --warmup S runs update j at base (j-1)/S (update 1 at 0); phazer's
    schedule.warmup S at base j/S: the same ramp one update earlier, never a zero step."""
    record = case("adam/warmup3")
    base = record["config"]["learning_rate"]
    theirs = [step["lr_used"] for step in record["steps"]]
    assert theirs[0] == 0.0
    schedule = LearningRateSchedule(base, spec_of(record["config"], schedule={
        "warmup": 3}).optimizer.schedule)
    ours = [schedule.rate(iteration) for iteration in range(6)]
    assert ours[:3] == pytest.approx(theirs[1:4])
    assert ours[3:] == pytest.approx(theirs[3:]) and ours[2] == base


@pytest.mark.parametrize("kind", ["adam", "adamax", "nadam", "rmsprop", "lion", "adabelief"])
def test_phazers_defaults_are_faceswaps(kind):
    """A spec that names only the optimizer trains as faceswap's defaults do (RMSprop's rho
    0.99, Lion's beta_2 0.999)."""
    faceswap = {"rmsprop": "rms-prop"}.get(kind, kind)
    record = case(f"{faceswap}/default")
    replay(record, Run(record, TrainingSpec.model_validate({"optimizer": {"type": kind}})))


def test_adamw_decays_by_default_where_faceswap_does_not():
    """faceswap's weight_decay defaults to 0 (its help says 0.004 for AdamW), which makes
    AdamW Adam; phazer's AdamW decays by 0.004: the no-decay bias is faceswap's, the kernels
    shrink by lr x 0.004 x weight per update more."""
    record = case("adamw/lr1e-3")
    run = Run(record, TrainingSpec.model_validate({"optimizer": {"type": "adamw",
                                                                 "learning_rate": 1e-3}}))
    for step in record["steps"]:
        run.apply(arrays(step["gradient_fed"]))
    ours, theirs = run.weights(), arrays(record["steps"][-1]["params_after"])
    np.testing.assert_array_max_ulp(ours[1], theirs[1], maxulp=MAX_ULPS)
    start = arrays(record["initial_params"])
    for index in (0, 2):     # float32 rounds each update's shrink to the weight's ulp
        shrink = 6 * 1e-3 * 0.004 * start[index]
        np.testing.assert_allclose(theirs[index] - ours[index], shrink, rtol=0.02,
                                   atol=6 * np.max(np.spacing(start[index])))


def test_loss_scaling_unscales_before_clipping_and_accumulating():
    """float16 compute wraps phazer's optimizer in Keras' LossScaleOptimizer: scaled
    gradients give faceswap's updates (clipped after unscaling, as faceswap)."""
    record = case("adam/accum2_clip_global_norm")
    training = spec_of(record["config"], {"mixed_precision": True})
    run = Run(record, training)
    assert type(run.optimizer).__name__ == "LossScaleOptimizer"
    scale = float(run.optimizer.dynamic_scale.numpy())
    for number, step in enumerate(record["steps"], 1):
        run.apply([g * scale for g in arrays(step["gradient_fed"])])
        assert_weights(run.weights(), arrays(step["params_after"]), f"batch {number}")


class _SurrogateLoss:
    """A ``ModelLoss`` stand-in: sum(p * G) over the weights, G fed as the targets."""

    def __init__(self, model: keras.Model) -> None:
        self.variables = model.trainable_variables

    def terms(self, targets: dict[str, Any], predictions: dict[str, Any]) -> dict[str, Any]:
        total = tf.add_n([tf.reduce_sum(v * targets[v.path.replace("/", "_")])
                          for v in self.variables])
        return {"surrogate": total}


@pytest.mark.parametrize(("name", "xla"), [
    ("adam/accum2_clip_global_norm", False), ("adam/clip_autoclip_h3", False),
    ("nadam/wd0.01", False), ("adabelief/wd0.01_lr1e-3", False), ("lion/wd0.01", False),
    ("rms-prop/lr1e-3", False), ("adamax/eps-3", False),
    ("adam/accum2_clip_global_norm", True), ("adam/clip_autoclip_h3", True),
    ("adabelief/wd0.01_lr1e-3", True)])
def test_the_compiled_train_step_updates_as_faceswap(name, xla):
    """Through phazer's TrainStep (a tf.function, with XLA too; gradients from a loss whose
    gradient is the recorded one, Keras' accumulation and the optimizer's clipping inside
    it). XLA fuses operations: within 1e-5 relative (5e-7 measured), not ulps."""
    from phazer.train.step_tensorflow import TrainStep

    record = case(name)
    run = Run(record, eager=False)
    step_function = TrainStep(run.model, run.optimizer,
                              _SurrogateLoss(run.model)).function(jit_compile=xla)
    inputs = {"vector": tf.zeros((1, 4)), "image": tf.zeros((1, 5, 5, 2))}
    for number, step in enumerate(record["steps"], 1):
        targets = {name.replace("/", "_"): tf.constant(value) for name, value in zip(
            WEIGHTS, arrays(step["gradient_fed"]), strict=True)}
        step_function(inputs, targets)
        assert_weights(run.weights(), arrays(step["params_after"]), f"{name} batch {number}",
                       None if xla else MAX_ULPS)


OPTIONS = [{}, {"amsgrad": True}, {"momentum": 0.9}, {"centered": True},
           {"momentum": 0.9, "centered": True}]


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
def test_the_memory_estimates_slots_are_the_optimizers_variables(kind):
    """The catalog's slots per weight (the memory estimate's) are what the class builds."""
    from phazer.spec.optimizers import OPTIMIZER_VARIANTS

    fields = next(set(v.model_fields) for v in OPTIMIZER_VARIANTS
                  if kind in v.model_fields["type"].annotation.__args__)
    model = tiny_model()
    weights = len(model.trainable_variables)
    for options in OPTIONS:
        if not set(options) <= fields:
            continue
        optimizer = build_optimizer(TrainingSpec.model_validate(
            {"optimizer": {"type": kind, **options}}))
        optimizer.build(model.trainable_variables)
        shaped = [v for v in optimizer.variables if tuple(v.shape) in
                  {tuple(w.shape) for w in model.trainable_variables}]
        assert len(shaped) == state_slots(kind, options) * weights, (kind, options)


def test_gradient_accumulation_adds_the_slot_the_estimate_counts():
    """Accumulating gradients keeps one more float32 copy per weight; the estimate adds it."""
    from phazer.plan.memory_settings import training_settings

    model = tiny_model()
    shapes = {tuple(w.shape) for w in model.trainable_variables}
    for accumulation in (1, 4):
        training = TrainingSpec.model_validate(
            {"optimizer": {"type": "adam", "gradient_accumulation": accumulation}})
        optimizer = build_optimizer(training)
        optimizer.build(model.trainable_variables)
        shaped = [v for v in optimizer.variables if tuple(v.shape) in shapes]
        slots = training_settings(training).slots
        assert len(shaped) == slots * len(model.trainable_variables), accumulation
        assert slots == (3 if accumulation > 1 else 2)


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
def test_every_catalog_optimizer_builds_and_steps(kind):
    optimizer = build_optimizer(TrainingSpec.model_validate(
        {"optimizer": {"type": kind, "learning_rate": 0.01}}))
    weight = keras.Variable([[1.0, -2.0]])
    optimizer.build([weight])
    optimizer.apply([tf.constant([[0.5, -0.5]])], [weight])
    assert not np.allclose(weight.numpy(), [[1.0, -2.0]])


def test_optimizer_options_reach_the_optimizer():
    optimizer = build_optimizer(TrainingSpec.model_validate({"optimizer": {
        "type": "adam", "learning_rate": 1e-4, "epsilon_exponent": -5, "clipping": "norm",
        "clipping_value": 0.5, "gradient_accumulation": 3}}))
    assert type(optimizer).__name__ == "Adam" and optimizer.name == "adam"
    assert optimizer.epsilon == pytest.approx(1e-5)
    assert (optimizer.clipping, optimizer.clipping_value) == ("norm", 0.5)
    assert optimizer.gradient_accumulation_steps == 3
    assert float(optimizer.learning_rate) == pytest.approx(1e-4)
    mixed = build_optimizer(TrainingSpec.model_validate({"mixed_precision": True}))
    assert type(mixed).__name__ == "LossScaleOptimizer"
    assert type(inner_optimizer(mixed)).__name__ == "Adam"
    brain = build_optimizer(TrainingSpec.model_validate({"mixed_precision": "bfloat16"}))
    assert type(brain).__name__ == "Adam"          # bfloat16 has float32's range


def test_autoclip_clips_to_a_percentile_of_past_norms():
    """clipping_value 5 is the 50th percentile of the history, this update's norm included."""
    optimizer = build_optimizer(TrainingSpec.model_validate({"optimizer": {
        "type": "sgd", "learning_rate": 1.0, "clipping": "autoclip", "clipping_value": 5.0,
        "autoclip_history": 4}}))
    weight = keras.Variable([0.0, 0.0])
    optimizer.build([weight])
    for _ in range(3):
        optimizer.apply([tf.constant([3.0, 4.0])], [weight])          # norm 5 three times
    before = weight.numpy()
    optimizer.apply([tf.constant([30.0, 40.0])], [weight])            # history 5, 5, 5, 50
    assert float(np.linalg.norm(before - weight.numpy())) == pytest.approx(5.0, rel=1e-5)
    optimizer.apply([tf.constant([30.0, 40.0])], [weight])            # 5, 5, 50, 50: 27.5
    state = inner_optimizer(optimizer)._autoclip
    assert int(state.count.numpy()) == 5
    assert sorted(state.norms.numpy()) == pytest.approx([5.0, 5.0, 50.0, 50.0])


@pytest.mark.parametrize("name", ["nadam/wd0.01", "adam/clip_autoclip_h3", "adam/accum3",
                                  "adabelief/amsgrad", "rms-prop/lr1e-3"])
def test_a_save_mid_run_resumes_faceswaps_run(name):
    """The optimizer's state as phazer saves it (optimizer.npz's arrays: moments, Nadam's
    product, autoclip's history, accumulated gradients, the step count) restored into a new
    optimizer continues faceswap's run exactly."""
    from phazer.train.checkpoint import optimizer_arrays, restore_optimizer

    record = case(name)
    first = Run(record)
    half = len(record["steps"]) // 2 + 1        # mid-accumulation for accum3
    replay(record, first, steps=half)
    saved = optimizer_arrays(first.optimizer, first.model)
    second = Run(record)
    for variable, value in zip(second.variables, first.weights(), strict=True):
        variable.assign(value)
    restored, fresh = restore_optimizer(second.optimizer, second.model, saved)
    assert not fresh and len(restored) == len(second.optimizer.variables) - 1  # rate: spec's
    for number, step in enumerate(record["steps"][half:], half + 1):
        second.apply(arrays(step["gradient_fed"]), step.get("lr_used"))
        assert_weights(second.weights(), arrays(step["params_after"]), f"{name} {number}")
