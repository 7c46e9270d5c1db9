"""The ``training.optimizer`` section of a spec: faceswap's optimizers and their options.

Each optimizer is a variant chosen by ``type`` (faceswap: ``[global.optimizer] optimizer``);
the options shared by all of them (learning rate, schedule, weight decay, clipping, gradient
accumulation) sit on the base class. :mod:`phazer.train.optimizers` builds the update each one
makes; docs/training.md says where phazer's update follows faceswap's and where it does not.
The learning rate finder (faceswap: ``--use-lr-finder`` and ``lr_finder_*``) is
:class:`LRFinderSpec`.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from phazer.spec.base import StrictModel
from phazer.spec.schedule import ScheduleSpec

LearningRate = Annotated[float, Field(gt=0.0, le=1.0, description="Step size of each "
                                      "update; may change on resume (faceswap: learning_rate; "
                                      "its slider spans 1e-6 to 1e-4).")]
Clipping = Literal["none", "norm", "global_norm", "value", "autoclip"]


class _OptimizerBase(StrictModel):
    learning_rate: LearningRate = 5e-5
    schedule: ScheduleSpec = Field(ScheduleSpec(), description="How the learning rate moves "
                                   "over the run: constant (faceswap's way), or a warm-up and "
                                   "a cosine or linear decay; may change on resume.")
    weight_decay: float = Field(0.0, ge=0.0, le=1.0, description="Weight decay, 0 for none "
                                "(faceswap: weight_decay): an L2 term added to the gradient "
                                "for adam, adamax, nadam, rmsprop and sgd, the weights "
                                "multiplied by 1 - learning_rate x weight_decay for adamw, "
                                "adabelief and lion; never on biases or 1-D weights.")
    clipping: Clipping = Field("none", description="Gradient clipping: none; norm (each "
                               "gradient's norm); global_norm (all gradients together); value "
                               "(each element); autoclip (a norm chosen from the history of "
                               "gradient norms) (faceswap: gradient_clipping).")
    clipping_value: float = Field(1.0, gt=0.0, le=10.0, description="The clipping threshold; "
                                  "for autoclip the percentile in tens (1.0 = the 10th "
                                  "percentile) (faceswap: clipping_value).")
    autoclip_history: int = Field(10000, ge=0, le=100000, description="Updates of gradient "
                                  "norms autoclip looks back on, 0 for all (up to 100000) "
                                  "(faceswap: autoclip_history).")
    gradient_accumulation: int = Field(1, ge=1, le=100, description="Average the gradients of "
                                       "this many batches per update; clipping, weight decay "
                                       "and the step count act once per update "
                                       "(faceswap: gradient_accumulation).")


class _EpsilonMixin(StrictModel):
    epsilon_exponent: int = Field(-7, ge=-20, le=0, description="The optimizer's epsilon is "
                                  "10 to this power; raise it (e.g. -5) if mixed precision "
                                  "gives NaNs; may change on resume (faceswap: "
                                  "epsilon_exponent).")


class _AdamBase(_EpsilonMixin, _OptimizerBase):
    beta_1: float = Field(0.9, ge=0.0, lt=1.0, description="Decay of the first-moment "
                          "estimate (faceswap: ada_beta_1).")
    beta_2: float = Field(0.999, ge=0.0, lt=1.0, description="Decay of the second-moment "
                          "estimate (faceswap: ada_beta_2).")


class AdaBeliefOptimizer(_AdamBase):
    """AdaBelief: Adam whose second moment tracks the gradient's deviation from its mean."""

    type: Literal["adabelief"]
    amsgrad: bool = Field(False, description="Divide by the largest variance seen (faceswap: "
                          "ada_amsgrad, which faceswap's AdaBelief ignores).")


class AdamOptimizer(_AdamBase):
    """Adam (faceswap's default optimizer)."""

    type: Literal["adam"] = "adam"
    amsgrad: bool = Field(False, description="Use the AMSGrad variant (faceswap: ada_amsgrad).")


class AdamWOptimizer(_AdamBase):
    """AdamW: Adam with decoupled weight decay (default 0.004, as faceswap's help says)."""

    type: Literal["adamw"]
    weight_decay: float = Field(0.004, ge=0.0, le=1.0, description="Decoupled weight decay: "
                                "the weights are multiplied by 1 - learning_rate x "
                                "weight_decay each update; never on biases or 1-D weights "
                                "(faceswap: weight_decay, whose default of 0 makes AdamW "
                                "Adam).")
    amsgrad: bool = Field(False, description="Use the AMSGrad variant (faceswap: ada_amsgrad).")


class AdamVariantOptimizer(_AdamBase):
    """Nadam (Nesterov momentum) or Adamax (infinity norm)."""

    type: Literal["nadam", "adamax"]


class LionOptimizer(_OptimizerBase):
    """Lion: sign-of-momentum updates; use a 3-10x smaller learning rate than Adam."""

    type: Literal["lion"]
    beta_1: float = Field(0.9, ge=0.0, lt=1.0, description="Blend of momentum and gradient "
                          "for the step (faceswap: ada_beta_1).")
    beta_2: float = Field(0.999, ge=0.0, lt=1.0, description="Decay of the momentum "
                          "(faceswap: ada_beta_2, whose 0.999 faceswap's Lion uses; the Lion "
                          "paper's is 0.99).")


class RMSpropOptimizer(_EpsilonMixin, _OptimizerBase):
    """RMSprop: steps scaled by a running root-mean-square of the gradients."""

    type: Literal["rmsprop"]
    rho: float = Field(0.99, ge=0.0, lt=1.0, description="Decay of the mean square (faceswap "
                       "fixes it at 0.99, torch's alpha; Keras' default is 0.9).")
    momentum: float = Field(0.0, ge=0.0, lt=1.0, description="Momentum, 0 for none.")
    centered: bool = Field(False, description="Normalise by the gradient's variance instead "
                           "of its mean square.")


class SGDOptimizer(_OptimizerBase):
    """Stochastic gradient descent."""

    type: Literal["sgd"]
    momentum: float = Field(0.0, ge=0.0, lt=1.0, description="Momentum, 0 for none.")
    nesterov: bool = Field(False, description="Use Nesterov momentum.")


OptimizerSpec = Annotated[
    Union[AdaBeliefOptimizer, AdamOptimizer, AdamWOptimizer, AdamVariantOptimizer, LionOptimizer,  # noqa: UP007
          RMSpropOptimizer, SGDOptimizer],
    Field(discriminator="type"),
]
OPTIMIZER_VARIANTS: tuple[type[_OptimizerBase], ...] = (
    AdaBeliefOptimizer, AdamOptimizer, AdamWOptimizer, AdamVariantOptimizer, LionOptimizer,
    RMSpropOptimizer, SGDOptimizer)




LR_FINDER_MODES: tuple[str, ...] = ("set", "graph_and_set", "graph_and_exit")
LR_FINDER_STRENGTHS: tuple[str, ...] = ("default", "aggressive", "extreme")


class LRFinderSpec(StrictModel):
    """faceswap's learning rate finder: run before a new model trains, it picks the rate."""

    enabled: bool = Field(False, description="Find the learning rate before a new model's "
                          "first iteration (faceswap: --use-lr-finder); a resumed model reuses "
                          "the rate found, stored in state.json.")
    iterations: int = Field(1000, ge=100, le=10000, multiple_of=100, description="Iterations "
                            "the finder trains for, the rate growing each one "
                            "(faceswap: lr_finder_iterations).")
    mode: Literal[LR_FINDER_MODES] = Field(  # type: ignore[valid-type]
        "set", description="set: train with the rate found; graph_and_set: also write the "
        "loss-vs-rate plot (lr_finder.png in the model dir); graph_and_exit: write the plot "
        "and stop (faceswap: lr_finder_mode).")
    strength: Literal[LR_FINDER_STRENGTHS] = Field(  # type: ignore[valid-type]
        "default", description="How far towards the loss's steepest fall the rate is set: "
        "default, aggressive or extreme (faceswap: lr_finder_strength).")
