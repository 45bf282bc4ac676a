"""A hand-labelled evaluation corpus for SPEC §6 text redaction (English, Bokmål, Dutch).

Each case is a post, the personal data in it (category and the exact text, in order) and
the look-alikes that must survive (order numbers, prices, dates, versions, numbers with a
wrong check digit, everyday words that are also names). `score` aligns the expected and the
actual redaction and counts, per category, true positives, false positives and misses.
The test suite asserts the targets on it; `bench/minimise.py` prints the report.
All identifiers are made up; the checksummed ones were computed to pass (or, as decoys,
to fail) the python-stdnum checks.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from trainright.minimise.detect import PATTERN_DETECTORS, PERSON_NAME, PERSON_PLACEHOLDER

PLACEHOLDERS = {c: d.placeholder for c, d in PATTERN_DETECTORS.items()}
PLACEHOLDERS[PERSON_NAME] = PERSON_PLACEHOLDER
CATEGORY_OF = {p: c for c, p in PLACEHOLDERS.items()}

# Display names of the platform's accounts that the corpus mentions.
ACCOUNTS = (
    "Kari Nordmann",
    "Ola Nordmann",
    "Zyxie Quorn",
    "Sanne de Boer",
    "Henk Jansen",
    "Lucy Evans",
    "Tormod Aalvik",
    "Pieternel Zwanenburg",
    "Wolfgang Zimmermann",
    "Aisha Rahman",
    "Magnús Gunnarsdóttir",
    "Sarah O'Brien",
    "Smith & Sons",
    "Bakkerij Mulder",
    "Rørlegger Jensen AS",
    "kari88",
    "Bjørn-Erik Solvang",
    "Joost van Arkel",
    "Grace Hopkins",
)


@dataclass(frozen=True)
class Case:
    """A post, its personal data in order of appearance, and what must survive."""

    lang: str
    text: str
    pii: tuple[tuple[str, str], ...] = ()
    keep: tuple[str, ...] = field(default=())

    def expected(self) -> str:
        """The post as it should read after redaction."""
        out, pos = [], 0
        for category, value in self.pii:
            at = self.text.index(value, pos)
            out += (self.text[pos:at], PLACEHOLDERS[category])
            pos = at + len(value)
        out.append(self.text[pos:])
        return "".join(out)


def C(lang: str, text: str, *pii: tuple[str, str], keep: tuple[str, ...] = ()) -> Case:
    return Case(lang, text, pii, keep)


E, P, N, IB, K, IP, G, PN = (
    "email",
    "phone",
    "national_id",
    "iban",
    "payment_card",
    "ip",
    "gps",
    PERSON_NAME,
)

CASES: tuple[Case, ...] = (
    # --- email ---------------------------------------------------------------------------
    C(
        "en",
        "Mail me at kari.nordmann@example.com if you want the bike.",
        (E, "kari.nordmann@example.com"),
    ),
    C("en", "Questions? j.smith+shop@mail.co.uk or call later.", (E, "j.smith+shop@mail.co.uk")),
    C("nb", "Send CV til jobb@bakeri-oslo.no innen fredag.", (E, "jobb@bakeri-oslo.no")),
    C("nb", "Skriv til øyvind.ås@eksempel.no, han vet.", (E, "øyvind.ås@eksempel.no")),
    C("nl", "Mail naar info@fietsenmaker.nl. Groetjes!", (E, "info@fietsenmaker.nl")),
    C(
        "nl",
        "Stuur je foto's naar s.de.boer@ziggo.nl (niet mijn werkadres).",
        (E, "s.de.boer@ziggo.nl"),
    ),
    C("en", "Follow @kari_runs for updates, not an email.", keep=("@kari_runs",)),
    C("en", "Two of us: a@b.io and c_d@e-f.org.", (E, "a@b.io"), (E, "c_d@e-f.org")),
    C(
        "en",
        "Russian shop: a@xn--d1acufc.xn--p1ai or заказ@пример.рф.",
        (E, "a@xn--d1acufc.xn--p1ai"),
        (E, "заказ@пример.рф"),
    ),
    C("nl", "Boeken bij verkoop@bücher.de (Duitse winkel).", (E, "verkoop@bücher.de")),
    # --- phone: NO ---------------------------------------------------------------------------
    C("nb", "Ring meg på 912 34 567 etter fem.", (P, "912 34 567")),
    C("nb", "Tlf: 41234567, spør etter Per.", (P, "41234567"), keep=("Per",)),
    C("nb", "Sentralbordet: 22 12 34 56.", (P, "22 12 34 56")),
    C("nb", "Fra utlandet: +47 912 34 567", (P, "+47 912 34 567")),
    C("nb", "Eller 0047 41 23 45 67 hvis det haster", (P, "0047 41 23 45 67")),
    C("nb", "Ordrenummer 41234567 er sendt.", keep=("41234567",)),
    C("nb", "Det kostet kr 1 299,- på salg.", keep=("1 299,-",)),
    C("nb", "Vi sees 12.05.2026 kl. 18.30.", keep=("12.05.2026",)),
    # --- phone: NL ---------------------------------------------------------------------------
    C("nl", "Bel 06-12345678 als je hem ziet!", (P, "06-12345678")),
    C("nl", "App me: 06 1234 5678", (P, "06 1234 5678")),
    C("nl", "Kantoor 020 123 4567, vraag naar Daan.", (P, "020 123 4567"), (PN, "Daan")),
    C("nl", "Vanuit België: +31 6 12345678", (P, "+31 6 12345678")),
    C("nl", "Of +31 (0)20 123 4567 tijdens kantooruren.", (P, "+31 (0)20 123 4567")),
    C("nl", "Bestelling 2024-510878 komt morgen.", keep=("2024-510878",)),
    C(
        "nl",
        "Prijs € 24,95 per stuk, op 01-05-2024 10 stuks verkocht.",
        keep=("24,95", "01-05-2024 10"),
    ),
    # --- phone: GB / US / DE -------------------------------------------------------------------
    C("en", "Call 07700 900123 about the flat.", (P, "07700 900123")),
    C(
        "en",
        "UK office +44 20 7946 0958, US office +1 (415) 555-0132.",
        (P, "+44 20 7946 0958"),
        (P, "+1 (415) 555-0132"),
    ),
    C("en", "Text (415) 555-0132 or 415-555-0199.", (P, "(415) 555-0132"), (P, "415-555-0199")),
    C("en", "Toll free 1-800-555-0199 all week.", (P, "1-800-555-0199")),
    C(
        "en",
        "Berlin number: 030 12345678, mobile 0151 23456789.",
        (P, "030 12345678"),
        (P, "0151 23456789"),
    ),
    C("en", "German friends: +49 151 23456789", (P, "+49 151 23456789")),
    C("en", "My cousin in Pune: 91-415-555-0132, after 9 IST.", (P, "91-415-555-0132")),
    C("en", "Lost my photos after updating to 6.22.1.14170?", keep=("6.22.1.14170",)),
    C("en", "It was $49.99, now $12,499.99 for the set.", keep=("$49.99", "$12,499.99")),
    C("en", "Order #100234567 shipped on 2024-05-12.", keep=("100234567", "2024-05-12")),
    C("en", "Invoice no. 0012345678 is overdue.", keep=("0012345678",)),
    # --- national ids -------------------------------------------------------------------------
    C("nb", "Fødselsnummeret mitt er 15038512363, ikke del det.", (N, "15038512363")),
    C("nb", "fnr 010190 45788 på skjemaet", (N, "010190 45788")),
    C("nb", "D-nummer: 45068123481", (N, "45068123481")),
    C("nb", "Skolen avviser 15038512361, feil kontrollsiffer.", keep=("15038512361",)),
    C("nb", "Kontonummer 1503.20.80119 er ikke et fødselsnummer.", keep=("1503.20.80119",)),
    C("nl", "Mijn BSN is 908301662, vraag niet waarom.", (N, "908301662")),
    C("nl", "BSN 1318.60.914 stond op de brief.", (N, "1318.60.914")),
    C("nl", "Klantnummer 908301663 (geen BSN, de elfproef klopt niet).", keep=("908301663",)),
    C("en", "My son's ID 29028431188 was rejected again.", (N, "29028431188")),
    C("en", "Ticket 31129921165 is not valid.", keep=("31129921165",)),
    # --- IBAN ---------------------------------------------------------------------------------
    C("nb", "Vipps eller konto NO93 8601 1117 947, takk!", (IB, "NO93 8601 1117 947")),
    C("nb", "IBAN: NO5015032080119", (IB, "NO5015032080119")),
    C("nl", "Maak over naar NL91 ABNA 0417 1643 00 o.v.v. naam.", (IB, "NL91 ABNA 0417 1643 00")),
    C("nl", "Tikkie werkt niet: NL20INGB0001234567", (IB, "NL20INGB0001234567")),
    C("en", "Pay to DE89 3704 0044 0532 0130 00 please.", (IB, "DE89 3704 0044 0532 0130 00")),
    C("en", "UK account GB29 NWBK 6016 1331 9268 19.", (IB, "GB29 NWBK 6016 1331 9268 19")),
    C(
        "en",
        "Scam alert: DE83 2854 4752 6072 0681 43 is fake.",
        keep=("DE83 2854 4752 6072 0681 43",),
    ),
    C(
        "nl",
        "Fout nummer NL92 ABNA 0417 1643 00, niet gebruiken.",
        keep=("NL92 ABNA 0417 1643 00",),
    ),
    C(
        "en",
        "Albania transfer: AL47-2121-1009-0000-0002-3569-8741 thanks",
        (IB, "AL47-2121-1009-0000-0002-3569-8741"),
    ),
    C("nl", "Belgische rekening BE68539007547034 voor de huur.", (IB, "BE68539007547034")),
    C(
        "en",
        "Croatian form said HR12 001 0051 8630 0016 A, which bounced.",
        keep=("HR12 001 0051 8630 0016 A",),
    ),
    # --- payment cards --------------------------------------------------------------------------
    C("en", "Someone used my card 4432 3194 8757 4919 abroad!", (K, "4432 3194 8757 4919")),
    C("en", "Mastercard 5118-6252-7601-8951 blocked.", (K, "5118-6252-7601-8951")),
    C("en", "Amex 375597971147105, exp 04/27", (K, "375597971147105"), keep=("04/27",)),
    C("nb", "Kortet 6011497465075291 ble stjålet.", (K, "6011497465075291")),
    C("nl", "Pas 2221 1703 4236 6713 kwijt.", (K, "2221 1703 4236 6713")),
    C("en", "Gift card code 4715 0677 3272 2495 didn't work.", keep=("4715 0677 3272 2495",)),
    C(
        "en",
        "Tracking 1Z999AA10123456784 and 9400111899223100000000.",
        keep=("1Z999AA10123456784",),
    ),
    # --- IP -------------------------------------------------------------------------------------
    C("en", "My router says my IP is 92.176.98.25, still blocked.", (IP, "92.176.98.25")),
    C("en", "Ping 10.0.0.1 and 192.168.1.10 from the lab.", (IP, "10.0.0.1"), (IP, "192.168.1.10")),
    C("nb", "Serveren står på 185.12.64.3/24 nå.", (IP, "185.12.64.3/24")),
    C(
        "nl",
        "Port forwarding naar 2a02:fe0:5cf8:5c68::c7e2 werkt niet.",
        (IP, "2a02:fe0:5cf8:5c68::c7e2"),
    ),
    C(
        "en",
        "IPv6 2001:db8:85a3::8a2e:370:7334 or ::1 locally.",
        (IP, "2001:db8:85a3::8a2e:370:7334"),
        (IP, "::1"),
    ),
    C("en", "Updated to v2.14.3 and iOS 17.5.1 today.", keep=("v2.14.3", "17.5.1")),
    C(
        "en",
        "IPs: 192.168.1.1, 10.0.0.1, 2001:db8::1 are the three hosts.",
        (IP, "192.168.1.1"),
        (IP, "10.0.0.1"),
        (IP, "2001:db8::1"),
    ),
    C(
        "en",
        "Mapped as ::ffff:192.0.2.1 behind NAT64 64:ff9b::192.0.2.33.",
        (IP, "::ffff:192.0.2.1"),
        (IP, "64:ff9b::192.0.2.33"),
    ),
    C(
        "nb",
        "Koble til [2001:db8::1]:8080 eller fe80::1%eth0 lokalt.",
        (IP, "[2001:db8::1]:8080"),
        (IP, "fe80::1%eth0"),
    ),
    C(
        "nl",
        "Ons blok is 2001:db8::/32, de server luistert op 0.0.0.0.",
        (IP, "2001:db8::/32"),
        (IP, "0.0.0.0"),
    ),
    C("en", "Logged as text::ffff:192.0.2.1 in the trace.", (IP, "::ffff:192.0.2.1")),
    C(
        "en",
        "Not addresses: ::ffff:256.0.0.1 and 12345:db8::1.",
        keep=("::ffff:256.0.0.1", "12345:db8::1"),
    ),
    C("en", "Build version 1.2.3.4 fixed it.", keep=("1.2.3.4",)),
    C("en", "Meeting at 10:45:30, MAC 00:1A:2B:3C:4D:5E.", keep=("10:45:30", "00:1A:2B:3C:4D:5E")),
    C("nl", "Score 999.999.999.999 is geen adres.", keep=("999.999.999.999",)),
    # --- GPS -----------------------------------------------------------------------------------
    C("en", "Found the perfect picnic spot: 59.9139, 10.7522", (G, "59.9139, 10.7522")),
    C("en", "Cabin at 59°54'50\"N 10°45'8\"E if you drop by.", (G, "59°54'50\"N 10°45'8\"E")),
    C("nl", "Geocache ligt op N 52.0847 E 5.0872 😉", (G, "N 52.0847 E 5.0872")),
    C("nl", "Ons huisje: lat 52.37 lon 4.89, kom langs.", (G, "lat 52.37 lon 4.89")),
    C(
        "nb",
        "Hytta ligger på 63°27'12\"N 10°22'25\"Ø, stikk innom!",
        (G, "63°27'12\"N 10°22'25\"Ø"),
    ),
    C("en", "Map pin -33.8688, 151.2093 for the party.", (G, "-33.8688, 151.2093")),
    C("en", "It cost 12.50, 13.75 with tip.", keep=("12.50, 13.75",)),
    C("nb", "Billettene kostet 12.500 og 10.250 kroner.", keep=("12.500", "10.250")),
    # --- names: relatives and friends who may never have joined ------------------------------
    C("en", "Visiting my grandmother Ingrid Halvorsen this weekend.", (PN, "Ingrid Halvorsen")),
    C("nl", "Met opa Henk de Vries naar het strand.", (PN, "Henk de Vries")),
    C("nl", "Oma Truus zwaait naar iedereen.", (PN, "Truus")),
    C("nb", "Mormor Astrid fyller 90 i dag!", (PN, "Astrid")),
    C("nb", "Takk til bestefar Kjell Johansen for turen.", (PN, "Kjell Johansen")),
    C("en", "Dinner with Mr. Thompson and Dr. Patel.", (PN, "Thompson"), (PN, "Patel")),
    C("nl", "Mevrouw Bakker gaf ons les.", (PN, "Bakker")),
    C(
        "nl",
        "Jan de Jong en Mieke van der Linden komen ook.",
        (PN, "Jan de Jong"),
        (PN, "Mieke van der Linden"),
    ),
    C("en", "Will Smith was not at the party.", (PN, "Will Smith")),
    C("en", "Congrats Sarah Campbell, well deserved.", (PN, "Sarah Campbell")),
    C("nb", "Gratulerer med dagen, Synnøve Pedersen!", (PN, "Synnøve Pedersen")),
    C(
        "nb",
        "Anne-Kari Hansen og Per Olsen vant quizen.",
        (PN, "Anne-Kari Hansen"),
        (PN, "Per Olsen"),
    ),
    C("en", "Ingrid said the ferry was late.", (PN, "Ingrid")),
    C("nl", "Gisteren met Daan en Sanne gefietst.", (PN, "Daan"), (PN, "Sanne")),
    C("nb", "Vi besøkte Ingrids hytte i påsken.", (PN, "Ingrid"), keep=("s hytte",)),
    C("en", "My friend Zara came too.", (PN, "Zara")),
    # --- names: the platform's accounts --------------------------------------------------------
    C("nb", "Takk for sist, Kari Nordmann!", (PN, "Kari Nordmann")),
    C("nb", "Ola Nordmanns hytte er ferdig.", (PN, "Ola Nordmann"), keep=("s hytte",)),
    C("en", "Zyxie Quorn you have to try this place.", (PN, "Zyxie Quorn")),
    C("nl", "Gezellige avond met Sanne de Boer!", (PN, "Sanne de Boer")),
    C("nl", "Henk Jansen en ik gaan vissen.", (PN, "Henk Jansen")),
    C("en", "Happy birthday Lucy Evans! 🎂", (PN, "Lucy Evans")),
    C("nb", "Tormod Aalvik tok bildet.", (PN, "Tormod Aalvik")),
    C("nl", "Dank aan Pieternel Zwanenburg voor de taart.", (PN, "Pieternel Zwanenburg")),
    C(
        "en",
        "Great evening with Wolfgang Zimmermann and Aisha Rahman.",
        (PN, "Wolfgang Zimmermann"),
        (PN, "Aisha Rahman"),
    ),
    C("en", "Magnús Gunnarsdóttir showed us the glacier.", (PN, "Magnús Gunnarsdóttir")),
    C("en", "Sarah O'Brien's cake won.", (PN, "Sarah O'Brien"), keep=("'s cake",)),
    C("en", "Great service from Smith & Sons!", (PN, "Smith & Sons")),
    C("nl", "Brood van Bakkerij Mulder is het beste.", (PN, "Bakkerij Mulder")),
    C("nb", "Rørlegger Jensen AS kom samme dag.", (PN, "Rørlegger Jensen AS")),
    C("en", "Shout-out to kari88 for the tip.", (PN, "kari88")),
    C("nb", "Bjørn-Erik Solvang og jeg på tur.", (PN, "Bjørn-Erik Solvang")),
    C("nl", "Joost van Arkel won de quiz.", (PN, "Joost van Arkel")),
    C("en", "Thanks Grace Hopkins for the lift!", (PN, "Grace Hopkins")),
    C("en", "KARI NORDMANN WAS HERE", (PN, "KARI NORDMANN")),
    # --- words that are also names: must survive -----------------------------------------------
    C("en", "Will you come? May I bring Rose wine?", keep=("Will", "May", "Rose")),
    C("en", "Park near the Post office, then walk.", keep=("Park", "Post")),
    C("en", "Grace period ends in May. Hope to see you.", keep=("Grace", "May", "Hope")),
    C("nb", "Per dag koster det 50 kroner. Liv og røre!", keep=("Per", "Liv")),
    C("nb", "Sol og varme hele uka. Dag to var best.", keep=("Sol", "Dag")),
    C("nl", "Roos in de tuin, Mark op de kalender.", keep=("Roos", "Mark")),
    C("en", "Friday at the Rose Garden.", keep=("Friday", "Rose Garden")),
    C("en", "The Oslo Marathon starts on Monday.", keep=("Oslo Marathon", "Monday")),
    C("en", "Happy New Year from all of us!", keep=("Happy New Year",)),
    C("nb", "God jul og godt nytt år!", keep=("God jul",)),
    C("nl", "Fijne Kerst en een gezond Nieuwjaar!", keep=("Fijne Kerst",)),
    C("en", "Finally Saturday! Heading to the beach.", keep=("Finally Saturday",)),
    # --- mixed posts -------------------------------------------------------------------------
    C(
        "en",
        "Lost dog near the station. Call Henk Jansen on +31 6 12345678 or mail henk@example.nl.",
        (PN, "Henk Jansen"),
        (P, "+31 6 12345678"),
        (E, "henk@example.nl"),
    ),
    C(
        "nb",
        "Bestemor Ingeborg har nytt nummer: 481 23 456. Kontonummer NO93 8601 1117 947.",
        (PN, "Ingeborg"),
        (P, "481 23 456"),
        (IB, "NO93 8601 1117 947"),
    ),
    C(
        "nl",
        "Ordernummer 123456789, BSN 131860914, IP 85.12.34.56 – help!",
        (N, "131860914"),
        (IP, "85.12.34.56"),
        keep=("123456789",),
    ),
)


def score(cases: tuple[Case, ...], outputs: list[str | None]) -> dict[str, Counter[str]]:
    """Per category: tp (placeholder where expected), fp (placeholder where none is
    expected, e.g. a decoy redacted) and fn (expected placeholder missing or misplaced).

    Expected and actual text are aligned character by character; an expected placeholder
    counts as found when it lies in a stretch the two texts share.
    """
    result: dict[str, Counter[str]] = {c: Counter() for c in PLACEHOLDERS}
    for case, actual in zip(cases, outputs, strict=True):
        expected, got = case.expected(), actual or ""
        equal = [
            (i1, i2, j1)
            for tag, i1, i2, j1, _ in SequenceMatcher(
                None, expected, got, autojunk=False
            ).get_opcodes()
            if tag == "equal"
        ]
        found = set()
        for start, end, category in _placeholders(expected):
            block = next(((i1, j1) for i1, i2, j1 in equal if i1 <= start and end <= i2), None)
            if block is None:
                result[category]["fn"] += 1
            else:
                result[category]["tp"] += 1
                found.add(start - block[0] + block[1])
        for start, _, category in _placeholders(got):
            if start not in found:
                result[category]["fp"] += 1
    return result


def _placeholders(text: str) -> list[tuple[int, int, str]]:
    out = []
    for placeholder, category in CATEGORY_OF.items():
        at = text.find(placeholder)
        while at >= 0:
            out.append((at, at + len(placeholder), category))
            at = text.find(placeholder, at + 1)
    return out


def precision_recall(counts: Counter[str]) -> tuple[float, float]:
    """(precision, recall); 1.0 where there is nothing to count."""
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)
