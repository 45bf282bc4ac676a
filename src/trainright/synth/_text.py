"""Everyday post sentences (holidays, food, family, sales, events, questions).

The sentences name no person and carry no number that could pass for personal
data, so everything a redactor should find is what `_kinds` planted and
recorded. Slots in braces are filled from the word lists of the same language.
"""

from __future__ import annotations

import random
import re

_SLOT = re.compile(r"\{(\w+)\}")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "en": (
        "Finally {day}! Heading to {place} with the {family} this weekend.",
        "Best {food} I've had in ages, at a tiny place in {city}.",
        "Anyone know a good {trade} in {city}? Ours just retired.",
        "{holiday} at grandma's again this year, {food} everywhere.",
        "Clearing out the garage: {item} and a lot more, all must go.",
        "Big {season} sale in our shop this week, everything in {shopdept} half price!",
        "Who else is watching the {sport} final tonight?",
        "Throwback to {season} in {city}. Miss those days.",
        "The kids made {food} for dinner and it was actually great.",
        "Our {event} is on {day}, doors open at seven. Everyone welcome!",
        "First {season} swim of the year, the water was freezing {emoji}",
        "Does anyone have {item} I could borrow for the weekend?",
        "Just finished a long run along the river {emoji}",
        "Can't believe how fast the {family} are growing up.",
        "Rainy {day} = {food} and a movie on the couch.",
        "Volunteers needed for the {event} on {day}, bring a friend!",
        "Is it just me or is {food} overrated?",
        "Happy {holiday} everyone {emoji}",
    ),
    "nb": (
        "Endelig {day}! Vi drar til {place} med {family} i helgen.",
        "Beste {food} jeg har smakt på lenge, på en liten kafé i {city}.",
        "Noen som vet om en god {trade} i {city}?",
        "{holiday} hos besteforeldrene igjen i år, {food} til alle.",
        "Rydder boden: {item} og mye mer må bort.",
        "Stort {season}salg i butikken denne uka, alt av {shopdept} til halv pris!",
        "Hvem andre ser {sport}finalen i kveld?",
        "Mimrer om {season}en i {city}. Savner den tiden.",
        "Ungene laget {food} til middag, og det var faktisk godt.",
        "{event} på {day}, dørene åpner klokka sju. Alle er velkomne!",
        "Årets første bad, vannet var iskaldt {emoji}",
        "Noen som kan låne meg {item} i helgen?",
        "Lang tur i marka i dag {emoji}",
        "Utrolig hvor fort {family} vokser.",
        "Regnværs{day} = {food} og film i sofaen.",
        "Vi trenger frivillige til {event} på {day}, ta med en venn!",
        "Er det bare jeg som synes {food} er overvurdert?",
        "God {holiday} alle sammen {emoji}",
    ),
    "nl": (
        "Eindelijk {day}! Met {family} naar {place} dit weekend.",
        "Lekkerste {food} in tijden, bij een klein tentje in {city}.",
        "Weet iemand een goede {trade} in {city}?",
        "{holiday} weer bij opa en oma, overal {food}.",
        "Zolder opgeruimd: {item} en nog veel meer, alles moet weg.",
        "Grote {season}uitverkoop in de winkel, alle {shopdept} voor de halve prijs!",
        "Wie kijkt er vanavond ook naar de {sport}finale?",
        "Terugdenken aan de {season} in {city}. Mis die tijd.",
        "De kinderen kookten {food} en het was nog lekker ook.",
        "Ons {event} is op {day}, deuren open om zeven uur. Iedereen welkom!",
        "Eerste duik van het jaar, het water was ijskoud {emoji}",
        "Heeft iemand een {item} te leen voor het weekend?",
        "Lekker hardgelopen langs de gracht {emoji}",
        "Niet te geloven hoe snel {family} groot worden.",
        "Regenachtige {day} = {food} en een film op de bank.",
        "Vrijwilligers gezocht voor het {event} op {day}, neem een vriend mee!",
        "Ligt het aan mij of is {food} overschat?",
        "Fijne {holiday} allemaal {emoji}",
    ),
}

WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "day": ("Friday", "Saturday", "Sunday", "Monday", "Wednesday"),
        "place": ("the cabin", "the coast", "the lake", "the mountains", "the city", "the beach"),
        "family": ("kids", "family", "in-laws", "twins", "grandkids"),
        "food": ("pizza", "ramen", "fish and chips", "pancakes", "curry", "tacos", "apple pie"),
        "city": ("London", "Manchester", "Chicago", "Toronto", "Dublin", "Boston", "Leeds"),
        "trade": ("plumber", "dentist", "mechanic", "electrician", "hairdresser", "vet"),
        "holiday": ("Christmas", "Thanksgiving", "Easter", "Halloween", "New Year"),
        "item": ("a lawnmower", "an old bike", "a sofa", "kids' skis", "a tent", "a drill"),
        "season": ("summer", "winter", "spring", "autumn"),
        "shopdept": ("shoes", "jackets", "toys", "garden tools", "books"),
        "sport": ("football", "hockey", "basketball", "handball", "rugby"),
        "event": ("school fair", "street party", "charity run", "book club", "quiz night"),
        "emoji": ("😂", "🥶", "☀️", "🎉", "❤️", "🙌", ""),
    },
    "nb": {
        "day": ("fredag", "lørdag", "søndag", "mandag", "onsdag"),
        "place": ("hytta", "sjøen", "fjellet", "Lofoten", "skjærgården", "Hardanger"),
        "family": ("ungene", "familien", "svigers", "tvillingene", "barnebarna"),
        "food": ("pizza", "taco", "fiskesuppe", "vafler", "pinnekjøtt", "rakfisk", "boller"),
        "city": ("Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Bodø", "Drammen"),
        "trade": ("rørlegger", "tannlege", "mekaniker", "elektriker", "frisør", "dyrlege"),
        "holiday": ("jul", "påske", "17. mai", "sankthans", "nyttår"),
        "item": ("gressklipper", "en gammel sykkel", "sofa", "barneski", "telt", "drill"),
        "season": ("sommer", "vinter", "vår", "høst"),
        "shopdept": ("sko", "jakker", "leker", "hageverktøy", "bøker"),
        "sport": ("fotball", "håndball", "hopp", "langrenn", "sjakk"),
        "event": ("Skolebasaren", "Dugnaden", "Loppemarkedet", "Quizkvelden", "Julemarkedet"),
        "emoji": ("😂", "🥶", "☀️", "🎉", "❤️", "🙌", ""),
    },
    "nl": {
        "day": ("vrijdag", "zaterdag", "zondag", "maandag", "woensdag"),
        "place": ("het strand", "de Veluwe", "Texel", "de Ardennen", "Zeeland", "de camping"),
        "family": ("de kinderen", "de familie", "schoonouders", "de tweeling", "kleinkinderen"),
        "food": ("pannenkoeken", "stamppot", "bitterballen", "poffertjes", "kibbeling", "saté"),
        "city": ("Amsterdam", "Utrecht", "Rotterdam", "Den Haag", "Groningen", "Eindhoven"),
        "trade": ("loodgieter", "tandarts", "monteur", "elektricien", "kapper", "dierenarts"),
        "holiday": ("Kerst", "Pasen", "Koningsdag", "Sinterklaas", "Oud en Nieuw"),
        "item": ("grasmaaier", "oude fiets", "bank", "kinderski", "tent", "boormachine"),
        "season": ("zomer", "winter", "lente", "herfst"),
        "shopdept": ("schoenen", "jassen", "speelgoed", "tuingereedschap", "boeken"),
        "sport": ("voetbal", "hockey", "schaats", "wielren", "darts"),
        "event": ("schoolfeest", "buurtfeest", "sponsorloop", "leesclub", "pubquiz"),
        "emoji": ("😂", "🥶", "☀️", "🎉", "❤️", "🙌", ""),
    },
}

TAGS: dict[str, tuple[str, ...]] = {
    "en": ("#weekend", "#family", "#foodie", "#sale", "#throwback", "#nofilter", "#community"),
    "nb": ("#helg", "#familie", "#mat", "#salg", "#mimring", "#norge", "#dugnad"),
    "nl": ("#weekend", "#gezin", "#eten", "#uitverkoop", "#throwback", "#nederland", "#buurt"),
}


def sentence_pool(lang: str, size: int, rng: random.Random) -> list[str]:
    """`size` sentences of `lang`, each a template with its slots filled at random."""
    words = WORDS[lang]
    out = []
    for _ in range(size):
        template = rng.choice(TEMPLATES[lang])
        text = _SLOT.sub(lambda m: rng.choice(words[m.group(1)]), template)
        text = " ".join(text.split())
        out.append(text[0].upper() + text[1:])
    return out


def tail_pool(lang: str, size: int, rng: random.Random) -> list[str]:
    """Endings for a post: nothing, or one or two hashtags."""
    out = [""] * (size // 2)
    while len(out) < size:
        out.append(" " + " ".join(rng.sample(TAGS[lang], rng.randrange(1, 3))))
    return out
