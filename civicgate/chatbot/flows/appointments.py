"""Appointment flows: book (department, official, free slot, purpose, confirm; the pass comes
with it), view, reschedule and cancel. They call civicgate.appointments' actions only."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.chatbot.flows import register
from civicgate.chatbot.flows.base import (
    Choice,
    ChoiceStep,
    ConfirmStep,
    Context,
    Flow,
    Incoming,
    Invalid,
    Reply,
    Step,
    TextStep,
)
from civicgate.chatbot.flows.gate_pass import NameStep, qr_url
from civicgate.chatbot.flows.verify import verification_steps
from civicgate.org.models import Official

SHOWN = 10
OPEN = ("requested", "confirmed")


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%a %d-%m-%Y %H:%M")


def _official(code: str) -> Official | None:
    from civicgate.appointments.selectors.slots import bookable_officials

    return bookable_officials().select_related("employee__department").filter(code=code).first()


def _slot_choices(official: Official | None) -> list[Choice]:
    from civicgate.appointments.actions import free_slots_for

    if official is None:
        return []
    return [
        Choice(s.start.isoformat(), _when(s.start)[:24], official.employee.name[:72])
        for s in free_slots_for(official)[:SHOWN]
    ]


class DepartmentStep(ChoiceStep):
    name = "department"

    def options(self, ctx: Context) -> list[Choice]:
        from civicgate.appointments.selectors.citizen import bookable_departments

        return [
            Choice(d.code, d.localized_name[:24], d.localized_name[24:96])
            for d in bookable_departments().order_by("name")[:SHOWN]
        ]

    def prompt(self, ctx: Context) -> str:
        return _("Which department do you need?")

    def empty_message(self, ctx: Context) -> str:
        return _("No official is taking appointments at the moment.")


class OfficialStep(ChoiceStep):
    name = "official"

    def options(self, ctx: Context) -> list[Choice]:
        from civicgate.appointments.selectors.slots import bookable_officials

        officials = (
            bookable_officials()
            .filter(employee__department__code=ctx.slots.get("department", ""))
            .select_related("employee__office")
            .order_by("employee__name")[:SHOWN]
        )
        return [
            Choice(o.code, o.employee.name[:24], f"{o.title}, {o.employee.office.name}"[:72])
            for o in officials
        ]

    def prompt(self, ctx: Context) -> str:
        return _("Whom would you like to meet?")


class SlotStep(ChoiceStep):
    """A free slot, held for a few minutes while the citizen confirms."""

    name = "slot"

    def skip(self, ctx: Context) -> bool:
        return False

    def options(self, ctx: Context) -> list[Choice]:
        return _slot_choices(_official(str(ctx.slots.get("official", ""))))

    def prompt(self, ctx: Context) -> str:
        return _("These are the free times. Which suits you?")

    def empty_message(self, ctx: Context) -> str:
        return _("There are no free times in the next two weeks. Type back to choose someone else.")

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        from civicgate.appointments.actions import AppointmentError, hold_slot

        start = datetime.fromisoformat(super().parse(ctx, incoming))
        official = _official(str(ctx.slots.get("official", "")))
        citizen = ctx.conversation.citizen
        if official is None or citizen is None:
            raise Invalid(_("Something changed while we talked. Please start again."))
        try:
            held = hold_slot(official=official, start=start, citizen=citizen, language=ctx.language)
        except AppointmentError as exc:
            raise Invalid(exc.message) from None
        return {"start": start.isoformat(), "hold": held.code}


class PurposeStep(TextStep):
    name = "purpose"
    min_length = 3

    def prompt(self, ctx: Context) -> str:
        return _("What would you like to discuss? A few words help the official prepare.")


def _booking_summary(ctx: Context) -> str:
    official = _official(str(ctx.slots.get("official", "")))
    return _(
        "Please check your appointment:\nWith: %(official)s\nWhen: %(when)s\nAbout: %(purpose)s\n"
        "Name: %(name)s"
    ) % {
        "official": f"{official.employee.name}, {official.title}" if official else "",
        "when": _when(datetime.fromisoformat(ctx.slots["slot"]["start"])),
        "purpose": ctx.slots.get("purpose", ""),
        "name": ctx.slots.get("name", ""),
    }


def _pass_replies(appointment: Any) -> list[Reply]:
    from civicgate.passes import citizen_actions

    when = _when(appointment.start)
    who = appointment.official.employee.name
    if appointment.state == "confirmed" and appointment.gate_pass is not None:
        gate_pass = appointment.gate_pass
        return [
            Reply(
                _(
                    "Your appointment %(code)s with %(official)s on %(when)s is confirmed. "
                    "Your gate pass %(pass)s: %(url)s"
                )
                % {
                    "code": appointment.code,
                    "official": who,
                    "when": when,
                    "pass": gate_pass.code,
                    "url": citizen_actions.pass_url(gate_pass),
                },
                image_url=qr_url(gate_pass),
            )
        ]
    return [
        Reply(
            _(
                "Your request %(code)s to meet %(official)s on %(when)s is with the official. "
                "You will get a message with the gate pass once it is confirmed."
            )
            % {"code": appointment.code, "official": who, "when": when}
        )
    ]


class _AppointmentsFlow(Flow):
    needs_mobile = True

    def available(self) -> bool:
        try:
            import civicgate.appointments.actions  # noqa: F401
        except ImportError:
            return False
        return True


@register
class BookAppointmentFlow(_AppointmentsFlow):
    intent = "book_appointment"
    menu_order = 20

    def title(self) -> str:
        return _("Book an appointment")

    def steps(self) -> list[Step]:
        return [
            *verification_steps(),
            DepartmentStep(),
            OfficialStep(),
            SlotStep(),
            PurposeStep(),
            NameStep(),
            ConfirmStep(_booking_summary),
        ]

    def complete(self, ctx: Context) -> list[Reply]:
        from civicgate.appointments.actions import AppointmentError, book_appointment
        from civicgate.appointments.models import Appointment

        if ctx.slots.get("confirm") != "yes":
            return [Reply(_("I have not booked anything. Type menu to start again."))]
        official = _official(str(ctx.slots.get("official", "")))
        citizen = ctx.conversation.citizen
        if official is None or citizen is None:
            return [Reply(_("Something changed while we talked. Please start again."))]
        try:
            appointment = book_appointment(
                official=official,
                start=datetime.fromisoformat(ctx.slots["slot"]["start"]),
                citizen=citizen,
                name=str(ctx.slots["name"]),
                purpose=str(ctx.slots["purpose"]),
                language=ctx.language,
                channel=Appointment.Channel.CHATBOT,
                hold=str(ctx.slots["slot"]["hold"]),
            )
        except AppointmentError as exc:
            return [Reply(exc.message)]
        except ValidationError as exc:
            return [Reply(" ".join(exc.messages))]
        return _pass_replies(appointment)


def _open_appointments(ctx: Context) -> list[Any]:
    from civicgate.appointments.selectors.citizen import mine

    citizen = ctx.conversation.citizen
    if citizen is None:
        return []
    now = timezone.now()
    return list(mine(citizen).filter(state__in=OPEN, start__gte=now).order_by("start")[:SHOWN])


@register
class MyAppointmentsFlow(_AppointmentsFlow):
    intent = "my_appointments"
    menu_order = 30

    def title(self) -> str:
        return _("My appointments")

    def steps(self) -> list[Step]:
        return verification_steps()

    def complete(self, ctx: Context) -> list[Reply]:
        upcoming = _open_appointments(ctx)
        if not upcoming:
            return [
                Reply(
                    _("You have no upcoming appointments."),
                    [Choice("flow:book_appointment", _("Book an appointment"))],
                )
            ]
        lines = [
            f"{a.code}: {a.official.employee.name}, {_when(a.start)} ({a.get_state_display()})"
            for a in upcoming
        ]
        return [
            Reply(
                _("Your upcoming appointments:") + "\n" + "\n".join(lines),
                [Choice("flow:change_appointment", _("Change or cancel"))],
            )
        ]


class AppointmentStep(ChoiceStep):
    name = "appointment"

    def options(self, ctx: Context) -> list[Choice]:
        return [
            Choice(a.code, _when(a.start)[:24], a.official.employee.name[:72])
            for a in _open_appointments(ctx)
        ]

    def prompt(self, ctx: Context) -> str:
        return _("Which appointment?")

    def empty_message(self, ctx: Context) -> str:
        return _("You have no upcoming appointments to change. Type menu to go back.")


class ChangeStep(ChoiceStep):
    name = "change"

    def skip(self, ctx: Context) -> bool:
        return False

    def options(self, ctx: Context) -> list[Choice]:
        return [Choice("reschedule", _("Another time")), Choice("cancel", _("Cancel it"))]

    def prompt(self, ctx: Context) -> str:
        return _("Would you like another time, or to cancel?")


def _chosen(ctx: Context) -> Any:
    from civicgate.appointments.models import Appointment

    citizen = ctx.conversation.citizen
    return (
        Appointment.objects.select_related("official__employee", "requested_official")
        .filter(code=ctx.slots.get("appointment", ""), citizen=citizen)
        .first()
    )


class NewSlotStep(ChoiceStep):
    name = "new_slot"

    def skip(self, ctx: Context) -> bool:
        return ctx.slots.get("change") != "reschedule"

    def options(self, ctx: Context) -> list[Choice]:
        appointment = _chosen(ctx)
        return _slot_choices(
            appointment.requested_official or appointment.official if appointment else None
        )

    def prompt(self, ctx: Context) -> str:
        return _("These are the free times. Which suits you?")


def _change_summary(ctx: Context) -> str:
    appointment = _chosen(ctx)
    when = _when(appointment.start) if appointment else ""
    if ctx.slots.get("change") == "cancel":
        return _("Cancel your appointment on %(when)s?") % {"when": when}
    return _("Move your appointment from %(when)s to %(new)s?") % {
        "when": when,
        "new": _when(datetime.fromisoformat(ctx.slots["new_slot"])),
    }


@register
class ChangeAppointmentFlow(_AppointmentsFlow):
    intent = "change_appointment"
    menu_order = None

    def title(self) -> str:
        return _("Change an appointment")

    def steps(self) -> list[Step]:
        return [
            *verification_steps(),
            AppointmentStep(),
            ChangeStep(),
            NewSlotStep(),
            ConfirmStep(_change_summary),
        ]

    def complete(self, ctx: Context) -> list[Reply]:
        from civicgate.appointments.actions import (
            AppointmentError,
            cancel_appointment,
            reschedule_appointment,
        )

        if ctx.slots.get("confirm") != "yes":
            return [Reply(_("Nothing was changed."))]
        appointment = _chosen(ctx)
        citizen = ctx.conversation.citizen
        if appointment is None or citizen is None:
            return [Reply(_("Something changed while we talked. Please start again."))]
        try:
            if ctx.slots.get("change") == "cancel":
                cancel_appointment(appointment=appointment, actor=citizen)
                return [Reply(_("Your appointment is cancelled, and its gate pass withdrawn."))]
            moved = reschedule_appointment(
                appointment=appointment,
                start=datetime.fromisoformat(ctx.slots["new_slot"]),
                citizen=citizen,
            )
        except AppointmentError as exc:
            return [Reply(exc.message)]
        return _pass_replies(moved)
