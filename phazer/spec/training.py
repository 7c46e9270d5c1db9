"""The ``training:`` section of a spec: losses, optimizer, augmentation, saving.

Nothing here changes the model's layers or parameter count; it says how ``phazer train`` fits
the model. Which of these fields may change when a training run resumes is decided in one
place, :mod:`phazer.spec.resume`. Defaults follow faceswap's ``train.ini`` defaults; every
field's description names the faceswap option it carries (the importer's table is
:data:`phazer.spec.faceswap_names.TRAINING_OPTIONS`). Percentages are written as faceswap
writes them (``flip_chance: 50`` is a 50% chance); loss weights are factors (1.0 = faceswap's
100).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from phazer.catalog.losses import LOSSES, LossName, MaskLossName
from phazer.catalog.masks import MaskType
from phazer.spec.base import StrictModel
from phazer.spec.optimizers import AdamOptimizer, LRFinderSpec, OptimizerSpec
from phazer.spec.schedule import MAX_SCHEDULE_ITERATIONS


class LossSpec(StrictModel):
    """One weighted term of the face loss."""

    function: LossName = Field(description="The loss function (see docs/training-data.md).")
    weight: float = Field(1.0, ge=0.0, le=100.0, description="Factor the term is multiplied "
                          "by; 1.0 is faceswap's 100 (faceswap: loss_weight_2..4).")
    weights_file: str | None = Field(
        None, description="The LPIPS losses only: local path of the .npz file holding the "
        "pretrained trunk and linear-layer weights (converted from the two .pth files faceswap "
        "downloads, see docs/training-data.md). phazer never downloads.")

    @model_validator(mode="after")
    def _weights_only_for_pretrained(self) -> LossSpec:
        if self.weights_file is not None and not LOSSES[self.function].weights_files:
            raise ValueError(f"weights_file is only read by the LPIPS losses "
                             f"({', '.join(n for n, i in LOSSES.items() if i.weights_files)}); "
                             f"{self.function} has no weights: remove weights_file")
        return self


class AugmentationSpec(StrictModel):
    """How each image is varied before the model sees it (faceswap: [trainer.augmentation])."""

    warp: bool = Field(True, description="Randomly warp the model's input (never its target): "
                       "what teaches the shared encoder to swap; turn off only to polish "
                       "details late in training (faceswap: the inverse of --no-warp).")
    no_warp_from: int | None = Field(
        None, ge=1, le=MAX_SCHEDULE_ITERATIONS, description="The first model iteration "
        "(counted across resumes) whose input is not warped: the iterations after it polish "
        "the details the warp blurs, as faceswap users do by restarting with --no-warp late "
        "in training. null: warped throughout. phazer demo moves it with its run's length "
        "(see docs/training.md).")
    warp_to_landmarks: bool = Field(
        False, description="Warp the input to the landmarks of one of its 10 closest faces of "
        "the other side (the next side with more than two) instead of at random: faceswap's "
        "(dfaker's) warp. Needs faceswap's extracted faces (their headers carry the "
        "landmarks) on every side; does nothing without warp "
        "(faceswap: --warp-to-landmarks).")
    rotation_range: int = Field(10, ge=0, le=180, description="Rotate by up to this many "
                                "degrees either way (faceswap: rotation_range).")
    zoom_amount: int = Field(5, ge=0, le=50, description="Zoom in or out by up to this "
                             "percentage (faceswap: zoom_amount).")
    shift_range: int = Field(5, ge=0, le=50, description="Shift by up to this percentage of "
                             "the image size, horizontally and vertically "
                             "(faceswap: shift_range).")
    flip_chance: int = Field(50, ge=0, le=100, description="Percentage chance of a "
                             "horizontal flip; 0 for never (faceswap: flip_chance).")
    color_lightness: int = Field(30, ge=0, le=100, description="Move lightness towards black "
                                 "or white by up to this percentage "
                                 "(faceswap: color_lightness).")
    color_ab: int = Field(8, ge=0, le=100, description="Shift the two colour-opponent "
                          "channels by up to this percentage (faceswap: color_ab).")
    color_clahe_chance: int = Field(50, ge=0, le=100, description="Percentage chance of a "
                                    "local contrast boost (faceswap: color_clahe_chance).")
    color_clahe_max_size: int = Field(4, ge=1, le=16, description="Largest tile grid (per "
                                      "side) of the local contrast boost "
                                      "(faceswap: color_clahe_max_size).")

    @model_validator(mode="after")
    def _no_warp_needs_the_warp(self) -> AugmentationSpec:
        if self.no_warp_from is not None and not self.warp:
            raise ValueError(f"no_warp_from ({self.no_warp_from}) stops a warp that warp: false "
                             f"already turns off; remove no_warp_from, or set warp: true")
        return self


STRATEGIES: tuple[str, ...] = ("default", "mirrored", "multi_worker")
"""``training.distribution.strategy`` choices (and ``phazer train --strategy``'s)."""
Strategy = Literal[STRATEGIES]  # type: ignore[valid-type]


class DistributionSpec(StrictModel):
    """How many devices train the model, with TensorFlow's ``tf.distribute`` strategies.

    The batch size stays the global batch per side: each iteration splits it evenly over the
    replicas, so a model trains the same on one device and on several. Not model-defining: a
    model may resume on another number of devices.
    """

    strategy: Strategy = Field(
        "default", description="default: one device; mirrored: "
        "tf.distribute.MirroredStrategy over this machine's GPUs (or logical CPU devices when "
        "it has none); multi_worker: MultiWorkerMirroredStrategy over several machines, the "
        "cluster read from the TF_CONFIG environment variable (faceswap: "
        "--distribution-strategy).")
    devices: int | None = Field(
        None, ge=1, le=64, description="Devices per machine: the first N GPUs, or N logical "
        "CPU devices on a machine without GPUs; not set: every GPU (one CPU device without "
        "GPUs). The replicas are the devices times the machines.")

    @field_validator("devices")
    @classmethod
    def _one_device_by_default(cls, value: int | None, info: ValidationInfo) -> int | None:
        if info.data.get("strategy") == "default" and value not in (None, 1):
            raise ValueError(f"strategy default trains on one device; set strategy: mirrored "
                             f"for {value} devices, or remove devices")
        return value


def _also_yaml_booleans(schema: dict[str, Any]) -> None:
    """The JSON schema of a word field read back from YAML 1.1's ``on``/``off`` booleans.

    An editor's YAML 1.1 reader turns a bare ``off`` into false before checking the schema;
    the field's validator takes it back, so the schema accepts a boolean too.
    """
    words = {key: schema.pop(key) for key in ("enum", "type") if key in schema}
    schema["anyOf"] = [words, {"type": "boolean"}]


# training.mixed_precision -> the Keras dtype policy the layers compute in
DTYPE_POLICIES: dict[bool | str, str] = {
    False: "float32", True: "mixed_float16", "float16": "mixed_float16",
    "bfloat16": "mixed_bfloat16"}


class TrainingSpec(StrictModel):
    """How `phazer train` fits the model: losses, optimizer, data augmentation and saving."""

    losses: list[LossSpec] = Field(
        [LossSpec(function="ssim"), LossSpec(function="mse")], min_length=1, max_length=4,
        description="The face loss: a weighted sum of 1 to 4 terms; may change on resume "
                    "(faceswap: loss_function, loss_function_2..4 with loss_weight_2..4).")
    mask_loss: MaskLossName = Field("mse", description="Loss of the mask output when "
                                    "decoder.learn_mask is on (faceswap: mask_loss_function).")
    penalized_mask_loss: bool = Field(True, description="Weight the face loss by the mask "
                                      "(the alpha channel), so the background counts for "
                                      "little (faceswap: penalized_mask_loss).")
    mask_dilation: float = Field(0.0, ge=-20.0, le=20.0, description="Grow (positive) or "
                                 "shrink (negative) the training mask by a round kernel whose "
                                 "width is this percentage of the image side, so the loss also "
                                 "weighs a rim of background around the face and the model "
                                 "learns the face's outline; 0 for none; may change on resume "
                                 "(faceswap: mask_dilation).")
    mask_type: MaskType | None = Field(
        None, description="The mask the penalized loss weights by and learn_mask learns: "
        "none; alpha (the image's alpha channel); components or extended (drawn from a "
        "faceswap face's landmarks); or a mask stored in faceswap face headers (bisenet-fp_face, "
        "vgg-clear, ...). Unset: extended for faceswap face sets (faceswap's default), alpha "
        "for plain folders; the run's log says which (faceswap: mask_type).")
    mask_blur_kernel: int = Field(3, ge=0, le=9, description="Gaussian blur of a stored mask "
                                  "(px at the stored 128 px; an even size acts as the next odd "
                                  "one), 0 for none (faceswap: mask_blur_kernel).")
    mask_threshold: int = Field(4, ge=0, le=50, description="Set a stored mask's values below "
                                "this percentage to 0 and those above 100 minus it to full "
                                "(faceswap: mask_threshold).")
    eye_multiplier: int = Field(3, ge=1, le=40, description="With the penalized mask loss, "
                                "weigh the eye area (from the landmarks) this many times more; "
                                "1 for no extra weight (faceswap: eye_multiplier).")
    mouth_multiplier: int = Field(2, ge=1, le=40, description="With the penalized mask loss, "
                                  "weigh the mouth area (from the landmarks) this many times "
                                  "more; 1 for no extra weight (faceswap: mouth_multiplier).")
    centering: Literal["face", "head", "legacy"] = Field(
        "face", description="Where the training crop of a faceswap face (a head-centred file) "
        "is centred: face, head, or legacy (faceswap's older, tighter face crop); plain face "
        "folders are already the crop (faceswap: centering).")
    vertical_offset: int = Field(0, ge=-25, le=25, description="Move a faceswap face's "
                                 "training crop up (positive) or down by this percentage of "
                                 "its size (faceswap: vertical_offset).")
    lr_finder: LRFinderSpec = Field(default_factory=LRFinderSpec.model_construct,
                                    description="The learning rate finder (faceswap: "
                                    "--use-lr-finder, lr_finder_*).")
    optimizer: OptimizerSpec = Field(default_factory=AdamOptimizer.model_construct,
                                     description="The optimizer, chosen by `type` (adam when "
                                     "not given) (faceswap: [global.optimizer]).")
    mixed_precision: Literal[False, True, "float16", "bfloat16"] = Field(
        False, description="Compute the layers in 16 bits with float32 weights: true or "
        "float16 (faceswap's; loss scaling is added), or bfloat16 (no loss scaling; fast on "
        "GPUs from NVIDIA's Ampere on and on CPUs with bfloat16 instructions: AVX512_BF16 or "
        "AMX); false computes in float32 (faceswap: mixed_precision, float16 only).")
    backend: Literal["tensorflow", "torch", "jax"] | None = Field(
        None, description="The Keras backend that trains the model: tensorflow, torch "
        "(PyTorch) or jax; unset: --backend, else KERAS_BACKEND, else tensorflow (naming two "
        "different ones is an error). May change on resume: the weights and the optimizer "
        "state are the same on every backend (faceswap 3 trains on PyTorch).")
    xla: Literal["auto", "on", "off"] = Field(
        "auto", description="Compile the train step with XLA: on, off, or auto: measure both "
        "on the device and keep the faster (YAML's true / false mean on / off).",
        json_schema_extra=_also_yaml_booleans)
    batch_size: int = Field(16, ge=1, le=1024, description="Images per side per step; may "
                            "change on resume; on several devices the global batch, split "
                            "evenly over them (faceswap: --batch-size).")
    distribution: DistributionSpec = Field(
        default_factory=DistributionSpec.model_construct, description="Training on several "
        "devices or machines (tf.distribute); may change on resume.")
    coverage: float = Field(100.0, ge=62.5, le=100.0, description="Percentage of each image's "
                            "width, from the centre, that the model sees; 62.5 is eyebrow to "
                            "eyebrow, 100 the whole image (faceswap: coverage).")
    augmentation: AugmentationSpec = Field(default_factory=AugmentationSpec.model_construct)
    save_interval: int = Field(250, ge=1, le=1_000_000, description="Save the model every "
                               "this many iterations (faceswap: --save-interval).")
    snapshot_interval: int = Field(25000, ge=0, le=10_000_000, description="Keep a copy of "
                                   "the model every this many iterations, 0 for never "
                                   "(faceswap: --snapshot-interval).")
    backup_on_improvement: bool = Field(True, description="Back up the previous save when "
                                        "the average loss has improved since the last one.")
    preview_images: int = Field(14, ge=1, le=64, description="Faces per side in the preview "
                                "image (faceswap: preview_images).")

    @model_validator(mode="before")
    @classmethod
    def _adam_by_default(cls, data: Any) -> Any:
        """An optimizer mapping without ``type`` is Adam's.

        So ``--set training.optimizer.learning_rate=1e-4`` works on a spec (a preset) without
        a training section.
        """
        optimizer = data.get("optimizer") if isinstance(data, dict) else None
        if isinstance(optimizer, dict) and "type" not in optimizer:
            return {**data, "optimizer": {"type": "adam", **optimizer}}
        return data

    @field_validator("xla", mode="before")
    @classmethod
    def _xla_words(cls, value: Any) -> Any:
        """YAML 1.1 reads an unquoted ``on`` / ``off`` as true / false: take them back."""
        if isinstance(value, bool):
            return "on" if value else "off"
        return value

    @field_validator("mixed_precision", mode="before")
    @classmethod
    def _no_numbers_for_booleans(cls, value: Any) -> Any:
        """1 and 0 equal True and False in Python; a strict boolean field refuses them."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError("expected true, false, float16 or bfloat16")
        return value

    @property
    def dtype_policy(self) -> str:
        """The Keras dtype policy of the layers: float32, mixed_float16 or mixed_bfloat16."""
        return DTYPE_POLICIES[self.mixed_precision]

    @field_validator("losses")
    @classmethod
    def _distinct_losses(cls, value: list[LossSpec]) -> list[LossSpec]:
        seen: set[str] = set()
        for term in value:
            if term.function in seen:
                raise ValueError(f"{term.function} is listed twice; use one entry and add "
                                 "the weights")
            seen.add(term.function)
        return value
