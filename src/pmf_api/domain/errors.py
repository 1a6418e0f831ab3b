"""Errors raised by the domain rules.

Every error carries a plain-English ``message`` and, where one input is at fault, the name of that
input in ``field`` so that an API can point at it. Errors carry no HTTP status: the web layer maps
them in one place.
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """A rule of the Performance Management Framework was broken by the input."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}(message={self.message!r}, field={self.field!r})"


class InvalidPeriod(DomainError):
    """A financial year or period label, index or start month is not valid."""


class InvalidTarget(DomainError):
    """A target, tolerance, band or profile is not consistent."""


class InvalidValue(DomainError):
    """A measured value, numerator, denominator or series cannot be used as given."""


class TransitionNotAllowed(DomainError):
    """A workflow transition is not allowed from this state, or not for these roles.

    ``allowed_roles`` lists the roles that may make the transition (empty when the transition does
    not exist at all), so a portal can say who to ask.
    """

    def __init__(
        self,
        message: str,
        *,
        current: str,
        requested: str,
        allowed_roles: Iterable[str] = (),
        field: str | None = "state",
    ) -> None:
        super().__init__(message, field=field)
        self.current = current
        self.requested = requested
        self.allowed_roles: tuple[str, ...] = tuple(sorted(allowed_roles))


class FourEyesRefused(TransitionNotAllowed):
    """A check (validating, publishing, approving) by the person whose work it checks.

    Four-eyes: whoever entered or submitted a value does not validate or publish it, and whoever
    proposed a target does not approve it, whatever roles they hold. ``own_work`` says what of the
    work the actor did themselves (``("entered", "submitted")``).
    """

    def __init__(self, message: str, *, current: str, requested: str, own_work: Iterable[str]) -> None:
        super().__init__(message, current=current, requested=requested)
        self.own_work: tuple[str, ...] = tuple(own_work)
