"""The loss of a whole model, combined as faceswap's loss collator combines it.

For each face output (``face_out_<side>``, and a multiscale decoder's ``face_out_<side>_<size>``)
and each weighted term of ``training.losses``, as faceswap's ``LossCollator`` does:

- a per-pixel loss gives its map ``L``; with the penalized mask loss ``L *= face mask``; with
  ``eye_multiplier > 1`` and an eye mask ``L += L * eye * eye_multiplier``; then the same for
  the mouth (so the factors multiply where the two overlap); then the mean per item;
- a per-item loss (l_inf_norm) is scored on the images themselves, or with the penalized mask
  loss on the images times each mask: ``g(face) + eye_multiplier * g(eye) +
  mouth_multiplier * g(mouth)``, each term present when its mask is in the targets;
- each term is its weight times the batch mean; a mask output (``decoder.learn_mask``) adds the
  batch mean of ``training.mask_loss`` (no weight, no masking).

The masks come with the targets: ``mask_out_<side>`` (the face mask) and ``eye_mask_<side>`` /
``mouth_mask_<side>`` (one channel each, in [0, 1]). The data pipeline labels them by name,
so a mouth mask is never taken for an eye mask (faceswap's labels are positional: with
eye_multiplier 1 its mouth mask lands in the eye slot and goes unweighted).
"""

from __future__ import annotations

from collections.abc import Mapping

from keras import ops

from phazer.sides import (
    eye_mask,
    face_out,
    is_face_out,
    is_mask_out,
    mask_out,
    mouth_mask,
    output_scale,
    side_of,
)
from phazer.spec.training import TrainingSpec
from phazer.train.losses.filters import Tensor, as_float, reverse_channels
from phazer.train.losses.registry import ColorOrder, ImageLoss, LossOptions, get_loss


def _resized(value: Tensor, size: int | None) -> Tensor:
    """``value`` area-resized to ``size`` px (a multiscale output's target); as is otherwise."""
    value = as_float(value)
    if size is None or int(value.shape[1]) == size:
        return value
    return ops.image.resize(value, (size, size), interpolation="area",
                            data_format="channels_last")


class ModelLoss:
    """The loss of every output of a model, as configured by a spec's ``training`` section.

    Args:
        training: the spec's training section (losses, mask loss, penalized mask loss, eye and
            mouth multipliers).
        output_names: the model's outputs (``face_out_<side>``, ``mask_out_<side>``).
        masks_in_targets: the targets carry ``mask_out_<side>`` (the data pipeline's masks);
            needed for the penalized mask loss and the mask outputs.
        color_order: the model's colour order (:mod:`phazer.model_colour`): the channel
            order of the face targets and predictions, as the data pipeline feeds them.
            Each loss is computed as faceswap computes it for a model trained in that order:
            the faces are turned to RGB for the losses, and gmsd, whose edge filters depend
            on the channel's position, puts them back in this order.

    Raises:
        LossWeightsError: an LPIPS loss whose weights file is missing or unreadable.
    """

    def __init__(self, training: TrainingSpec, output_names: list[str],
                 masks_in_targets: bool, color_order: ColorOrder = "rgb") -> None:
        self.output_names = list(output_names)
        self.color_order = color_order
        self.face_terms: list[tuple[str, float, ImageLoss]] = [
            (term.function, float(term.weight),
             get_loss(term.function, LossOptions(color_order, term.weights_file)))
            for term in training.losses]
        self.mask_loss_name = training.mask_loss
        self.mask_function = get_loss(training.mask_loss)
        self.penalize = training.penalized_mask_loss and masks_in_targets
        self.masks_in_targets = masks_in_targets
        self.eye_multiplier = float(training.eye_multiplier)
        self.mouth_multiplier = float(training.mouth_multiplier)

    @property
    def needs_masks(self) -> bool:
        """Whether the targets must carry masks (mask outputs or the penalized mask loss)."""
        return self.penalize or any(is_mask_out(n) for n in self.output_names)

    def term_names(self) -> list[str]:
        """Names of the terms :meth:`terms` returns, e.g. ``face_out_a/ssim``."""
        names = []
        for output in self.output_names:
            if is_mask_out(output):
                names.append(f"{output}/{self.mask_loss_name}")
            else:
                names.extend(f"{output}/{name}" for name, _, _ in self.face_terms)
        return names

    def terms(self, targets: Mapping[str, Tensor], predictions: Mapping[str, Tensor]
              ) -> dict[str, Tensor]:
        """Every weighted loss term, keyed ``<output>/<loss>`` (their sum is the total)."""
        weights = {f"{output}/{name}": weight for output in self.output_names
                   if not is_mask_out(output) for name, weight, _ in self.face_terms}
        return {key: ops.mean(values) * weights.get(key, 1.0)
                for key, values in self.per_item(targets, predictions).items()}

    def per_item(self, targets: Mapping[str, Tensor], predictions: Mapping[str, Tensor]
                 ) -> dict[str, Tensor]:
        """Every term's unweighted value per item (N,), keyed as :meth:`terms`."""
        faces = [n for n in self.output_names if is_face_out(n)]
        smallest = min((int(predictions[n].shape[1]) for n in faces), default=None)
        result: dict[str, Tensor] = {}
        for output in self.output_names:
            pred = as_float(predictions[output])
            scale = output_scale(output)
            if is_mask_out(output):
                true = _resized(targets[output], scale)
                result[f"{output}/{self.mask_loss_name}"] = self.mask_function.per_item(
                    true, pred)
                continue
            side = side_of(output)
            true = _resized(targets[output if output in targets else face_out(side)], scale)
            if self.color_order == "bgr":   # the losses take RGB (gmsd reverses it back)
                true, pred = reverse_channels(true), reverse_channels(pred)
            masks = self._masks(targets, side, scale)
            for name, _, loss in self.face_terms:
                if loss.per_pixel:
                    value = self._per_pixel(loss, true, pred, masks, smallest)
                else:
                    value = self._per_item(loss, true, pred, masks)
                result[f"{output}/{name}"] = value
        return result

    def _masks(self, targets: Mapping[str, Tensor], side: str, scale: int | None
               ) -> dict[str, Tensor]:
        """The side's masks that weigh its face loss: face (penalized), eye, mouth."""
        masks = {"face": _resized(targets[mask_out(side)], scale)} if self.penalize else {}
        for kind, key in (("eye", eye_mask(side)), ("mouth", mouth_mask(side))):
            if key in targets:
                masks[kind] = _resized(targets[key], scale)
        return masks

    def _per_pixel(self, loss: ImageLoss, true: Tensor, pred: Tensor,
                   masks: Mapping[str, Tensor], smallest: int | None) -> Tensor:
        values = loss.values(true, pred, smallest)
        if "face" in masks:
            values = values * masks["face"]
        for kind, multiplier in (("eye", self.eye_multiplier),
                                 ("mouth", self.mouth_multiplier)):
            if multiplier > 1.0 and kind in masks:
                values = values + values * masks[kind] * multiplier
        return ops.mean(values, axis=(1, 2, 3))

    def _per_item(self, loss: ImageLoss, true: Tensor, pred: Tensor,
                  masks: Mapping[str, Tensor]) -> Tensor:
        if not self.penalize:
            return loss.per_item(true, pred)
        factors = {"face": 1.0, "eye": self.eye_multiplier, "mouth": self.mouth_multiplier}
        total = None
        for kind, mask in masks.items():
            value = loss.per_item(true * mask, pred * mask) * factors[kind]
            total = value if total is None else total + value
        return total

    @staticmethod
    def per_output(terms: Mapping[str, float]) -> dict[str, float]:
        """Sum the terms of each output: ``{"face_out_a": ..., "mask_out_a": ...}``."""
        totals: dict[str, float] = {}
        for key, value in terms.items():
            output = key.split("/", 1)[0]
            totals[output] = totals.get(output, 0.0) + float(value)
        return totals
