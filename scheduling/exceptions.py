from tandem.errors import TandemError


class SchedulingError(TandemError):
    """A booking or status change refused; `field` names the appointment field at fault."""

    code = "scheduling_error"


class AppointmentInvalid(SchedulingError):
    code = "appointment_invalid"
