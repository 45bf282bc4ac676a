"""What gets planted in post text: personal data, and look-alikes that must survive.

Each kind is a value maker plus sentences in English, Bokmål and Dutch that
carry the value at `{v}`. A decoy kind's `category` names the personal-data
category it could be mistaken for.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from trainright.synth import _identifiers as ids
from trainright.synth import _values as val

LANGS = ("en", "nb", "nl")
Maker = Callable[[random.Random, str], str]


@dataclass(frozen=True)
class Kind:
    """One way of planting a value in a post."""

    name: str
    category: str
    decoy: bool
    make: Maker
    templates: dict[str, tuple[str, ...]]
    weight: dict[str, float]  # per language; how often this kind is picked


def _same(make: Callable[[random.Random], str]) -> Maker:
    return lambda rng, lang: make(rng)


def _failing(make: Maker) -> Maker:
    """A decoy maker that never yields digits some checksum would accept."""

    def made(rng: random.Random, lang: str) -> str:
        while ids.passes_any_check(value := make(rng, lang)):
            pass
        return value

    return made


def _word(word: str) -> Maker:
    return lambda rng, lang: word


def _w(en: float, nb: float, nl: float) -> dict[str, float]:
    return {"en": en, "nb": nb, "nl": nl}


PII: tuple[Kind, ...] = (
    Kind(
        "email",
        "email",
        False,
        val.email,
        {
            "en": (
                "Questions? Mail me at {v}",
                "Send the photos to {v} please!",
                "DM me or email {v} if you want the tickets.",
            ),
            "nb": (
                "Send meg en e-post på {v} hvis du vil ha billettene.",
                "Bilder kan sendes til {v}",
                "Spørsmål? Skriv til {v}",
            ),
            "nl": (
                "Mail me op {v} voor meer info.",
                "Foto's graag naar {v} sturen!",
                "Interesse? Stuur een mailtje naar {v}",
            ),
        },
        _w(3, 3, 3),
    ),
    Kind(
        "phone",
        "phone",
        False,
        val.phone,
        {
            "en": (
                "Call or text {v} after 5pm.",
                "Still for sale, ring {v}",
                "Lost dog near the station, call {v} if you see him!",
            ),
            "nb": (
                "Ring meg på {v} hvis du er interessert.",
                "Fortsatt ledig, send SMS til {v}",
                "Savner katten vår, ring {v} om du ser henne!",
            ),
            "nl": (
                "Bel of app me op {v}.",
                "Nog beschikbaar, bel {v}",
                "Hond kwijt bij het station, bel {v} als je hem ziet!",
            ),
        },
        _w(3, 3, 3),
    ),
    Kind(
        "fodselsnummer",
        "national_id",
        False,
        _same(ids.fodselsnummer_valid),
        {
            "en": ("The school form keeps rejecting my son's ID number {v}??",),
            "nb": (
                "Fødselsnummeret mitt er {v}, hvorfor får jeg feilmelding hos NAV?",
                "Skjemaet godtar ikke {v} som fødselsnummer, noen som vet hvorfor?",
            ),
            "nl": ("Mijn Noorse personnummer is {v}, klopt dat formulier wel?",),
        },
        _w(0.5, 2, 0.2),
    ),
    Kind(
        "d_number",
        "national_id",
        False,
        lambda r, lang: ids.fodselsnummer_valid(r, True),
        {
            "en": ("Got my Norwegian D-number today: {v} 🎉",),
            "nb": ("Fikk endelig D-nummer: {v}, nå kan jeg åpne bankkonto!",),
            "nl": ("Eindelijk mijn Noorse D-nummer: {v}",),
        },
        _w(0.3, 1, 0.2),
    ),
    Kind(
        "bsn",
        "national_id",
        False,
        _same(ids.bsn_valid),
        {
            "en": ("Dutch tax office asked for my BSN again: {v}",),
            "nb": ("Nederlandsk BSN: {v}, trenger jeg det i Norge?",),
            "nl": (
                "Mijn BSN is {v}, waarom zegt DigiD dat het niet klopt?",
                "Zorgverzekeraar vraagt om BSN {v} van mijn dochter, is dat normaal?",
            ),
        },
        _w(0.4, 0.2, 2),
    ),
    Kind(
        "iban",
        "iban",
        False,
        _same(ids.iban_valid),
        {
            "en": (
                "You can pay the deposit to {v}, thanks!",
                "Fundraiser for the school trip, IBAN {v}",
            ),
            "nb": ("Innsamling til klassetur, konto {v}", "Vipps eller overfør til {v}"),
            "nl": ("Tikkie werkt niet, maak maar over naar {v}", "Inzameling voor de buurt: {v}"),
        },
        _w(2, 2, 2),
    ),
    Kind(
        "card",
        "payment_card",
        False,
        _same(ids.card_valid),
        {
            "en": ("Someone used my card {v} in another country, bank is on it.",),
            "nb": ("Kortet mitt {v} ble misbrukt, sperret nå.",),
            "nl": ("Iemand heeft mijn pas {v} gebruikt in het buitenland!",),
        },
        _w(1.5, 1.5, 1.5),
    ),
    Kind(
        "ipv4",
        "ip",
        False,
        val.ipv4,
        {
            "en": ("My router says my IP is {v}, why is the game still blocked?",),
            "nb": ("Får ikke koblet til, IP-adressen er {v}",),
            "nl": ("Mijn IP-adres is {v}, waarom werkt de server niet?",),
        },
        _w(1, 1, 1),
    ),
    Kind(
        "ipv6",
        "ip",
        False,
        val.ipv6,
        {
            "en": ("Port forwarding to {v} still not working.",),
            "nb": ("Ruteren ga meg {v}, hva gjør jeg nå?",),
            "nl": ("Mijn modem geeft {v} als adres.",),
        },
        _w(0.5, 0.5, 0.5),
    ),
    Kind(
        "gps_decimal",
        "gps",
        False,
        val.gps_decimal,
        {
            "en": ("Found the perfect picnic spot: {v}",),
            "nb": ("Fant den perfekte teltplassen: {v}",),
            "nl": ("Mooiste plekje om te picknicken: {v}",),
        },
        _w(1, 1, 1),
    ),
    Kind(
        "gps_dms",
        "gps",
        False,
        val.gps_dms,
        {
            "en": ("Our cabin is at {v} if anyone wants to drop by.",),
            "nb": ("Hytta ligger på {v}, stikk innom!",),
            "nl": ("Ons huisje staat op {v}, kom gerust langs.",),
        },
        _w(0.7, 0.7, 0.7),
    ),
    Kind(
        "gps_hemisphere",
        "gps",
        False,
        val.gps_hemisphere,
        {
            "en": ("Geocache hidden at {v} 😉",),
            "nb": ("Geocachen ligger på {v}",),
            "nl": ("Geocache verstopt op {v}",),
        },
        _w(0.5, 0.5, 0.5),
    ),
    Kind(
        "relative_f",
        "person_name",
        False,
        val.person_female,
        {
            "en": (
                "Visited my grandmother {v} today, she turns 90 next week.",
                "My aunt {v} still makes the best apple pie.",
            ),
            "nb": (
                "Besøkte bestemor {v} i dag, hun fyller 90 neste uke.",
                "Tante {v} baker fortsatt de beste bollene.",
            ),
            "nl": (
                "Op bezoek bij oma {v}, ze wordt 90!",
                "Tante {v} maakt nog steeds de lekkerste appeltaart.",
            ),
        },
        _w(2, 2, 2),
    ),
    Kind(
        "relative_m",
        "person_name",
        False,
        val.person_male,
        {
            "en": (
                "My grandfather {v} taught me to fish on this lake.",
                "Miss you every day, uncle {v}.",
            ),
            "nb": ("Morfar {v} lærte meg å fiske her.", "Savner deg hver dag, onkel {v}."),
            "nl": ("Opa {v} leerde me hier vissen.", "We missen je elke dag, oom {v}."),
        },
        _w(2, 2, 2),
    ),
)

_LOOKALIKES = (
    Kind(
        "order_number",
        "national_id",
        True,
        val.order_number,
        {
            "en": ("Order {v} still hasn't shipped, two weeks now.",),
            "nb": ("Ordre {v} har fortsatt ikke kommet, to uker nå.",),
            "nl": ("Bestelling {v} is na twee weken nog steeds niet binnen.",),
        },
        _w(2, 2, 2),
    ),
    Kind(
        "price",
        "phone",
        True,
        val.price,
        {
            "en": ("Got it on sale for {v}, what a deal.", "Asking {v}, pick up only."),
            "nb": ("Fikk den på salg for {v}, for en deal.", "Selges for {v}, må hentes."),
            "nl": ("Op de kop getikt voor {v}, wat een koopje.", "Vraagprijs {v}, alleen ophalen."),
        },
        _w(2, 2, 2),
    ),
    Kind(
        "date",
        "national_id",
        True,
        val.calendar_date,
        {
            "en": ("Save the date: {v}!", "Tickets go on sale {v}."),
            "nb": ("Sett av datoen: {v}!", "Billettsalget starter {v}."),
            "nl": ("Noteer alvast: {v}!", "Kaartverkoop start op {v}."),
        },
        _w(2, 2, 2),
    ),
    Kind(
        "version",
        "ip",
        True,
        val.version,
        {
            "en": ("Anyone else lost their photos after updating to {v}?",),
            "nb": ("Noen andre som mistet bilder etter oppdatering til {v}?",),
            "nl": ("Iemand anders foto's kwijt na de update naar {v}?",),
        },
        _w(1, 1, 1),
    ),
    Kind(
        "fodselsnummer_bad",
        "national_id",
        True,
        _same(ids.fodselsnummer_invalid),
        {
            "en": ("Customer number {v}, still waiting for a reply.",),
            "nb": ("Kundenummer {v}, venter fortsatt på svar.",),
            "nl": ("Klantnummer {v}, nog steeds geen antwoord.",),
        },
        _w(1, 1.5, 1),
    ),
    Kind(
        "bsn_bad",
        "national_id",
        True,
        _same(ids.bsn_invalid),
        {
            "en": ("Tracking number {v} says delivered, it is not.",),
            "nb": ("Sporingsnummer {v} sier levert, men nei.",),
            "nl": ("Zendingnummer {v} zegt bezorgd, maar niks gekregen.",),
        },
        _w(1, 1, 1.5),
    ),
    Kind(
        "iban_bad",
        "iban",
        True,
        _same(ids.iban_invalid),
        {
            "en": ("Scam alert: they ask you to pay to {v}, don't!",),
            "nb": ("Svindelvarsel: de ber deg betale til {v}, ikke gjør det!",),
            "nl": ("Let op, oplichters vragen om te betalen naar {v}!",),
        },
        _w(1, 1, 1),
    ),
    Kind(
        "card_bad",
        "payment_card",
        True,
        _same(ids.card_invalid),
        {
            "en": ("Gift card code {v} didn't work at the checkout.",),
            "nb": ("Gavekortkoden {v} virket ikke i kassa.",),
            "nl": ("Cadeaukaartcode {v} werkt niet bij het afrekenen.",),
        },
        _w(1, 1, 1),
    ),
    Kind(
        "word_will",
        "person_name",
        True,
        _word("Will"),
        {
            "en": ("{v} anyone be at the market tomorrow?",),
            "nb": ("{v} you be there? spurte turisten, og vi bare nikket.",),
            "nl": ("{v} you marry me? stond er op het spandoek 😍",),
        },
        _w(1.5, 0.3, 0.3),
    ),
    Kind(
        "word_park",
        "person_name",
        True,
        _word("Park"),
        {
            "en": ("{v} behind the school, the front lot is closed.",),
            "nb": ("{v} and ride ved stasjonen er full igjen.",),
            "nl": ("{v} and ride bij het station staat weer vol.",),
        },
        _w(1, 0.5, 0.5),
    ),
    Kind(
        "word_post",
        "person_name",
        True,
        _word("Post"),
        {
            "en": ("{v} office hours changed again, of course.",),
            "nb": ("{v} i butikk er flyttet til Kiwi.",),
            "nl": ("{v} komt hier pas om vijf uur 's middags.",),
        },
        _w(1, 1, 1),
    ),
    Kind(
        "word_sol",
        "person_name",
        True,
        _word("Sol"),
        {
            "en": ("{v} y sombra: half the terrace in the sun, perfect.",),
            "nb": ("{v} og sommer hele uka, nyt det!",),
            "nl": ("{v} y sombra op het terras, heerlijk.",),
        },
        _w(0.2, 1, 0.2),
    ),
    Kind(
        "word_roos",
        "person_name",
        True,
        _word("Roos"),
        {
            "en": ("{v} means rose in Dutch, learned that today.",),
            "nb": ("{v} betyr rose på nederlandsk, lærte det i dag.",),
            "nl": ("{v} of tulp voor moederdag?",),
        },
        _w(0.1, 0.1, 1),
    ),
)
DECOYS: tuple[Kind, ...] = tuple(replace(k, make=_failing(k.make)) for k in _LOOKALIKES)

#: Sentences naming a platform account (its display name at `{v}`) that is mentioned.
MENTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "Great evening with {v}!",
        "Thanks {v} for the lift 🙏",
        "Happy birthday {v}! 🎂",
        "Congrats {v}, well deserved.",
        "{v} you have to try this place.",
    ),
    "nb": (
        "Fin kveld med {v}!",
        "Takk {v} for skyssen 🙏",
        "Gratulerer med dagen {v}! 🎂",
        "Gratulerer {v}, velfortjent.",
        "{v} dette stedet må du prøve.",
    ),
    "nl": (
        "Gezellige avond met {v}!",
        "Bedankt {v} voor de lift 🙏",
        "Gefeliciteerd {v}! 🎂",
        "Proficiat {v}, verdiend.",
        "{v} hier moet je echt eens heen.",
    ),
}
