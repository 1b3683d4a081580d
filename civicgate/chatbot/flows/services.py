"""Department service flows: property-tax dues, water-supply and civic complaints (category,
location pin, photo, tracking number), building-plan and advertisement status, tracking any
request by number and rating it once resolved. They call civicgate.services only."""

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

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
from civicgate.chatbot.flows.verify import verification_steps
from civicgate.chatbot.language import ascii_digits, normalise, parse_number
from civicgate.chatbot.models import Channel

logger = logging.getLogger(__name__)

WATER = ("ws-no-water", "ws-low-pressure", "ws-leakage", "ws-dirty-water")
CIVIC = ("swm-garbage", "lgt-street-light", "rd-road-damage", "ds-drainage", "hlt-mosquito")
SKIP = "skip"
SKIP_WORDS = {"skip", "no", "none", "na", "nahi", "না", "नहीं", "বাদ", "छोड़ें"}


def _services_ready() -> bool:
    try:
        import civicgate.services.actions
        import civicgate.services.lookups  # noqa: F401
    except ImportError:
        return False
    return True


def _service(slug: str) -> Any:
    from civicgate.services.models import Service

    return Service.objects.filter(slug=slug, active=True).first()


def _date(value: Any) -> str:
    return value.strftime("%d-%m-%Y") if value else "—"


class NumberStep(TextStep):
    """A reference number (assessee, plan case, permission, tracking), any script's digits."""

    name = "number"
    min_length = 3
    max_length = 40

    def __init__(self, prompt: str):
        self._prompt = prompt

    def prompt(self, ctx: Context) -> str:
        return self._prompt

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        return ascii_digits(super().parse(ctx, incoming)).replace(" ", "").upper()


class LookupFlow(Flow):
    def available(self) -> bool:
        return _services_ready()


@register
class PropertyTaxFlow(LookupFlow):
    intent = "property_tax"
    menu_order = 40

    def title(self) -> str:
        return _("Property tax dues")

    def steps(self) -> list[Step]:
        return [NumberStep(_("Type the 12-digit assessee number from your tax bill."))]

    def complete(self, ctx: Context) -> list[Reply]:
        from civicgate.services.lookups import property_tax_dues

        dues = property_tax_dues(str(ctx.slots["number"]), ctx.conversation.citizen)
        if dues is None:
            return [Reply(_("No assessment has that number. Please check it on your tax bill."))]
        text = _(
            "Assessee %(number)s (ward %(ward)s)\nTotal due: Rs %(total)s, arrears Rs %(arrears)s\n"
            "Next due date: %(next)s\nPay online: %(url)s"
        ) % {
            "number": dues.assessee_no,
            "ward": dues.ward,
            "total": dues.total_due,
            "arrears": dues.arrears,
            "next": _date(dues.next_due_date),
            "url": dues.payment_url,
        }
        return [Reply(text)]


def _status_text(result: Any) -> str:
    return _("%(kind)s %(number)s: %(status)s since %(since)s.") % {
        "kind": result.kind,
        "number": result.number,
        "status": result.status_label,
        "since": _date(timezone.localtime(result.since)),
    }


@register
class BuildingPlanFlow(LookupFlow):
    intent = "building_plan"
    menu_order = 80

    def title(self) -> str:
        return _("Building plan status")

    def steps(self) -> list[Step]:
        return [NumberStep(_("Type the plan case number of your building plan application."))]

    def complete(self, ctx: Context) -> list[Reply]:
        from civicgate.services.lookups import plan_status

        result = plan_status(str(ctx.slots["number"]), ctx.conversation.citizen)
        if result is None:
            return [Reply(_("No building plan application has that number."))]
        return [Reply(_status_text(result))]


@register
class AdvertisementFlow(LookupFlow):
    intent = "advertisement"
    menu_order = None

    def title(self) -> str:
        return _("Advertisement permission")

    def steps(self) -> list[Step]:
        return [NumberStep(_("Type the number of your advertisement permission or application."))]

    def complete(self, ctx: Context) -> list[Reply]:
        from civicgate.services.lookups import permission_status

        result = permission_status(str(ctx.slots["number"]), ctx.conversation.citizen)
        if result is None:
            return [Reply(_("No advertisement permission has that number."))]
        text = _status_text(result)
        if result.valid_until:
            text += "\n" + _("Valid until %(date)s.") % {"date": _date(result.valid_until)}
        return [Reply(text)]


class RatingStep(ChoiceStep):
    """Offered only for the citizen's own request once resolved."""

    name = "rating"

    def skip(self, ctx: Context) -> bool:
        from civicgate.services.models import ServiceRequest
        from civicgate.services.selectors import track

        found = track(str(ctx.slots.get("number", "")))
        citizen = ctx.conversation.citizen
        if found is None or citizen is None or found.state != ServiceRequest.State.RESOLVED:
            return True
        return not ServiceRequest.objects.filter(number=found.number, citizen=citizen).exists()

    def options(self, ctx: Context) -> list[Choice]:
        stars = [_("1 - Poor"), _("2"), _("3"), _("4"), _("5 - Excellent")]
        return [Choice(f"rate:{n}", stars[n - 1]) for n in range(1, 6)] + [
            Choice(SKIP, _("Not now"))
        ]

    def prompt(self, ctx: Context) -> str:
        return _("Your request is resolved. How well was it done? Rate from 1 to 5.")


@register
class TrackRequestFlow(LookupFlow):
    intent = "track_request"
    menu_order = 70

    def title(self) -> str:
        return _("Track a request")

    def steps(self) -> list[Step]:
        return [NumberStep(_("Type the tracking number of your request.")), RatingStep()]

    def start(self, ctx: Context) -> list[Reply]:
        return []

    def complete(self, ctx: Context) -> list[Reply]:
        from civicgate.services.actions import RequestRefused, rate_request
        from civicgate.services.selectors import track

        found = track(str(ctx.slots["number"]))
        if found is None:
            return [Reply(_("No request has that tracking number. Please check it."))]
        rating = str(ctx.slots.get("rating", ""))
        if rating.startswith("rate:") and ctx.conversation.citizen is not None:
            try:
                rate_request(found.number, int(rating[5:]), citizen=ctx.conversation.citizen)
            except RequestRefused as exc:
                return [Reply(exc.message)]
            return [Reply(_("Thank you for your rating."))]
        text = _("%(service)s %(number)s: %(state)s. Filed on %(filed)s.") % {
            "service": found.service,
            "number": found.number,
            "state": found.state_label,
            "filed": _date(timezone.localtime(found.submitted_at)),
        }
        if found.due_at and not found.resolved_at:
            text += " " + _("Expected by %(date)s.") % {
                "date": _date(timezone.localtime(found.due_at))
            }
        return [Reply(text)]


class CategoryStep(ChoiceStep):
    name = "service"

    def __init__(self, slugs: tuple[str, ...]):
        self.slugs = slugs

    def options(self, ctx: Context) -> list[Choice]:
        from civicgate.services.models import Service

        found = {s.slug: s for s in Service.objects.filter(slug__in=self.slugs, active=True)}
        return [
            Choice(
                slug,
                found[slug].name_in(ctx.language)[:24],
                found[slug].name_in(ctx.language)[24:96],
            )
            for slug in self.slugs
            if slug in found
        ]

    def prompt(self, ctx: Context) -> str:
        return _("What is the problem?")


def _parse_location(incoming: Incoming) -> dict[str, Any] | None:
    if incoming.location:
        return dict(incoming.location)
    raw = incoming.choice[4:] if incoming.choice.startswith("geo:") else ascii_digits(incoming.text)
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) != 2:
        return None
    try:
        latitude, longitude = Decimal(parts[0]), Decimal(parts[1])
    except InvalidOperation:
        return None
    return {"latitude": float(latitude), "longitude": float(longitude), "name": "", "address": ""}


class LocationStep(Step):
    name = "location"

    def _mode(self, ctx: Context) -> str:
        service = _service(str(ctx.slots.get("service", "")))
        return str(service.location) if service else "none"

    def skip(self, ctx: Context) -> bool:
        return self._mode(ctx) == "none"

    def ask(self, ctx: Context) -> Reply:
        if ctx.conversation.channel == Channel.WHATSAPP:
            text = _("Share the location of the problem: tap the attach button, then Location.")
        else:
            text = _("Share the location of the problem, or type it as latitude, longitude.")
        choices = (
            [Choice("geo:ask", _("Share my location"))]
            if ctx.conversation.channel == Channel.WEB
            else []
        )
        if self._mode(ctx) == "optional":
            choices.append(Choice(SKIP, _("Skip")))
        return Reply(text, choices)

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        if self._mode(ctx) == "optional" and (
            incoming.choice == SKIP or normalise(incoming.text) in SKIP_WORDS
        ):
            return None
        found = _parse_location(incoming)
        if found is None or not (
            -90 <= found["latitude"] <= 90 and -180 <= found["longitude"] <= 180
        ):
            raise Invalid(_("I need the location pin of the problem so the team can find it."))
        return found


class WardStep(TextStep):
    name = "ward"
    min_length = 1

    def prompt(self, ctx: Context) -> str:
        return _("Which ward is it in? Type the ward number (1 to 144).")

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        number = parse_number(incoming.text)
        if number is None or not 1 <= number <= 144:
            raise Invalid(_("Type the ward number, from 1 to 144."))
        return number


class DescriptionStep(TextStep):
    name = "description"
    min_length = 5

    def prompt(self, ctx: Context) -> str:
        return _("Describe the problem in a few words (since when, how bad).")


class PhotoStep(Step):
    name = "photo"

    def skip(self, ctx: Context) -> bool:
        service = _service(str(ctx.slots.get("service", "")))
        return (
            service is None
            or not service.accepts_photos
            or ctx.conversation.channel != Channel.WHATSAPP
        )

    def ask(self, ctx: Context) -> Reply:
        return Reply(_("A photo helps the team. Send one now, or skip."), [Choice(SKIP, _("Skip"))])

    def parse(self, ctx: Context, incoming: Incoming) -> Any:
        if incoming.image:
            return dict(incoming.image)
        if incoming.choice == SKIP or normalise(incoming.text) in SKIP_WORDS:
            return None
        raise Invalid(_("Please send a photo, or choose Skip."))


def _complaint_summary(ctx: Context) -> str:
    service = _service(str(ctx.slots.get("service", "")))
    return _(
        "Please check your complaint:\nProblem: %(service)s\nWard: %(ward)s\nDetails: %(text)s\n"
        "Location: %(location)s\nPhoto: %(photo)s"
    ) % {
        "service": service.name_in(ctx.language) if service else "",
        "ward": ctx.slots.get("ward", ""),
        "text": ctx.slots.get("description", ""),
        "location": _("shared") if ctx.slots.get("location") else _("not shared"),
        "photo": _("attached") if ctx.slots.get("photo") else _("none"),
    }


def _photo_bytes(photo: dict[str, Any] | None) -> list[bytes]:
    """The WhatsApp photo's bytes from the Graph API; a complaint is filed without it if the
    download fails."""
    if not photo or not photo.get("id"):
        return []
    from civicgate.chatbot.channels.media import download

    data = download(str(photo["id"]))
    return [data] if data else []


class ComplaintFlow(Flow):
    needs_mobile = True
    categories: tuple[str, ...] = ()

    def available(self) -> bool:
        return _services_ready()

    def steps(self) -> list[Step]:
        return [
            *verification_steps(),
            CategoryStep(self.categories),
            LocationStep(),
            WardStep(),
            DescriptionStep(),
            PhotoStep(),
            ConfirmStep(_complaint_summary),
        ]

    def complete(self, ctx: Context) -> list[Reply]:
        from civicgate.services.actions import RequestRefused, submit_request
        from civicgate.services.models import ServiceRequest

        if ctx.slots.get("confirm") != "yes":
            return [Reply(_("I have not filed the complaint. Type menu to start again."))]
        citizen = ctx.conversation.citizen
        if citizen is None:
            return [Reply(_("Something changed while we talked. Please start again."))]
        location = ctx.slots.get("location") or {}
        channel = (
            ServiceRequest.Channel.WHATSAPP
            if ctx.conversation.channel == Channel.WHATSAPP
            else ServiceRequest.Channel.CHATBOT
        )
        try:
            filed = submit_request(
                citizen=citizen,
                service=str(ctx.slots["service"]),
                description=str(ctx.slots["description"]),
                ward=int(ctx.slots["ward"]),
                address=str(location.get("address") or location.get("name") or ""),
                latitude=location.get("latitude"),
                longitude=location.get("longitude"),
                photos=_photo_bytes(ctx.slots.get("photo")),
                channel=channel,
                language=ctx.language,
            )
        except RequestRefused as exc:
            return [Reply(exc.message)]
        return [
            Reply(
                _(
                    "Your complaint is filed. Tracking number: %(number)s. Type track any time "
                    "to follow it."
                )
                % {"number": filed.number}
            )
        ]


@register
class WaterSupplyFlow(ComplaintFlow):
    intent = "water_supply"
    menu_order = 50
    categories = WATER

    def title(self) -> str:
        return _("Water supply problem")


@register
class CivicComplaintFlow(ComplaintFlow):
    intent = "complaint"
    menu_order = 60
    categories = CIVIC

    def title(self) -> str:
        return _("Other complaint")
