from collections.abc import Sequence

from django import forms

from clients.validation import field_label
from sync.field_sync import FieldState
from sync.planner import Direction


class FieldSyncForm(forms.Form):
    """Per synced field, a tick box (`sync_<field>`) and a direction (`direction_<field>`);
    cleaned to `directions`, {field: Direction} for the ticked fields.

    Tandem -> remote is offered only when the connection accepts writes (`can_push`).
    """

    def __init__(
        self,
        *args,
        fields: list[str],
        can_push: bool,
        remote_name: str,
        states: Sequence[FieldState] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.field_names = fields
        choices = [(Direction.TO_LOCAL.value, f"{remote_name} → Tandem")]
        if can_push:
            choices.insert(0, (Direction.TO_REMOTE.value, f"Tandem → {remote_name}"))
        for name in fields:
            self.fields[f"sync_{name}"] = forms.BooleanField(
                required=False, label=f"Sync {field_label(name)}"
            )
            self.fields[f"direction_{name}"] = forms.ChoiceField(
                required=False,
                choices=choices,
                widget=forms.RadioSelect,
                label=f"Direction for {field_label(name)}",
            )
        for state in states:
            direction = state.suggested_direction
            if direction is not None:
                self.initial[f"sync_{state.name}"] = True
                self.initial[f"direction_{state.name}"] = direction.value

    def rows(
        self, states: Sequence[FieldState]
    ) -> list[tuple[FieldState, forms.BoundField, forms.BoundField]]:
        """(state, tick box, direction) for each field that differs."""
        return [
            (state, self[f"sync_{state.name}"], self[f"direction_{state.name}"])
            for state in states
            if state.differs
        ]

    def clean(self):
        cleaned = super().clean()
        directions = {}
        for name in self.field_names:
            if not cleaned.get(f"sync_{name}"):
                continue
            direction = cleaned.get(f"direction_{name}")
            if direction:
                directions[name] = Direction(direction)
            elif f"direction_{name}" not in self.errors:
                self.add_error(
                    f"direction_{name}", f"{field_label(name)}: choose which way to sync it."
                )
        if not directions and not self.errors:
            raise forms.ValidationError("Tick the fields to sync first.")
        cleaned["directions"] = directions
        return cleaned
