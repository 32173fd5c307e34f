"""
French demo content for ``manage.py seed_demo_webinars``.

Plain data only, read after ``seed_demo``: the members and communities named
here are the forum's demo ones, plus a few participants from Ségou and Kayes
who come for the webinars. Every name is fictional; links point to
example.org or to ``.invalid`` domains.

Times in the live rooms (the past session's and the one live now) are
minutes from the session's start (negative: the room is open before the
session begins). Questions, polls and hands are named by a key so that
later steps (upvotes, votes, calls) can refer to them.
"""

from typing import Any

SERIES_COMMUNITY = "mariage-d-enfants"
SERIES_AUTHOR = "mariam"
# The CoP's other moderator shares the live room's moderation.
CO_MODERATOR = "aminata"

# Participants from the two regions, members of the series' CoP only.
PARTICIPANTS: list[dict[str, Any]] = [
    {
        "username": "kadiatou",
        "display_name": "Kadiatou Traoré",
        "first_name": "Kadiatou",
        "last_name": "Traoré",
        "region": "segou",
        "organisation": "benkadi-segou",
        "bio": "Présidente d'un groupement de femmes qui étuvent le riz, à Markala.",
    },
    {
        "username": "aissata",
        "display_name": "Aïssata Dicko",
        "first_name": "Aïssata",
        "last_name": "Dicko",
        "region": "segou",
        "organisation": "alliance-sahel-egalite",
        "bio": "J'anime le comité de veille communautaire de l'ASE dans le cercle de San.",
    },
    {
        "username": "nassira",
        "display_name": "Nassira Konaté",
        "first_name": "Nassira",
        "last_name": "Konaté",
        "region": "segou",
        "organisation": "arce",
        "bio": "Animatrice d'une radio de proximité à Niono, émissions du soir en bambara.",
    },
    {
        "username": "safiatou",
        "display_name": "Safiatou Diarra",
        "first_name": "Safiatou",
        "last_name": "Diarra",
        "region": "segou",
        "organisation": "benkadi-segou",
        "bio": "Trésorière d'une association villageoise d'épargne et de crédit à Barouéli.",
    },
    {
        "username": "boubacar",
        "display_name": "Boubacar Dao",
        "first_name": "Boubacar",
        "last_name": "Dao",
        "region": "segou",
        "organisation": None,
        "bio": "Instituteur, membre d'un comité de gestion scolaire près de Ségou.",
    },
    {
        "username": "fanta",
        "display_name": "Fanta Diakité",
        "first_name": "Fanta",
        "last_name": "Diakité",
        "region": "kayes",
        "organisation": "adef-kayes",
        "bio": "J'accompagne les clubs de jeunes filles de l'ADEF dans les quartiers de Kayes.",
    },
    {
        "username": "coumba",
        "display_name": "Coumba Sylla",
        "first_name": "Coumba",
        "last_name": "Sylla",
        "region": "kayes",
        "organisation": "adef-kayes",
        "bio": "Relais communautaire de l'ADEF dans le cercle de Diéma.",
    },
    {
        "username": "nene",
        "display_name": "Néné Tounkara",
        "first_name": "Néné",
        "last_name": "Tounkara",
        "region": "kayes",
        "organisation": "arce",
        "bio": "Animatrice radio à Nioro du Sahel, j'anime une émission en soninké.",
    },
    {
        "username": "sira",
        "display_name": "Sira Diawara",
        "first_name": "Sira",
        "last_name": "Diawara",
        "region": "kayes",
        "organisation": None,
        "bio": "Sage-femme dans un centre de santé communautaire de la région de Kayes.",
    },
    {
        "username": "moussa",
        "display_name": "Moussa Dramé",
        "first_name": "Moussa",
        "last_name": "Dramé",
        "region": "kayes",
        "organisation": "adef-kayes",
        "bio": "Membre d'un comité de veille villageois suivi par l'ADEF, cercle de Kayes.",
    },
]


# The semesterly series ---------------------------------------------------------------

SERIES: dict[str, Any] = {
    "title": "Webinaire inter-régions Ségou–Kayes",
    "regions": ["segou", "kayes"],
    "duration": 150,
    "capacity": 40,
    "video_url": "https://visio.jekafo.invalid/segou-kayes",
    "description": """\
Deux fois par an, les membres de la communauté qui travaillent dans les régions de
**Ségou** et de **Kayes** se retrouvent en ligne pour comparer leurs pratiques contre le
mariage des enfants.

Chaque séance suit le même fil :

1. une expérience de chaque région, présentée par celles et ceux qui la mènent ;
2. les questions des participant·es (votez pour celles que vous voulez entendre) ;
3. des décisions concrètes pour le semestre, suivies ensuite dans le forum.

On peut suivre la séance à plusieurs sur un seul téléphone : pensez à inscrire
votre organisation pour que le bilan compte tout le monde.
""",
}

PAST_SESSION: dict[str, Any] = {
    "theme": "Conventions locales et épargne des femmes : deux leviers contre le mariage "
    "des enfants",
    "agenda": """\
1. **Ouverture** et tour des régions connectées (10 min)
2. **Kayes** — les conventions locales signées avec les villages, trois ans après :
   qui les fait respecter ? (ADEF, 25 min)
3. **Ségou** — quand la caisse de solidarité des AVEC paie la scolarité des filles
   (Benkadi, 25 min)
4. **Radios de proximité** — faire parler les familles en bambara et en soninké
   (ARCE, 15 min)
5. Questions, sondages et **décisions pour le semestre** (45 min)

*Documents : la fiche de suivi des conventions locales est partagée avant la séance.*
""",
    "speakers": """\
Mariam Dembélé — ADEF, Kayes (animation)
Fanta Diakité — clubs de jeunes filles de l'ADEF, Kayes
Safiatou Diarra — AVEC de Barouéli, Association Benkadi, Ségou
Néné Tounkara — radio de proximité de l'ARCE, Nioro du Sahel""",
    "recording_url": "https://enregistrements.jekafo.invalid/segou-kayes/seance-1",
    "documents": [
        (
            "Fiche de suivi des conventions locales (ADEF)",
            "https://example.org/adef-kayes/fiche-suivi-conventions",
        ),
        (
            "La caisse de solidarité des AVEC, pas à pas (Benkadi)",
            "https://example.org/benkadi-segou/caisse-de-solidarite",
        ),
    ],
}

# (username, days before the session). Registration region and organisation
# are the member's own; a cancelled one is marked with True.
PAST_REGISTRATIONS: list[tuple[str, float, bool]] = [
    ("mariam", 24, False),
    ("aminata", 23.5, False),
    ("fatoumata", 21, False),
    ("fanta", 20.8, False),
    ("kadiatou", 19, False),
    ("coumba", 18.2, False),
    ("nene", 17, False),
    ("seydou", 16.5, False),
    ("safiatou", 15, False),
    ("nassira", 14.1, False),
    ("moussa", 12, False),
    ("kadidia", 11, False),
    ("aissata", 9.6, False),
    ("voixdekayes", 8, False),
    ("salimata", 7.3, True),
    ("djeneba", 6, False),
    ("sira", 4.2, False),
    ("boubacar", 3, False),
    ("hawa", 2.5, False),
    ("bintou", 1.1, False),
]

# Live connections to the room, (joined, left) in minutes from the start.
# hawa, sira and boubacar registered but did not come; salimata cancelled.
ATTENDANCE: dict[str, list[tuple[float, float]]] = {
    "mariam": [(-25, 152)],
    "aminata": [(-24, 151)],
    "fatoumata": [(-19, 147)],
    "fanta": [(-16, 58), (61, 150)],
    "nene": [(-11, 150)],
    "nassira": [(-13, 37), (40, 121)],
    "coumba": [(-7, 149)],
    "kadiatou": [(-3, 141)],
    "voixdekayes": [(-2, 19.5), (23, 148)],
    "seydou": [(0, 131)],
    "aissata": [(4, 146)],
    "safiatou": [(6, 150)],
    "kadidia": [(9, 96)],
    "djeneba": [(12, 129)],
    "moussa": [(15, 119)],
    "bintou": [(31, 74)],
}

# The live room, in the order things happened. Each entry is
# (minute, action, *arguments):
#   message  username, text
#   ask      key, username, text         upvote  key, username
#   answer   key, moderator              hide    key, moderator
#   poll     key, moderator, question, [options]
#   vote     key, username, option index close   key
#   raise    key, username               call    key, moderator    lower  key
ROOM_SCRIPT: list[tuple] = [
    (
        -22,
        "message",
        "mariam",
        "Bonjour à toutes et à tous ! La salle est ouverte, nous commençons à 9 h. "
        "Dites-nous d'où vous vous connectez.",
    ),
    (
        -18,
        "message",
        "fatoumata",
        "Bonjour de Ségou ! Nous sommes quatre au siège de Benkadi, sur un seul ordinateur.",
    ),
    (-15, "message", "fanta", "Bonjour depuis Kayes, le réseau tient bien ce matin."),
    (
        -12,
        "message",
        "nassira",
        "Nassira, de Niono. Je suis sur mon téléphone et je coupe la vidéo pour "
        "économiser les données.",
    ),
    (
        -6,
        "message",
        "coumba",
        "Coumba à Diéma, avec trois relais communautaires autour du même téléphone.",
    ),
    (
        2,
        "message",
        "aminata",
        "Rappel : quand vous racontez une situation, ni nom ni village précis. Pour un "
        "cas urgent, écrivez directement à la modération.",
    ),
    (
        14,
        "message",
        "kadidia",
        "À Mopti aussi les conventions locales existent, mais personne ne les suit après "
        "la signature. Cette présentation nous sera très utile.",
    ),
    (
        24,
        "message",
        "voixdekayes",
        "Le son a coupé quelques minutes de notre côté, c'est revenu.",
    ),
    (
        27,
        "message",
        "mariam",
        "La fiche de suivi dont parle Fanta : "
        "https://example.org/adef-kayes/fiche-suivi-conventions",
    ),
    (
        30,
        "ask",
        "suivi",
        "fatoumata",
        "Une fois la convention locale signée, qui vérifie qu'elle est respectée dans le "
        "village ? Le comité de veille a-t-il un rôle reconnu par la mairie ?",
    ),
    (31, "upvote", "suivi", "kadiatou"),
    (32, "upvote", "suivi", "aissata"),
    (33, "upvote", "suivi", "nassira"),
    (34, "upvote", "suivi", "kadidia"),
    (36, "upvote", "suivi", "djeneba"),
    (
        41,
        "message",
        "safiatou",
        "Dans notre AVEC de Barouéli, la caisse de solidarité a payé cette année les "
        "fournitures de onze filles, et l'inscription au collège de trois d'entre elles.",
    ),
    (42, "upvote", "suivi", "seydou"),
    (44, "upvote", "suivi", "safiatou"),
    (
        47,
        "ask",
        "avec",
        "fanta",
        "À Ségou, la caisse de solidarité sert-elle seulement à la scolarité, ou aussi "
        "aux activités qui rapportent un revenu aux mères ?",
    ),
    (48, "upvote", "avec", "coumba"),
    (
        49,
        "message",
        "djeneba",
        "À Sikasso, c'est la période des récoltes qui vide les classes : les filles partent "
        "aider aux champs et certaines ne reviennent pas.",
    ),
    (50, "upvote", "avec", "nene"),
    (52, "upvote", "avec", "voixdekayes"),
    (
        55,
        "ask",
        "religieux",
        "kadiatou",
        "Comment impliquer les leaders religieux qui refusent de venir aux causeries ?",
    ),
    (56, "upvote", "religieux", "fatoumata"),
    (57, "upvote", "religieux", "moussa"),
    (58, "raise", "seydou", "seydou"),
    (59, "upvote", "religieux", "coumba"),
    (60, "call", "seydou", "mariam"),
    (61, "upvote", "religieux", "aissata"),
    (
        63,
        "message",
        "seydou",
        "Pour compléter : l'émission sera rediffusée samedi à 20 h sur la radio de Ségou, "
        "et en soninké à Nioro la semaine prochaine.",
    ),
    (64, "lower", "seydou"),
    (65, "upvote", "religieux", "djeneba"),
    (
        66,
        "ask",
        "enregistrement",
        "nassira",
        "L'enregistrement sera-t-il disponible pour les groupements qui n'ont pas pu se "
        "connecter ? Nous pourrions le diffuser à la radio.",
    ),
    (67, "upvote", "religieux", "kadidia"),
    (68, "upvote", "enregistrement", "seydou"),
    (69, "upvote", "avec", "moussa"),
    (70, "upvote", "enregistrement", "safiatou"),
    (
        72,
        "ask",
        "soninke",
        "coumba",
        "Avez-vous des supports de sensibilisation en soninké ? Chez nous, beaucoup de mères "
        "comprennent mal le bambara.",
    ),
    (73, "upvote", "soninke", "fanta"),
    (73.5, "upvote", "soninke", "nene"),
    (74, "upvote", "enregistrement", "nene"),
    (
        75,
        "poll",
        "relais",
        "mariam",
        "Dans votre zone, qui est le premier relais quand un mariage d'enfant est annoncé ?",
        [
            "Le chef de village ou de quartier",
            "Les leaders religieux",
            "L'école (enseignant·es, comité de gestion scolaire)",
            "Le service local du développement social",
            "Un comité de veille ou une association",
        ],
    ),
    (76, "vote", "relais", "fatoumata", 4),
    (76.5, "vote", "relais", "coumba", 0),
    (77, "vote", "relais", "kadiatou", 4),
    (77.5, "vote", "relais", "moussa", 0),
    (78, "vote", "relais", "fanta", 2),
    (78.5, "vote", "relais", "nene", 0),
    (79, "vote", "relais", "aissata", 4),
    (79.5, "vote", "relais", "safiatou", 1),
    (80, "vote", "relais", "seydou", 4),
    (80.5, "vote", "relais", "djeneba", 2),
    (81, "vote", "relais", "voixdekayes", 4),
    (82, "vote", "relais", "nassira", 1),
    (83, "vote", "relais", "kadidia", 3),
    (84, "upvote", "soninke", "voixdekayes"),
    (
        85,
        "message",
        "kadiatou",
        "Merci pour la question sur les leaders religieux : c'est notre plus grande "
        "difficulté à Markala.",
    ),
    (86, "close", "relais"),
    (87, "upvote", "soninke", "moussa"),
    (88, "raise", "coumba", "coumba"),
    (89, "raise", "moussa", "moussa"),
    (90, "call", "coumba", "mariam"),
    (94, "lower", "coumba"),
    (94, "call", "moussa", "mariam"),
    (95, "answer", "suivi", "mariam"),
    (99, "lower", "moussa"),
    (101, "answer", "avec", "aminata"),
    (
        103,
        "ask",
        "cas",
        "moussa",
        "Dans mon village, la fille cadette du forgeron, 13 ans, doit être mariée après la "
        "récolte. Qui peut venir parler à son père avant la fin du mois ?",
    ),
    (105, "upvote", "cas", "coumba"),
    (108, "answer", "religieux", "mariam"),
    (112, "answer", "enregistrement", "aminata"),
    (116, "hide", "cas", "aminata"),
    (
        118,
        "message",
        "aminata",
        "Une question vient d'être masquée : elle donnait des détails qui permettent de "
        "reconnaître une famille. Mariam prend contact en privé pour ce cas.",
    ),
    (120, "raise", "djeneba", "djeneba"),
    (123, "lower", "djeneba"),
    (
        125,
        "poll",
        "visite",
        "aminata",
        "Pour le prochain semestre, que préférez-vous ?",
        [
            "Une visite d'échange à Ségou",
            "Une visite d'échange à Kayes",
            "Continuer uniquement en ligne",
        ],
    ),
    (126, "vote", "visite", "fanta", 0),
    (126.5, "vote", "visite", "coumba", 0),
    (127, "vote", "visite", "nene", 0),
    (127.5, "vote", "visite", "fatoumata", 1),
    (128, "vote", "visite", "safiatou", 1),
    (128.5, "vote", "visite", "kadiatou", 0),
    (129, "vote", "visite", "seydou", 2),
    (130, "vote", "visite", "aissata", 0),
    (131, "vote", "visite", "voixdekayes", 0),
    (132, "vote", "visite", "mariam", 0),
    (134, "close", "visite"),
    (140, "message", "fatoumata", "Merci à l'équipe de Kayes ! On vous attend à Ségou."),
    (
        145,
        "message",
        "mariam",
        "Merci à toutes et à tous. Le compte rendu et l'enregistrement seront publiés sur "
        "la page de la séance, avec les décisions.",
    ),
]

MINUTES = """\
### Qui était là

Des participant·es de Ségou, Niono, San, Markala et Barouéli côté Ségou ; de Kayes,
Diéma et Nioro du Sahel côté Kayes ; quelques membres de Mopti, Sikasso et Koulikoro.
Plusieurs groupements ont suivi à trois ou quatre sur un seul téléphone.

### Ce que nous retenons

- **Kayes** : sur les villages qui ont signé une convention locale, ceux où un comité de
  veille se réunit chaque mois signalent les mariages annoncés *avant* la date ; ailleurs,
  la convention reste un papier. La reconnaissance du comité par la mairie aide beaucoup.
- **Ségou** : la caisse de solidarité des AVEC peut financer les fournitures et
  l'inscription au collège. Les mères qui épargnent pèsent davantage dans la décision.
- **Radios** : les émissions où une mère raconte son choix touchent plus que les
  messages lus par l'animatrice.
- Le sondage désigne les **comités de veille et les associations** comme premiers relais,
  devant les chefs de village.

### Questions restées ouvertes

- Les supports en soninké manquent : voir la décision n° 1.
- Les leaders religieux réticents : l'ADEF propose de passer par des imams déjà
  engagés plutôt que par des invitations aux causeries.

### Décisions

1. Traduire la fiche de suivi des conventions locales en soninké et en bambara avant
   la prochaine séance.
2. Préparer une visite d'échange de deux jours à Ségou pour une délégation de Kayes.
3. Produire deux émissions communes Ségou–Kayes, diffusées par les radios de l'ARCE.

### Prochaine séance

Dans six mois, sur le maintien des filles à l'école après le certificat.
"""

# (text, replies in its follow-up thread or None). The thread is opened from the
# report page, as a moderator would; a reply is (username, hours later, text).
DECISIONS: list[tuple[str, list[tuple[str, float, str]] | None]] = [
    (
        "Traduire la fiche de suivi des conventions locales en soninké et en bambara avant "
        "la prochaine séance (ADEF et ARCE).",
        [
            (
                "mariam",
                0.5,
                """\
Voici comment je propose de nous organiser :

- relire la version française (Fanta et moi, cette semaine) ;
- trouver deux traductrices par langue, qui connaissent les villages ;
- faire tester la fiche par deux comités de veille avant de l'imprimer.

Si vous avez déjà traduit des supports de ce genre, dites-le ici : inutile de tout
refaire.
""",
            ),
            (
                "nene",
                5,
                "À la radio de Nioro, deux animatrices traduisent déjà nos émissions en "
                "soninké. Je leur en parle dès demain.",
            ),
            (
                "fatoumata",
                26,
                "Pour le bambara, Benkadi peut s'en charger. Envoyez-nous la version relue "
                "et nous la testerons avec le groupement de Bla.",
            ),
        ],
    ),
    (
        "Préparer une visite d'échange de deux jours à Ségou pour une délégation de Kayes, "
        "budget à chercher auprès des partenaires.",
        None,
    ),
    (
        "Produire deux émissions radio communes Ségou–Kayes, diffusées par les radios de l'ARCE.",
        None,
    ),
]


UPCOMING_SESSION: dict[str, Any] = {
    "theme": "Garder les filles à l'école après le certificat : transport, internats, bourses",
    "agenda": """\
1. **Où en sont nos décisions ?** Traduction de la fiche, visite d'échange, émissions
   communes (15 min)
2. **Kayes** — les familles d'accueil pour les collégiennes des villages éloignés
   (ADEF, 25 min)
3. **Ségou** — une AVEC qui finance le transport des filles jusqu'au collège
   (Benkadi, 25 min)
4. Questions et échanges (40 min)
5. Décisions pour le semestre suivant (15 min)
""",
    "speakers": """\
Aminata Koné — REJUDEF (animation)
Coumba Sylla — relais communautaire de l'ADEF, Diéma
Safiatou Diarra — AVEC de Barouéli, Association Benkadi
Seydou Tangara — radio de proximité, Ségou""",
    "video_url": "https://visio.jekafo.invalid/segou-kayes/seance-2",
}

# (username, days ago).
UPCOMING_REGISTRATIONS: list[tuple[str, float]] = [
    ("mariam", 12),
    ("fatoumata", 11.5),
    ("fanta", 10),
    ("coumba", 8.2),
    ("kadiatou", 6),
    ("nassira", 4.5),
    ("nene", 2),
    ("safiatou", 0.6),
]


# A one-off session in another CoP ------------------------------------------------------

ONE_OFF: dict[str, Any] = {
    "community": "loi-052",
    "author": "rokia",
    "days_ahead": 21,
    "hour": 10,
    "duration": 90,
    "capacity": 30,
    "title": "Loi 052 : préparer le relevé des nominations de l'année",
    "theme": "Méthode commune pour compter les femmes nommées et élues",
    "agenda": """\
1. Pourquoi un relevé commun : ce que les chiffres de l'an dernier ont permis (15 min)
2. La grille de relevé, colonne par colonne (30 min)
3. Qui relève quoi : répartition par région et par institution (30 min)
4. Calendrier et prochaine note de plaidoyer (15 min)

*Merci de venir avec les listes de nominations que vous avez déjà réunies.*
""",
    "speakers": """\
Me Rokia Keïta — REJUDEF (animation)
Oumou Doumbia — PNFG, chargée de plaidoyer
Hawa Coulibaly — formatrice des candidates, Koulikoro""",
    "video_url": "https://visio.jekafo.invalid/loi-052/releve-nominations",
    # Also broadcast as audio only, for members on 2G: a 16 kb/s stream (≈ 7 MB an hour).
    "radio": True,
    "stream_url": "https://radio.jekafo.invalid/loi-052/releve-nominations.opus",
    "stream_kbps": 16,
    "registrations": [
        ("oumou", 6),
        ("hawa", 5),
        ("aminata", 4),
        ("fatoumata", 3),
        ("assetou", 1.5),
        ("ibrahim", 0.8),
    ],
}


# A one-off session that is live whenever the command runs ------------------------------

# It started ``minutes_ago`` minutes before the command ran (to the minute) and
# lasts ``duration`` minutes; the command writes it again when fewer than
# LIVE_MARGIN minutes are left (see demo.live).
LIVE_SESSION: dict[str, Any] = {
    "community": "mariage-d-enfants",
    "author": "mariam",
    "minutes_ago": 8,
    "duration": 100,
    "capacity": 60,
    "title": "Mariages religieux non déclarés : que peuvent faire les comités de veille ?",
    "theme": "Quand le mariage d'une fille se fait sans passer par l'état civil",
    "agenda": """\
1. **Ouverture** et tour des régions connectées (10 min)
2. **Ce que dit le droit** — mariage religieux, déclaration à l'état civil, âge légal :
   ce que les familles croient et ce qui est écrit (REJUDEF, 20 min)
3. **Kayes** — le cahier des mariages annoncés, tenu par les comités de veille avec
   les chefs de village (ADEF, 20 min)
4. Questions, sondage et **mains levées** (35 min)
5. Ce que chaque comité fera d'ici la prochaine séance (15 min)

*La fiche de la REJUDEF est dans les documents de la séance.*
""",
    "speakers": """\
Mariam Dembélé — ADEF, Kayes (animation)
Me Rokia Keïta — juriste, REJUDEF
Fanta Diakité — clubs de jeunes filles de l'ADEF, Kayes""",
    "video_url": "https://visio.jekafo.invalid/mariage-d-enfants/comites-de-veille",
    "documents": [
        (
            "Déclarer un mariage à l'état civil : questions fréquentes (REJUDEF)",
            "https://example.org/rejudef/declaration-mariage",
        ),
    ],
    # (username, days ago). fatoumata, the demo's plain member, is registered
    # but has not yet voted nor upvoted: whoever signs in as her can.
    "registrations": [
        ("mariam", 9),
        ("aminata", 8.5),
        ("fanta", 8),
        ("coumba", 7.2),
        ("fatoumata", 6.5),
        ("kadiatou", 6),
        ("seydou", 5.1),
        ("nassira", 4.8),
        ("aissata", 4),
        ("moussa", 3.3),
        ("sira", 3),
        ("djeneba", 2.4),
        ("nene", 1.9),
        ("safiatou", 1.2),
        ("boubacar", 0.7),
        ("bintou", 0.3),
    ],
}

# The same actions as ROOM_SCRIPT, written through the services; nothing
# closes the poll nor lowers the last hand: the session is still going on.
LIVE_SCRIPT: list[tuple] = [
    (
        -19,
        "message",
        "mariam",
        "Bonjour à toutes et à tous, la salle est ouverte. Nous commençons à l'heure "
        "prévue : dites-nous d'où vous vous connectez.",
    ),
    (
        -16,
        "message",
        "fanta",
        "Bonjour de Kayes ! Nous suivons à trois depuis le bureau de l'ADEF.",
    ),
    (
        -13,
        "message",
        "kadiatou",
        "Kadiatou, depuis Markala. Je suis sur mon téléphone, je laisse la vidéo coupée.",
    ),
    (
        -11,
        "message",
        "djeneba",
        "Bonjour de Sikasso. La connexion est lente chez nous, je suivrai surtout par écrit.",
    ),
    (
        -7,
        "message",
        "sira",
        "Sira, sage-femme à Kayes. On peut m'appeler en salle d'accouchement à tout moment : "
        "je relirai les questions ensuite.",
    ),
    (
        -3,
        "message",
        "aminata",
        "Rappel : quand vous parlez d'une situation réelle, ni nom ni village. Pour un cas "
        "urgent, écrivez à la modération en privé.",
    ),
    (
        0.5,
        "message",
        "mariam",
        "Nous commençons. La fiche de la REJUDEF sur la déclaration des mariages est dans "
        "les documents de la séance.",
    ),
    (
        1,
        "ask",
        "valeur",
        "kadiatou",
        "Un mariage célébré seulement à la mosquée, sans passage à la mairie, a-t-il une "
        "valeur devant la loi ? Et que risquent les parents quand la fille n'a pas l'âge légal ?",
    ),
    (
        1.5,
        "ask",
        "fiche",
        "nassira",
        "La fiche existera-t-elle aussi en bambara ? Nous voudrions la lire à l'antenne, "
        "à la radio de Niono.",
    ),
    (2, "upvote", "valeur", "coumba"),
    (2, "raise", "moussa", "moussa"),
    (2.5, "call", "moussa", "mariam"),
    (
        2.5,
        "message",
        "coumba",
        "À Diéma, la plupart des mariages de filles se font à la mosquée ou en famille. La "
        "mairie ne l'apprend souvent que des années plus tard, pour l'acte de naissance du "
        "premier enfant.",
    ),
    (3, "upvote", "fiche", "seydou"),
    (
        3.5,
        "message",
        "moussa",
        "Ce que je viens de dire, pour ceux qui ont perdu le son : dans notre village, le "
        "comité de veille note dans un cahier chaque mariage annoncé, et le chef de village "
        "le signe à la fin du mois.",
    ),
    (3.5, "answer", "fiche", "aminata"),
    (
        3.5,
        "message",
        "aminata",
        "Pour la fiche : la version en bambara est en relecture chez Benkadi, le soninké "
        "suivra. Nous la mettrons dans les documents dès qu'elle est prête.",
    ),
    (4, "lower", "moussa"),
    (
        4,
        "poll",
        "declaration",
        "mariam",
        "Dans votre zone, les mariages de filles sont-ils déclarés à l'état civil ?",
        [
            "Presque toujours",
            "Parfois, quand la famille a besoin d'un papier",
            "Rarement",
            "Je ne sais pas",
        ],
    ),
    (
        4.5,
        "ask",
        "signalement",
        "aissata",
        "Quand un comité de veille apprend qu'un mariage est prévu, qui prévenir en premier : "
        "le chef de village, la mairie ou le service local du développement social ?",
    ),
    (4.5, "vote", "declaration", "coumba", 2),
    (5, "vote", "declaration", "kadiatou", 1),
    (5, "upvote", "signalement", "kadiatou"),
    (5, "vote", "declaration", "sira", 2),
    (5.5, "vote", "declaration", "djeneba", 1),
    (5.5, "upvote", "signalement", "moussa"),
    (5.5, "vote", "declaration", "seydou", 3),
    (6, "upvote", "valeur", "sira"),
    (6, "vote", "declaration", "aissata", 2),
    (6, "vote", "declaration", "moussa", 2),
    (6, "upvote", "signalement", "coumba"),
    (
        6.5,
        "ask",
        "radio",
        "seydou",
        "Avez-vous des exemples de messages radio qui ont convaincu des pères d'attendre "
        "que leur fille finisse l'école ?",
    ),
    (6.5, "upvote", "valeur", "aissata"),
    (6.5, "raise", "sira", "sira"),
    (6.5, "vote", "declaration", "nene", 2),
    (7, "upvote", "radio", "nene"),
    (7, "upvote", "valeur", "djeneba"),
    (
        7,
        "message",
        "boubacar",
        "Le son est bon ici. Nous sommes cinq enseignants autour d'un ordinateur, à l'école.",
    ),
]
