"""Pure state machines: which state may follow which, who (by role) may make each move, and which
moves check someone else's work (four-eyes). The council's workflows are in ``workflow``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from pmf_api.domain.errors import FourEyesRefused, TransitionNotAllowed
from pmf_api.domain.roles import Role

State = TypeVar("State", bound=StrEnum)

OWNER = "owner of the item"
"""How the owner (who may act whatever their roles) is named in ``allowed_roles`` and messages."""


@dataclass(frozen=True, slots=True)
class TransitionRule:
    """Who may make one transition: any of ``roles``, or the item's owner when ``owner_may``."""

    roles: frozenset[Role]
    owner_may: bool = False

    def permits(self, roles: Iterable[Role], is_owner: bool) -> bool:
        return (self.owner_may and is_owner) or not self.roles.isdisjoint(roles)

    def describe(self) -> tuple[str, ...]:
        names = sorted(role.value for role in self.roles)
        return (*names, OWNER) if self.owner_may else tuple(names)


@dataclass(frozen=True, slots=True)
class FourEyes:
    """Who is asking (``actor``), who did the work a check would look at (``work``: what was done,
    and by whom), and whether the organisation lets one person check their own work (``relaxed``).

    People are told apart by the subject of their credentials (a token's ``sub``, an API key's name).
    """

    actor: str
    work: tuple[tuple[str, str | None], ...] = ()
    relaxed: bool = False

    @classmethod
    def of(cls, actor: str, *, relaxed: bool = False, **work: str | None) -> FourEyes:
        """``FourEyes.of(subject, entered=..., submitted=...)``: the work in the order given."""
        return cls(actor, tuple(work.items()), relaxed)

    def own_work(self) -> tuple[str, ...]:
        """What of the work the actor did themselves, e.g. ``("entered", "submitted")``."""
        return tuple(what for what, who in self.work if who is not None and who == self.actor)


@dataclass(frozen=True, slots=True)
class Move(Generic[State]):
    """The state a transition reaches, and the audit note it needs (when four-eyes was relaxed)."""

    state: State
    note: str | None = None


class StateMachine(Generic[State]):
    """A table of allowed transitions and the roles that may make each.

    ``checks`` are the states reached by checking someone else's work (validated, approved): four-eyes
    keeps whoever did that work from making those moves.
    """

    def __init__(
        self,
        subject: str,
        rules: Mapping[tuple[State, State], TransitionRule],
        checks: Iterable[State] = (),
    ) -> None:
        self.subject = subject
        self.rules = dict(rules)
        self.checks = frozenset(checks)

    def allowed(
        self, current: State, roles: Iterable[Role], *, is_owner: bool = False, four_eyes: FourEyes | None = None
    ) -> tuple[State, ...]:
        held = frozenset(roles)
        return tuple(
            to_state
            for (from_state, to_state), rule in self.rules.items()
            if from_state == current
            and rule.permits(held, is_owner)
            and self._refusal(current, to_state, four_eyes) is None
        )

    def describe(self) -> str:
        """The transitions and who may make each, one per line, in the order the table lists them
        (what the API's documentation of each workflow says)."""
        return "\n".join(
            f"- `{from_state.value}` -> `{to_state.value}`: {or_list(rule.describe())}"
            for (from_state, to_state), rule in self.rules.items()
        )

    def _own_work(self, requested: State, four_eyes: FourEyes | None) -> tuple[str, ...]:
        if four_eyes is None or requested not in self.checks:
            return ()
        return four_eyes.own_work()

    def _refusal(self, current: State, requested: State, four_eyes: FourEyes | None) -> FourEyesRefused | None:
        own = self._own_work(requested, four_eyes)
        if not own or (four_eyes is not None and four_eyes.relaxed):
            return None
        return FourEyesRefused(
            f"Four-eyes: you {and_list(own)} this {self.subject}, so someone else must move it to {requested.value}.",
            current=current.value,
            requested=requested.value,
            own_work=own,
        )

    def move(
        self,
        current: State,
        requested: State,
        roles: Iterable[Role],
        *,
        is_owner: bool = False,
        four_eyes: FourEyes | None = None,
    ) -> Move[State]:
        """The transition, with four-eyes: refused, or (relaxed) allowed with a note for the audit trail."""
        state = self.transition(current, requested, roles, is_owner=is_owner)
        refusal = self._refusal(current, requested, four_eyes)
        if refusal is not None:
            raise refusal
        own = self._own_work(requested, four_eyes)
        note = (
            f"Four-eyes relaxed by the organisation: moved to {requested.value} by the person who {and_list(own)} it"
            if own
            else None
        )
        return Move(state, note)

    def transition(self, current: State, requested: State, roles: Iterable[Role], *, is_owner: bool = False) -> State:
        rule = self.rules.get((current, requested))
        if rule is None:
            reachable = sorted(to.value for (frm, to) in self.rules if frm == current)
            options = ", ".join(reachable) if reachable else "nothing: it is final"
            raise TransitionNotAllowed(
                f"A {self.subject} cannot move from {current.value} to {requested.value}; "
                f"from {current.value} it can move to {options}.",
                current=current.value,
                requested=requested.value,
            )
        if not rule.permits(frozenset(roles), is_owner):
            raise TransitionNotAllowed(
                f"Only {or_list(rule.describe())} may move a {self.subject} from {current.value} to {requested.value}.",
                current=current.value,
                requested=requested.value,
                allowed_roles=rule.describe(),
            )
        return requested


def or_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def and_list(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
