"""Gate pass: verified mobile, office, whom to visit, purpose, day, name -> passes.request_pass."""

from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgate.chatbot.flows import register
from civicgate.chatbot.flows.base import (
    Choice,
    ChoiceStep,
    ConfirmStep,
    Context,
    DayStep,
    Flow,
    Invalid,
    Reply,
    Step,
    TextStep,
)
from civicgate.chatbot.flows.verify import verification_steps
from civicgate.org.models import Department, Office, Official
from civicgate.passes import citizen_actions
from civicgate.passes.forms import departments_of, officials_of
from civicgate.passes.models import GatePass

OPEN_AT = time(9, 0)
CLOSE_AT = time(18, 0)
HOSTS_SHOWN = 10


class OfficeStep(ChoiceStep):
    name = "office"

    def options(self, ctx: Context) -> list[Choice]:
        return [
            Choice(o.code, o.name[:24], o.name[24:96])
            for o in Office.objects.filter(active=True).order_by("code")[:HOSTS_SHOWN]
        ]

    def prompt(self, ctx: Context) -> str:
        return _("Which office are you visiting?")

    def empty_message(self, ctx: Context) -> str:
        return _("No office is taking visitors at the moment.")


def _office(ctx: Context) -> Office | None:
    return Office.objects.filter(code=ctx.slots.get("office", ""), active=True).first()


class HostStep(ChoiceStep):
    name = "host"

    def options(self, ctx: Context) -> list[Choice]:
        office = _office(ctx)
        choices = [
            Choice(
                f"official:{o.code}",
                o.employee.name[:24],
                f"{o.title}, {o.employee.department}"[:72],
            )
            for o in officials_of(office)[: HOSTS_SHOWN // 2]
        ]
        choices += [
            Choice(f"department:{d.code}", d.localized_name[:24], _("Department"))
            for d in departments_of(office)[: HOSTS_SHOWN - len(choices)]
        ]
        return choices

    def prompt(self, ctx: Context) -> str:
        return _(
            "Whom are you visiting? Choose the official, or the department if you do not know whom to meet."
        )

    def empty_message(self, ctx: Context) -> str:
        return _(
            "Nobody at this office receives visitors through the chat. Please ask at the gate desk."
        )


class PurposeStep(TextStep):
    name = "purpose"
    min_length = 3

    def prompt(self, ctx: Context) -> str:
        return _("What is the purpose of your visit? For example: new water connection.")


class VisitDayStep(DayStep):
    name = "day"

    def prompt(self, ctx: Context) -> str:
        return _("Which day will you come? Choose, or type the date as DD-MM-YYYY.")

    def parse(self, ctx: Context, incoming: Any) -> Any:
        value = super().parse(ctx, incoming)
        if value == timezone.localdate().isoformat() and timezone.localtime().time() >= CLOSE_AT:
            raise Invalid(_("The offices have closed for today. Please choose another day."))
        return value


class NameStep(TextStep):
    name = "name"

    def skip(self, ctx: Context) -> bool:
        citizen = ctx.conversation.citizen
        if citizen is not None and citizen.name:
            ctx.slots[self.name] = citizen.name
            return True
        return False

    def prompt(self, ctx: Context) -> str:
        return _("Your name, as on the identity document you will carry?")


def window(day: str) -> tuple[datetime, datetime]:
    visit = datetime.fromisoformat(day).date()
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(visit, OPEN_AT), tz)
    end = timezone.make_aware(datetime.combine(visit, CLOSE_AT), tz)
    now = timezone.now()
    return max(start, now.replace(second=0, microsecond=0)), end


def _host(ctx: Context) -> tuple[Official | None, Department | None, str]:
    kind, _sep, code = str(ctx.slots.get("host", "")).partition(":")
    if kind == "official":
        official = Official.objects.select_related("employee").filter(code=code).first()
        return official, None, official.employee.name if official else ""
    department = Department.objects.filter(code=code).first()
    return None, department, department.localized_name if department else ""


def _summary(ctx: Context) -> str:
    office = _office(ctx)
    _official, _department, host = _host(ctx)
    day = datetime.fromisoformat(ctx.slots["day"]).date().strftime("%d-%m-%Y")
    return _(
        "Please check your pass request:\nOffice: %(office)s\nVisiting: %(host)s\n"
        "Purpose: %(purpose)s\nDay: %(day)s\nName: %(name)s"
    ) % {
        "office": office.name if office else "",
        "host": host,
        "purpose": ctx.slots.get("purpose", ""),
        "day": day,
        "name": ctx.slots.get("name", ""),
    }


def qr_url(gate_pass: GatePass) -> str:
    path = reverse("passes:pass_qr", args=[gate_pass.code, "png"])
    signature = citizen_actions.link_signature(gate_pass.code)
    return f"{settings.SITE_URL.rstrip('/')}{path}?{citizen_actions.LINK_PARAM}={signature}"


@register
class GatePassFlow(Flow):
    intent = "gate_pass"
    menu_order = 10
    needs_mobile = True

    def title(self) -> str:
        return _("Gate pass")

    def steps(self) -> list[Step]:
        return [
            *verification_steps(),
            OfficeStep(),
            HostStep(),
            PurposeStep(),
            VisitDayStep(),
            NameStep(),
            ConfirmStep(_summary),
        ]

    def start(self, ctx: Context) -> list[Reply]:
        return [Reply(_("Let us get you a gate pass. It takes a minute."))]

    def complete(self, ctx: Context) -> list[Reply]:
        if ctx.slots.get("confirm") != "yes":
            return [Reply(_("I have not asked for the pass. Type menu to start again."))]
        citizen = ctx.conversation.citizen
        office = _office(ctx)
        official, department, _name = _host(ctx)
        if citizen is None or office is None or (official is None and department is None):
            return [Reply(_("Something changed while we talked. Please start the pass again."))]
        start, end = window(ctx.slots["day"])
        wanted = citizen_actions.PassRequest(
            office=office,
            host_official=official,
            host_department=department,
            valid_from=start,
            valid_until=end,
            purpose=str(ctx.slots["purpose"]),
            name=str(ctx.slots["name"]),
        )
        try:
            gate_pass = citizen_actions.request_pass(
                citizen=citizen, wanted=wanted, language=ctx.language
            )
        except citizen_actions.TooManyRequests as exc:
            return [Reply(exc.message)]
        except ValidationError as exc:
            return [Reply(" ".join(exc.messages))]
        url = citizen_actions.pass_url(gate_pass)
        if gate_pass.state != GatePass.State.ISSUED:
            return [
                Reply(
                    _(
                        "Your pass request %(code)s is waiting for the host's approval. "
                        "You will get a message when it is approved: %(url)s"
                    )
                    % {"code": gate_pass.code, "url": url}
                )
            ]
        until = timezone.localtime(gate_pass.valid_until).strftime("%d-%m-%Y %H:%M")
        return [
            Reply(
                _(
                    "Your gate pass %(code)s for %(office)s is ready, valid until %(until)s. "
                    "Show this QR code at the gate. Pass: %(url)s"
                )
                % {"code": gate_pass.code, "office": office.name, "until": until, "url": url},
                image_url=qr_url(gate_pass),
            )
        ]
