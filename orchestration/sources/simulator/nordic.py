"""Small Nordic reference tables: given names, surnames, streets, cities with postal codes."""

from __future__ import annotations

COUNTRIES: tuple[str, ...] = ("SE", "NO", "DK", "FI")

COUNTRY_NAMES: dict[str, str] = {"SE": "Sverige", "NO": "Norge", "DK": "Danmark", "FI": "Suomi"}

CURRENCIES: dict[str, str] = {"SE": "SEK", "NO": "NOK", "DK": "DKK", "FI": "EUR"}
SEK_PER_UNIT: dict[str, float] = {"SEK": 1.0, "NOK": 0.98, "DKK": 1.55, "EUR": 11.5}

# Mobile ranges: country code, digits of the national significant number (NSN), and number
# blocks (leading NSN digits) that libphonenumber accepts as mobile for ANY remaining digits.
# Norway: 4x and 9x are mobile, but 42-44 and 49 are not allocated (and 45 only in part); in
# Denmark libphonenumber rejects 8-digit numbers whose third digit is 0 after 2, 3 or 5, and the
# 37x block. The person's unique 7-digit number fills the NSN behind the block (see phones.py).
PHONE_PREFIXES: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "SE": ("46", 9, ("70", "72", "73", "76", "79")),
    "NO": ("47", 8, ("40", "41", "46", "47", "48", "90", "91", "92", "93", "94", "95", "96",
                     "97", "98", "99")),
    "DK": ("45", 8, tuple(f"{a}{b}{c}" for a in "235" for b in "0123456789"
                          for c in "123456789" if (a, b) != ("3", "7"))),
    "FI": ("358", 9, ("40", "41", "44", "45", "50")),
}

FEMALE: dict[str, tuple[str, ...]] = {
    "SE": ("Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Emma", "Ingrid", "Malin",
           "Linnéa", "Åsa", "Märta", "Elsa", "Sofia", "Ulla", "Birgitta", "Ebba", "Maja", "Astrid"),
    "NO": ("Ingrid", "Kari", "Marit", "Liv", "Solveig", "Nora", "Ragnhild", "Sigrid", "Hanne",
           "Tone", "Åse", "Bjørg", "Randi", "Silje", "Synnøve", "Marte", "Ida", "Thea", "Gro"),
    "DK": ("Mette", "Hanne", "Susanne", "Lene", "Camilla", "Freja", "Ida", "Signe", "Birthe",
           "Sørine", "Karen", "Inge", "Lærke", "Maja", "Astrid", "Nanna", "Dorthe", "Pia"),
    "FI": ("Aino", "Helmi", "Anneli", "Johanna", "Tuula", "Päivi", "Sanna", "Kaisa", "Eeva",
           "Marjatta", "Liisa", "Satu", "Minna", "Elina", "Sofia", "Kristiina", "Tiina", "Ella"),
}

MALE: dict[str, tuple[str, ...]] = {
    "SE": ("Lars", "Anders", "Per", "Karl", "Erik", "Johan", "Patrik", "Stig", "Nils", "Sven",
           "Gustav", "Björn", "Göran", "Håkan", "Oskar", "Olof", "Mikael", "Fredrik", "Axel",
           "Åke"),
    "NO": ("Ole", "Knut", "Bjørn", "Jan", "Per", "Lars", "Håkon", "Øyvind", "Sindre", "Magnus",
           "Arne", "Terje", "Geir", "Jørgen", "Eirik", "Ståle", "Trond", "Henrik", "Odd"),
    "DK": ("Jens", "Søren", "Niels", "Lars", "Mads", "Rasmus", "Mikkel", "Anders", "Jørgen",
           "Henrik", "Bo", "Kasper", "Frederik", "Poul", "Ebbe", "Carsten", "Morten", "Thor"),
    "FI": ("Juha", "Mikko", "Timo", "Jari", "Matti", "Antti", "Pekka", "Jukka", "Väinö", "Tapani",
           "Juhani", "Olavi", "Ilkka", "Kalle", "Lauri", "Eero", "Ville", "Onni"),
}

SURNAMES: dict[str, tuple[str, ...]] = {
    "SE": ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
           "Persson", "Svensson", "Gustafsson", "Lindström", "Åberg", "Öberg", "Sjöström",
           "Bergström", "Lindqvist", "Holmgren", "Ekström", "Söderberg", "Wallin", "Hägglund",
           "Strömberg", "Nordström", "Engström", "Björk"),
    "NO": ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
           "Jensen", "Karlsen", "Haugen", "Bakken", "Sørensen", "Solberg", "Strøm", "Berg",
           "Dahl", "Lie", "Hagen", "Halvorsen", "Løvås", "Brække", "Ødegård", "Aasen"),
    "DK": ("Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen",
           "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen",
           "Thomsen", "Poulsen", "Møller", "Mortensen", "Kjær", "Lærkesen", "Bækgaard", "Holm"),
    "FI": ("Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
           "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
           "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Söderholm"),
}

STREETS: dict[str, tuple[str, ...]] = {
    "SE": ("Storgatan", "Drottninggatan", "Kungsgatan", "Skolgatan", "Järnvägsgatan", "Björkvägen",
           "Ringvägen", "Åsgatan", "Södra vägen", "Tallstigen", "Hamngatan", "Östra Långgatan"),
    "NO": ("Storgata", "Kirkegata", "Skolegata", "Bjørkeveien", "Fjellveien", "Sjøgata",
           "Granveien", "Øvre Slottsgate", "Dronningens gate", "Strandveien", "Solbakken"),
    "DK": ("Østergade", "Vestergade", "Nørregade", "Søndergade", "Algade", "Skovvej",
           "Strandvejen", "Kirkevej", "Bøgevej", "Ågade", "Havnegade", "Rosenvænget"),
    "FI": ("Mannerheimintie", "Hämeenkatu", "Kauppakatu", "Koulukatu", "Rantatie", "Puistokatu",
           "Kirkkokatu", "Asemakatu", "Koivutie", "Mäntytie", "Järvenpääntie", "Satamakatu"),
}

CITIES: dict[str, tuple[tuple[str, int, int], ...]] = {
    # city, lowest and highest postal code (as an integer) used for it
    "SE": (("Stockholm", 11120, 12999), ("Göteborg", 41101, 41879), ("Malmö", 21112, 21777),
           ("Uppsala", 75220, 75758), ("Västerås", 72210, 72599), ("Örebro", 70210, 70379),
           ("Linköping", 58220, 58937), ("Umeå", 90325, 90799), ("Luleå", 97231, 97599),
           ("Jönköping", 55302, 55629)),
    "NO": (("Oslo", 150, 1295), ("Bergen", 5003, 5239), ("Trondheim", 7010, 7099),
           ("Stavanger", 4005, 4099), ("Tromsø", 9006, 9039), ("Kristiansand", 4608, 4639),
           ("Drammen", 3011, 3050), ("Bodø", 8003, 8050)),
    "DK": (("København", 1050, 2450), ("Aarhus", 8000, 8270), ("Odense", 5000, 5270),
           ("Aalborg", 9000, 9220), ("Esbjerg", 6700, 6715), ("Randers", 8900, 8960),
           ("Køge", 4600, 4600), ("Næstved", 4700, 4700)),
    "FI": (("Helsinki", 100, 990), ("Espoo", 2100, 2980), ("Tampere", 33100, 33960),
           ("Turku", 20100, 20960), ("Oulu", 90100, 90940), ("Jyväskylä", 40100, 40950),
           ("Vaasa", 65100, 65380), ("Hämeenlinna", 13100, 13900)),
}

EMAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "SE": ("gmail.com", "hotmail.com", "outlook.com", "telia.com", "live.se", "yahoo.se"),
    "NO": ("gmail.com", "hotmail.com", "online.no", "outlook.com", "yahoo.no"),
    "DK": ("gmail.com", "hotmail.com", "mail.dk", "outlook.dk", "jubii.dk"),
    "FI": ("gmail.com", "hotmail.com", "luukku.com", "outlook.com", "kolumbus.fi"),
}
CHANGED_EMAIL_DOMAINS: tuple[str, ...] = ("icloud.com", "proton.me", "gmx.com", "fastmail.com")
WORK_EMAIL_DOMAINS: tuple[str, ...] = ("foretaget.se", "firma.no", "virksomhed.dk", "yritys.fi")

ASCII_FOLD = str.maketrans({"å": "a", "ä": "a", "ö": "o", "ø": "o", "æ": "ae", "é": "e",
                            "Å": "A", "Ä": "A", "Ö": "O", "Ø": "O", "Æ": "Ae", "É": "E",
                            "ü": "u", "Ü": "U"})

PRODUCT_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("outdoor", ("Vandringskänga", "Regnjacka", "Sovsäck", "Termos", "Pannlampa", "Ryggsäck")),
    ("home", ("Kökshandduk", "Ullpläd", "Kaffekopp", "Skärbräda", "Ljuslykta", "Kudde")),
    ("clothing", ("Ullstrumpor", "Mössa", "Vantar", "Tröja", "Halsduk", "Skjorta")),
    ("beauty", ("Handkräm", "Tvål", "Läppbalsam", "Schampo", "Ansiktskräm", "Doftljus")),
    ("kids", ("Gosedjur", "Pussel", "Regnställ", "Ritblock", "Träleksak", "Barnmössa")),
)
