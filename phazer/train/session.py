"""``phazer train`` as a library call: check everything, build or resume, then train.

:func:`prepare` does all the checking first, in the order that fails fastest: the spec (its
validation issues), the two face folders (before any model is built), the model dir (a resumed
model's saved spec against the new one: a changed model-defining field is refused with the
diff), then builds the model, restores or loads weights and makes the dataset. It raises
:class:`TrainInputError` for every problem the user can fix. :func:`train` runs the prepared
session with Ctrl-C handling.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
from rich.console import Console

from phazer.data.facereader import GuardedBatches, SkipLog
from phazer.data.folders import DataError, FaceFolder, conversion_note, skipped_lines
from phazer.data.mask_plan import FACE, MaskPlan, plan_masks
from phazer.data.pipeline import make_dataset
from phazer.data.warp_stop import WarpStop
from phazer.model_colour import model_color_order
from phazer.plan.figures import ModelFigures
from phazer.sides import is_mask_out
from phazer.spec import GraphSpec, ModelSpec
from phazer.spec.training import TrainingSpec
from phazer.train.backend_session import (
    NumpyBatches,
    check_backend_placement,
    jax_data_parallel,
    keep_tensorflow_off_gpus,
)
from phazer.train.build import (
    LoadWeightsError,
    build_model,
    freeze_submodels,
    load_submodels,
)
from phazer.train.checkpoint import read_optimizer_arrays, restore_optimizer
from phazer.train.distribute import (
    distribute_dataset,
    replicas,
    require_same_save,
    setup_strategy,
    stop_vote,
)
from phazer.train.distribution import DistributionError, Placement
from phazer.train.face_inputs import scan_sides, side_inputs
from phazer.train.journal import commit, text_writer
from phazer.train.loop import SaveSettings, SessionResult, StopRequest, Trainer
from phazer.train.losses import ModelLoss
from phazer.train.losses.lpips import check_weights_files
from phazer.train.lr_finder import before_training
from phazer.train.modeldir import (
    LOG_DIR,
    SPEC_FILE,
    STATE_FILE,
    ModelDir,
    ModelDirError,
    TrainState,
    spec_text,
)
from phazer.train.optimizers import build_optimizer
from phazer.train.out_of_memory import device_memory_bytes, out_of_memory_text
from phazer.train.precheck import TrainInputError, check_placement, check_resume, load_spec
from phazer.train.precision import precision_warnings
from phazer.train.previews import load_preview_faces
from phazer.train.progress import Reporter
from phazer.train.step import device_signature
from phazer.train.weight_format import LAYERS_VERSION, upgrade_weights


@dataclass
class TrainOptions:
    """Everything ``phazer train`` is asked to do.

    ``inputs`` pairs each side of the model with its face folder, in the order given
    (``--input SIDE=DIR``); ``input_a`` and ``input_b`` are short for ``("a", DIR)`` and
    ``("b", DIR)`` and come first. Every side of the model needs exactly one folder (checked
    by :func:`prepare` against the model's sides). ``strategy`` and ``devices`` override
    the spec's ``training.distribution``.
    """

    spec: str
    model_dir: Path
    inputs: Sequence[tuple[str, Path]] = ()
    input_a: Path | None = None
    input_b: Path | None = None
    overrides: list[str] = field(default_factory=list)
    iterations: int | None = None
    batch_size: int | None = None
    freeze_weights: bool = False
    load_weights: Path | None = None
    strategy: str | None = None
    devices: int | None = None
    distribute: str | None = None       # deprecated alias of ``strategy`` (--distribute)
    preview: bool = True
    seed: int | None = None
    show_bar: bool = True
    min_images: int | None = None
    checked: Any = None   # the spec's Summary when the caller validated it (phazer train)


@dataclass
class Prepared:
    """A session ready to run (``folders``: side -> its faces, in the model's side order)."""

    trainer: Trainer
    dataset: Any
    spec: ModelSpec
    resumed: bool
    folders: dict[str, FaceFolder]
    record: dict[str, Any]
    skip_log: SkipLog = field(default_factory=SkipLog)
    model_ir: Any = None


def _say(console: Console, text: str) -> None:
    """A plain log line (paths may hold brackets, so no rich markup)."""
    console.print(text, markup=False, highlight=False)


def placement_of(options: TrainOptions, spec: ModelSpec) -> Placement:
    """Where this session trains: the spec's ``training.distribution``, then the options.

    Raises:
        TrainInputError: an unknown strategy, a device count ``default`` cannot use, a
            missing or malformed ``TF_CONFIG`` for ``multi_worker``, or a batch that does not
            divide by the devices given.
    """
    return check_placement(spec, options.batch_size, options.strategy or options.distribute,
                           options.devices)


def _load_spec(options: TrainOptions) -> tuple[ModelSpec, Any]:
    """The spec and its summary: the caller's, else validated here (once per command)."""
    if options.checked is not None:
        return options.checked.report.loaded.spec, options.checked
    return load_spec(options.spec, options.overrides, options.batch_size)


def _build(model_ir: Any, dtype_policy: str) -> Any:
    """The Keras model; a model Keras cannot build is the user's to fix (e.g. no weights)."""
    from phazer.emit import EmitError, WeightsUnavailableError

    try:
        return build_model(model_ir, dtype_policy)
    except WeightsUnavailableError as exc:
        raise TrainInputError(str(exc), "or train from random weights: --set "
                              "encoder.imagenet_weights=false (encoder.pretrained=false for "
                              "a CLIP encoder)") from None
    except EmitError as exc:
        raise TrainInputError(str(exc)) from None


def _data_seed(given: int | None, state: TrainState, resumed: bool
               ) -> tuple[int | None, tuple[int, int]]:
    """The seed of this session's data (and first weights), and where its stream resumes.

    A resumed model keeps its saved seed unless another is given; with the same seed the
    stream continues at the (batches, faces) it had reached, so N iterations in one session
    equal N/2, a resume and N/2 more. A new or other seed starts its stream at the beginning.
    """
    seed = given if given is not None else (state.seed if resumed else None)
    if resumed and seed is not None and seed == state.seed:
        start = (state.stream_batches, state.stream_faces)
    else:
        start = (0, 0)
        state.stream_batches = state.stream_faces = 0
    state.seed = seed
    return seed, start


def _face_sizes(figures: ModelFigures) -> tuple[dict[str, int], dict[str, int]]:
    """Each side's input and output size (px): its faces are read and resized to its own."""
    return ({side: int(figures.side_inputs[side][0]) for side in figures.sides},
            {side: int(figures.face_output(side)[0]) for side in figures.sides})


def _sizes_text(sizes: dict[str, int]) -> str:
    """``64 px`` when every side has it, else ``a 64 px, b 48 px``."""
    if len(set(sizes.values())) == 1:
        return f"{next(iter(sizes.values()))} px"
    return ", ".join(f"{side} {size} px" for side, size in sizes.items())


def _weight_lists(spec: ModelSpec | GraphSpec) -> tuple[list[str], list[str]]:
    """The spec's ``weights.freeze`` and ``weights.load`` (sub-model names, in either form)."""
    return list(spec.weights.freeze), list(spec.weights.load)


def _mask_plans(training: TrainingSpec, folders: dict[str, FaceFolder], learn_mask: bool
                ) -> dict[str, MaskPlan]:
    """Each side's masks (checked against its faces before any model is built)."""
    try:
        return {side: plan_masks(training, folder, learn_mask, side)
                for side, folder in folders.items()}
    except DataError as exc:
        raise TrainInputError(exc.message, exc.hint) from None


def _loaded_order(source: Path, own: str, console: Console) -> str:
    """The colour order of a new model whose sub-models came from ``source`` (--load-weights).

    The loaded weights were trained in the source model dir's order, so the new model keeps
    it (said when it is not the one the spec's model would take).
    """
    try:
        theirs = ModelDir(source).read_state().color_order
    except ModelDirError:
        return own
    if theirs != own:
        _say(console, f"note: the weights loaded from {source} take {theirs.upper()} faces; "
                      f"this model trains in {theirs.upper()} too (a new one of this spec "
                      f"would take {own.upper()})")
    return theirs


def prepare(options: TrainOptions, console: Console) -> Prepared:
    """Check the inputs, build or resume the model and make the dataset.

    Raises:
        TrainInputError: the spec, the data, the model dir or the options cannot be used.
    """
    spec, summary = _load_spec(options)
    training = spec.training
    batch_size = training.batch_size
    input_size, output_size = _face_sizes(summary.figures)
    folders = scan_sides(side_inputs(options.input_a, options.input_b, options.inputs),
                         summary.model.sides, batch_size, options.min_images)
    for folder in folders.values():
        for line in skipped_lines(folder):
            _say(console, f"warning: {line}")
        if conversion_note(folder):
            _say(console, f"note: {conversion_note(folder)}")
    learn_mask = any(is_mask_out(name) for name in summary.model.outputs)
    plans = _mask_plans(training, folders, learn_mask)
    check_weights_files(training)     # an LPIPS term's weights: before the model is built
    for plan in plans.values():
        for line in plan.notes:
            _say(console, line)
    placement = placement_of(options, spec)
    chief = placement.is_chief
    model_dir = ModelDir(options.model_dir)
    state, resumed = check_resume(model_dir, spec)
    seed, start = _data_seed(options.seed, state, resumed)
    batch_field = "--batch-size" if options.batch_size is not None else "training.batch_size"
    backend = keras.backend.backend()
    strategy = None
    try:
        check_backend_placement(placement, backend)
        if backend == "tensorflow":
            strategy = setup_strategy(placement, batch_size, batch_field)
            replica_count = replicas(strategy)
            if placement.cluster is not None:
                require_same_save(strategy, placement, model_dir.path,
                                  [state.iterations, *start, int(resumed)])
        else:
            keep_tensorflow_off_gpus()      # the data pipeline's TensorFlow stays on the CPU
            replica_count = (jax_data_parallel(placement, batch_size, batch_field)
                             if backend == "jax" else 1)
    except DistributionError as exc:
        raise TrainInputError(exc.message, exc.hint) from None
    _say(console, f"backend: {backend} on {device_signature()}")

    for line in precision_warnings(training.dtype_policy):
        _say(console, f"warning: {line}")
    freeze, load = _weight_lists(spec)
    if seed is not None:     # the first weights too, and the global seed tf.data combines
        keras.utils.set_random_seed(seed)
    scope = strategy.scope() if strategy else contextlib.nullcontext()
    with scope:
        # a resumed model's saved weights replace any pretrained ones: do not fetch them
        model_ir = summary.model.without_pretrained() if resumed else summary.model
        model = _build(model_ir, training.dtype_policy)
        if options.freeze_weights:
            report = freeze_submodels(model, freeze)
            if report.done:
                _say(console, f"frozen: {', '.join(report.done)}")
            if report.missing:
                _say(console, f"warning: nothing to freeze for {', '.join(report.missing)} "
                              "(not in this model)")
        if not model.trainable_variables:
            raise TrainInputError("every weight of the model is frozen: nothing to train",
                                  "freeze fewer sub-models (weights.freeze)")
        optimizer = build_optimizer(training)
        optimizer.build(model.trainable_variables)

    if resumed:
        model.load_weights(model_dir.weights)
        for line in upgrade_weights(model, state.layers):
            _say(console, f"note: {line}")
        state.layers = LAYERS_VERSION
        arrays = read_optimizer_arrays(model_dir.optimizer)
        _, fresh = restore_optimizer(optimizer, model, arrays)
        _say(console, f"resuming {model_dir.path} at iteration {state.iterations} "
                      f"(session {len(state.sessions) + 1})")
        if fresh:
            why = ("phazer transfer carries weights, not the optimizer's state"
                   if state.transfer is not None and not state.sessions else
                   "weights that were frozen before, or new optimizer settings")
            _say(console, f"note: {len(fresh)} optimizer variables start fresh ({why})")
        if options.load_weights:
            _say(console, "warning: --load-weights only applies to a new model; ignored")
    else:
        # a new model takes faces in its own colour order; saved weights keep theirs
        state.color_order = model_color_order(spec)
        if options.load_weights:
            try:
                report = load_submodels(model, options.load_weights, load)
            except LoadWeightsError as exc:
                raise TrainInputError(f"--load-weights: {exc}") from None
            if report.done:
                _say(console, f"loaded {', '.join(report.done)} from {options.load_weights}")
                state.color_order = _loaded_order(options.load_weights, state.color_order,
                                                  console)
            if report.missing:
                _say(console, f"warning: not loaded (missing in one of the models): "
                              f"{', '.join(report.missing)}")
        if chief:
            model_dir.path.mkdir(parents=True, exist_ok=True)
            commit(model_dir.path, {SPEC_FILE: text_writer(spec_text(spec)),
                                    STATE_FILE: text_writer(state.to_json())})
        _say(console, f"new model in {model_dir.path}: {model.count_params():,} parameters")
    if not chief:
        _say(console, f"{placement.cluster.describe()}: only the chief writes "
                      f"{model_dir.path}")

    masks = any(FACE in plan.channels for plan in plans.values())
    order = state.color_order     # the order the model's weights take (and give) faces in
    loss = ModelLoss(training, [str(n) for n in model.output_names], masks_in_targets=masks,
                     color_order=order)
    skip_log = SkipLog(lambda line: _say(console, f"warning: {line}"))
    no_warp_from = training.augmentation.no_warp_from
    warp_stop = WarpStop(no_warp_from) if no_warp_from is not None else None
    # one device reads the movable mark; a strategy's workers read the spec's (a time limit,
    # the only reason to move it, is phazer demo's, which trains on one device)
    dataset = make_dataset(folders, training, input_size, output_size, batch_size,
                           learn_mask, seed, plans=plans, skip_log=skip_log,
                           start=start, first_iteration=state.iterations,
                           warp_stop=warp_stop if strategy is None else None,
                           color_order=order)
    if strategy is not None:
        dataset = distribute_dataset(strategy, dataset)
    if backend != "tensorflow":
        dataset = NumpyBatches(dataset)
    previews = None
    if options.preview:
        previews = load_preview_faces({side: folder.files for side, folder in folders.items()},
                                      training.preview_images, input_size, output_size,
                                      training.coverage, model_ir, training, masked=masks,
                                      color_order=order)
    session_number = len(state.sessions) + 1
    log_dir = model_dir.path / LOG_DIR / f"session_{session_number:03d}" if chief else None
    reporter = Reporter(console, log_dir, show_bar=options.show_bar)
    settings = SaveSettings(training.save_interval, training.snapshot_interval,
                            training.backup_on_improvement, previews)
    trainer = Trainer(model_dir=model_dir, spec=spec, state=state, model=model,
                      optimizer=optimizer, loss=loss, batch_size=batch_size,
                      reporter=reporter, strategy=strategy,
                      settings=settings, chief=chief,
                      stop_vote=stop_vote(strategy) if placement.cluster else None,
                      warp_stop=warp_stop)
    record = {"images": [len(folder) for folder in folders.values()],
              "skipped": [len(folder.skipped) for folder in folders.values()],
              "strategy": placement.strategy, "replicas": replica_count, "backend": backend,
              "frozen": list(freeze) if options.freeze_weights else []}
    counts = ", ".join(f"{len(folder)} {side.upper()} faces" for side, folder in folders.items())
    spread = (f"; {replica_count} replicas, {placement.describe(replica_count)}, "
              f"{batch_size // replica_count} per replica" if placement.distributed else "")
    _say(console, f"data: {counts}; batch {batch_size} per side; input "
                  f"{_sizes_text(input_size)}, output {_sizes_text(output_size)}{spread}")
    return Prepared(trainer, dataset, spec, resumed, folders, record, skip_log, model_ir)


def train(options: TrainOptions, console: Console) -> SessionResult:
    """Prepare and run one training session (Ctrl-C saves and stops).

    Raises:
        TrainInputError: see :func:`prepare`.
    """
    prepared = prepare(options, console)
    stop = StopRequest()
    batches = GuardedBatches(iter(prepared.dataset), prepared.skip_log, stop.set)
    with stop.on_sigint():
        try:
            early = before_training(prepared.trainer, batches, stop, prepared.record,
                                    lambda text: _say(console, text))
            if early is not None:         # graph_and_exit, or Ctrl-C during the finder
                return early
            result = prepared.trainer.run(batches, options.iterations, stop,
                                          record=prepared.record)
        except DataError as exc:
            raise TrainInputError(exc.message, exc.hint) from None
    for line in prepared.skip_log.summary():
        _say(console, f"warning: {line}")
    if result.stop == "out_of_memory":
        device, device_bytes = device_memory_bytes(str(prepared.record.get("backend")))
        raise TrainInputError(*out_of_memory_text(result.error, prepared.model_ir,
                                                  prepared.spec.training, device, device_bytes,
                                                  result.saved_iteration))
    if result.stop == "data":
        raise TrainInputError(f"training stopped: {batches.failure}; "
                              f"{options.model_dir} is saved at iteration "
                              f"{result.saved_iteration}",
                              "restore the face folders, or point --input at folders that "
                              "hold the faces, and run the same command to resume")
    return result
