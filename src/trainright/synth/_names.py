"""Countries and the names people there are called by.

Display names must look like the platform's real users, because the redactor
has to find them in post text. No name here is also an everyday word that the
synthetic posts use as a decoy ("Will", "Park", "Post", "Sol", "Roos").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NamePool:
    """First names (female, male) and family names of one naming tradition."""

    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]
    business: tuple[str, ...]  # "{family}" is replaced by a family name


def _t(words: str) -> tuple[str, ...]:
    return tuple(w.replace("_", " ") for w in words.split())


POOLS: dict[str, NamePool] = {
    "no": NamePool(
        _t(
            "Ingrid Kari Anne Nora Emma Ida Hanne Marit Solveig Astrid Ingeborg Sigrid Ragnhild "
            "Tone Silje Maja Thea Guro Kristin Synnøve Åse Birgit"
        ),
        _t(
            "Ola Per Lars Jan Knut Bjørn Ole Erik Håkon Magnus Henrik Sindre Eirik Jonas Kjetil "
            "Torbjørn Arne Geir Øyvind Sverre Trond Aksel"
        ),
        _t(
            "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
            "Johnsen Pettersen Eriksen Berg Haugen Hagen Bakken Halvorsen Solberg Dahl Lunde "
            "Strand Nordmann Moen Brekke Sæther Fjeld Ødegård Aasen Kvamme"
        ),
        _t(
            "{family}_Bakeri_AS Rørlegger_{family}_AS {family}_Bil_og_Dekk Frisør_{family} "
            "{family}_Gårdsbutikk"
        ),
    ),
    "nl": NamePool(
        _t(
            "Anna Marijke Sanne Lotte Femke Eva Iris Anouk Saskia Ingrid Mieke Annelies Fleur "
            "Noor Julia Tessa Wilma Joke Ria Esther"
        ),
        _t(
            "Henk Jan Pieter Kees Bram Daan Sem Thijs Ruben Joost Wouter Gerrit Maarten Jeroen "
            "Sander Niels Teun Johan Willem Bas"
        ),
        _t(
            "de_Vries Jansen van_den_Berg Visser Smit Meijer de_Boer Mulder de_Groot Bos "
            "Vos Peters Hendriks van_Leeuwen Dekker Brouwer de_Wit Dijkstra Smits van_Dijk "
            "Kok Jacobs Vermeulen van_der_Linden"
        ),
        _t(
            "Bakkerij_{family} Fietsenmaker_{family} {family}_Installatietechniek "
            "Kapsalon_{family} {family}_&_Zonen"
        ),
    ),
    "de": NamePool(
        _t(
            "Anna Lena Julia Sabine Petra Katharina Sophie Marie Ursula Claudia Monika Hannah "
            "Lea Greta Birgit Heike"
        ),
        _t(
            "Thomas Michael Andreas Stefan Jürgen Klaus Lukas Felix Jonas Maximilian Wolfgang "
            "Tobias Matthias Uwe Dieter Florian"
        ),
        _t(
            "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
            "Koch Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Krüger"
        ),
        _t("Bäckerei_{family} {family}_GmbH Autohaus_{family} {family}_&_Söhne_KG"),
    ),
    "fr": NamePool(
        _t(
            "Camille Marie Léa Chloé Manon Inès Juliette Sophie Élodie Nathalie Isabelle Claire "
            "Amélie Margaux Céline"
        ),
        _t(
            "Lucas Louis Hugo Jules Nicolas Julien Antoine Mathieu Pierre Thomas Théo Baptiste "
            "Olivier Sébastien François"
        ),
        _t(
            "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
            "Lefèvre Michel Garcia Fontaine Rousseau Girard Bonnet Lambert"
        ),
        _t("Boulangerie_{family} {family}_SARL Garage_{family} Atelier_{family}"),
    ),
    "en": NamePool(
        _t(
            "Emily Sarah Jessica Hannah Olivia Charlotte Amelia Grace Lucy Megan Rachel Laura "
            "Chloe Sophie Margaret Ashley Jennifer Abigail Mary Siobhan"
        ),
        _t(
            "James John Michael David Daniel Thomas Oliver Harry Jack George Matthew Andrew "
            "Christopher Ryan Liam Connor Ethan Brian Kevin Sean"
        ),
        _t(
            "Smith Jones Williams Taylor Brown Davies Evans Wilson Johnson Roberts Walker Wright "
            "Thompson White Hughes Edwards Green Hall Wood Murphy Kelly O'Brien Campbell Miller "
            "Anderson Clarke Harris Martinez"
        ),
        _t("{family}_&_Sons {family}_Plumbing_Ltd {family}'s_Bakery {family}_Landscaping_LLC"),
    ),
    "pt": NamePool(
        _t(
            "Maria Ana Juliana Fernanda Beatriz Larissa Camila Gabriela Letícia Mariana "
            "Patrícia Aline Luana Bianca"
        ),
        _t(
            "João José Pedro Lucas Gabriel Rafael Mateus Thiago Bruno Gustavo Felipe Leonardo "
            "Rodrigo Caio"
        ),
        _t(
            "Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Costa "
            "Ribeiro Martins Carvalho Almeida Araújo Barbosa Rocha"
        ),
        _t("Padaria_{family} {family}_Ltda Oficina_{family} Mercado_{family}"),
    ),
    "in": NamePool(
        _t(
            "Priya Ananya Aishwarya Divya Kavya Lakshmi Meera Neha Pooja Shreya Sunita Anjali "
            "Deepika Radhika Fatima"
        ),
        _t(
            "Rahul Arjun Vikram Amit Rohan Sanjay Aditya Karthik Suresh Rajesh Anil Vivek "
            "Nikhil Imran Harpreet"
        ),
        _t(
            "Sharma Verma Gupta Patel Singh Kumar Reddy Iyer Nair Menon Agarwal Joshi Mehta "
            "Chatterjee Banerjee Khan Rao Pillai Desai Kapoor"
        ),
        _t("{family}_Sweets {family}_Traders {family}_Textiles_Pvt_Ltd {family}_Electronics"),
    ),
    "sv": NamePool(
        _t("Elsa Alice Maja Vera Ebba Klara Linnea Saga Agnes Karin Birgitta Ulla Lena"),
        _t("Lars Anders Johan Karl Nils Oskar Gustav Axel Mikael Per Fredrik Björn Emil"),
        _t(
            "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
            "Gustafsson Pettersson Lindberg Lindqvist Bergström Lundgren"
        ),
        _t("{family}s_Bageri_AB {family}_Bygg_AB {family}s_Cykel"),
    ),
    "is": NamePool(
        _t("Guðrún Sigríður Kristín Helga Anna Margrét Jóhanna Sólveig Ragnheiður Björk"),
        _t("Jón Sigurður Guðmundur Gunnar Ólafur Einar Kristján Magnús Stefán Björn"),
        _t(
            "Jónsdóttir Sigurðardóttir Guðmundsdóttir Gunnarsdóttir Jónsson Sigurðsson "
            "Guðmundsson Gunnarsson Ólafsson Einarsson"
        ),
        _t("{family}_ehf. Bakarí_{family}"),
    ),
    "da": NamePool(
        _t("Mette Anne Camilla Louise Freja Ida Mathilde Signe Karen Lone"),
        _t("Mads Rasmus Søren Mikkel Frederik Jesper Kasper Christian Anders Niels"),
        _t(
            "Nielsen Jensen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen "
            "Jørgensen Madsen Kristensen"
        ),
        _t("{family}s_Bageri_ApS {family}_VVS_ApS"),
    ),
    "es": NamePool(
        _t("Lucía María Carmen Laura Paula Marta Sofía Elena Cristina Alba Noelia"),
        _t("Javier Carlos Alejandro David Pablo Daniel Sergio Manuel Álvaro Diego Jorge"),
        _t(
            "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Ruiz "
            "Jiménez Moreno Navarro Torres"
        ),
        _t("Panadería_{family} {family}_S.L. Talleres_{family}"),
    ),
    "pl": NamePool(
        _t("Anna Katarzyna Agnieszka Magdalena Joanna Aleksandra Zofia Małgorzata Ewa"),
        _t("Piotr Krzysztof Tomasz Paweł Michał Marcin Jakub Łukasz Grzegorz Wojciech"),
        _t(
            "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński "
            "Szymański Woźniak Dąbrowski"
        ),
        _t("Piekarnia_{family} {family}_Sp._z_o.o. Serwis_{family}"),
    ),
}

#: Country -> (weight among random accounts, naming tradition, text language).
COUNTRIES: dict[str, tuple[float, str, str]] = {
    "NO": (17.0, "no", "nb"),
    "NL": (14.0, "nl", "nl"),
    "DE": (9.0, "de", "en"),
    "FR": (6.0, "fr", "en"),
    "GB": (10.0, "en", "en"),
    "US": (14.0, "en", "en"),
    "BR": (6.0, "pt", "en"),
    "IN": (7.0, "in", "en"),
    "SE": (3.0, "sv", "en"),
    "IS": (0.6, "is", "en"),
    "LI": (0.2, "de", "en"),
    "IE": (2.0, "en", "en"),
    "CA": (3.0, "en", "en"),
    "DK": (2.0, "da", "en"),
    "BE": (1.8, "nl", "nl"),
    "AT": (1.4, "de", "en"),
    "ES": (1.5, "es", "en"),
    "PL": (1.5, "pl", "en"),
}
