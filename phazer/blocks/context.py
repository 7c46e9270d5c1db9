"""What the blocks share while they build one model: the spec, the issues, the sizes seen.

A :class:`BuildContext` goes to every builder. A builder checks what it is about to build
against the shapes it actually has (the IR's, never a second computation) and reports what
cannot be built as an error :class:`~phazer.issues.Issue`, and what it adjusts as faceswap
does as an info. When it cannot go on it raises :class:`CannotBuild`; the compiler turns that
into a result without a model, and a builder called on its own into a :class:`BuildError`.

While building, the blocks record the sizes they produced (:class:`ResolvedSizes`, read off
the tensors as they are made): the summary's "resolved filters" table, ``phazer render`` and
the rules read them from there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

from phazer.blocks.sizing import FCFilters, UpscaleChain
from phazer.ir.ops import Shape
from phazer.issues import Issue, Severity, SpecError
from phazer.spec.models import ModelSpec

T = TypeVar("T")


@dataclass
class ResolvedSizes:
    """The sizes the blocks built, recorded from the IR's tensors as they were made.

    Attributes:
        encoder_input_px: encoder input height and width.
        backbone_shape: the encoder's feature map before the bottleneck.
        encoder_output_shape: the encoder sub-model's output.
        fc_input_size: flat size entering the FC Dense stack (after the bottleneck).
        fc_nodes: nodes of each FC Dense layer.
        fc_reshape: the FC reshape target (dim, dim, max filters).
        fc_filters: the FC filter counts after faceswap's rescaling.
        fc_upsampled_shape: the FC output after its upsamplers, before any decoder upscale.
        fc_output_shape: each side's FC model output.
        decoder_input_shape: the decoders' input (a shared FC's concat doubles the channels).
        chain: the decoder's upscale chain.
        retile: (from, to) shapes of the re-tiling Reshape, or None when there is none.
        gblock_fc_nodes: nodes of each fc_gblock Dense layer.
        gblock_filters: the G-Block's filters (None without G-Block).
    """

    encoder_input_px: int | None = None
    backbone_shape: Shape | None = None
    encoder_output_shape: Shape | None = None
    fc_input_size: int | None = None
    fc_nodes: tuple[int, ...] = ()
    fc_reshape: Shape | None = None
    fc_filters: FCFilters | None = None
    fc_upsampled_shape: Shape | None = None
    fc_output_shape: Shape | None = None
    decoder_input_shape: Shape | None = None
    chain: UpscaleChain | None = None
    retile: tuple[Shape, Shape] | None = None
    gblock_fc_nodes: tuple[int, ...] = ()
    gblock_filters: int | None = None

    def record(self, **values: object) -> None:
        """Record sizes; the first value recorded for a field wins (every FC is alike)."""
        for key, value in values.items():
            if getattr(self, key) in (None, ()):
                setattr(self, key, value)

    @property
    def decoder_filters(self) -> tuple[int, ...]:
        """Filters of every upscale (FC ones first)."""
        return self.chain.filters if self.chain else ()

    @property
    def total_upscales(self) -> int:
        """Upscales from the re-tiled size to the output size."""
        return self.chain.total if self.chain else 0

    @property
    def fc_upscales(self) -> int:
        """Upscales done at the end of the FC models."""
        return self.chain.in_fc if self.chain else 0

    @property
    def residual_upscales(self) -> tuple[bool, ...]:
        """Per upscale, whether residual blocks follow it."""
        return self.chain.residual if self.chain else ()


class CannotBuild(Exception):
    """Raised by a builder that reported an error and cannot go on."""


class BuildError(SpecError):
    """A spec that cannot be built, with every issue the builders reported."""

    def __init__(self, issues: list[Issue]):
        super().__init__(issues)
        errors = [i for i in self.issues if i.severity == "error"]
        lines = "\n".join(f"- {i.path}: {i.message} (hint: {i.hint})" for i in errors)
        self.args = (f"the spec cannot be built:\n{lines}",)


@dataclass
class BuildContext:
    """The spec being built, the issues found so far and the sizes recorded."""

    spec: ModelSpec
    issues: list[Issue] = field(default_factory=list)
    sizes: ResolvedSizes = field(default_factory=ResolvedSizes)

    def report(self, code: str, severity: Severity, paths: Sequence[str], message: str,
               hint: str = "") -> None:
        """Report an issue about the fields ``paths`` (the first is the one blamed)."""
        others = list(paths[1:])
        if others:
            hint += f" (fields involved: {', '.join(others)})"
        issue = Issue(code, severity, paths[0], message, hint)
        if issue not in self.issues:  # every FC and decoder finds the same
            self.issues.append(issue)

    def error(self, code: str, paths: Sequence[str], message: str, hint: str) -> None:
        """Report a reason the spec cannot be built; the build may go on to find more."""
        self.report(code, "error", paths, message, hint)

    def stop(self, code: str, paths: Sequence[str], message: str, hint: str) -> NoReturn:
        """Report a reason the spec cannot be built and stop building."""
        self.error(code, paths, message, hint)
        raise CannotBuild(code)

    @property
    def errors(self) -> list[Issue]:
        """The errors reported so far."""
        return [i for i in self.issues if i.severity == "error"]


def build_alone(spec: ModelSpec, context: BuildContext | None,
                build: Callable[[BuildContext], T]) -> T:
    """Run one builder, in the given context or (for a builder called on its own) a new one.

    Raises:
        BuildError: the builder, run on its own, found a reason the spec cannot be built.
    """
    if context is not None:
        return build(context)
    context = BuildContext(spec)
    try:
        result = build(context)
    except CannotBuild:
        raise BuildError(context.issues) from None
    if context.errors:
        raise BuildError(context.issues)
    return result
