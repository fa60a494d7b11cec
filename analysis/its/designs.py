"""The designs of the engine, by name: each turns an :class:`ITSModel` into an
:class:`ITSResult` with its own effect source.

    segmented       one regression over the whole series; effects are the intervention terms
    counterfactual  pre-period regression predicts the post period; effect = observed − predicted

A design is a module (or any object) with a ``fit(model, errors, *, decay, level, seed,
decay_interval)`` function that returns an :class:`ITSResult`. The comparison designs
(``comparative``: treated minus comparison; ``synthetic``: synthetic control) take their
place here, in :data:`DESIGNS`, from their own modules (``analysis/its/comparative*.py``,
``analysis/its/synthetic*.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from analysis.its import counterfactual, segmented
from analysis.its.exceptions import InvalidSpecification

if TYPE_CHECKING:
    from analysis.its.model import ITSModel
    from analysis.its.result import ITSResult
    from analysis.its.spec import ErrorSpec


class Design(Protocol):
    """What a design provides (see the module doc)."""

    NAME: str

    def fit(
        self,
        model: ITSModel,
        errors: ErrorSpec,
        *,
        decay: float | None,
        level: float,
        seed: int,
        decay_interval: bool = True,
    ) -> ITSResult: ...


DESIGNS: Mapping[str, Design] = MappingProxyType(
    {segmented.NAME: segmented, counterfactual.NAME: counterfactual}
)


def design(name: str) -> Design:
    """The design called ``name``."""
    try:
        return DESIGNS[name]
    except KeyError:
        raise InvalidSpecification(
            f"design must be one of {', '.join(DESIGNS)}; got {name!r}"
        ) from None
