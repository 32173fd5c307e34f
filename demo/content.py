"""
French demo content for ``manage.py seed_demo``.

Plain data only: organisations, members, communities of practice and their
threads. Every name is fictional; e-mail addresses use example.org. Threads
are keyed on (community slug, title), so the command can tell what already
exists. A reply is a dict built by ``reply()``; its ``replies`` nest.
"""

from typing import Any

DEMO_PASSWORD = "jekafo-demo-2026"


def reply(
    author: str,
    body: str,
    *replies: dict[str, Any],
    hide: str | None = None,
    edit: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """
    Describe one post and the posts that answer it.

    ``hide`` is a moderator's reason for hiding the post; ``edit`` is
    ``(editor username, new body)``, applied after the thread is written so
    that the post has a history.
    """
    return {"author": author, "body": body, "replies": list(replies), "hide": hide, "edit": edit}


# Organisations -----------------------------------------------------------------------

ORGANISATIONS: list[dict[str, Any]] = [
    {
        "slug": "pnfg",
        "name": "Plateforme nationale des femmes pour la gouvernance",
        "acronym": "PNFG",
        "kind": "platform",
        "city": "Bamako",
        "regions": ["bamako", "kati", "koulikoro", "segou", "sikasso"],
        "domains": ["participation politique", "loi 052", "leadership féminin", "plaidoyer"],
        "description": """\
La PNFG fédère une trentaine d'associations et de réseaux qui veulent plus de femmes
là où se prennent les décisions : conseils communaux, assemblées, cabinets ministériels.

**Ce que nous faisons**

- formation des candidates et des élues (prise de parole, budget communal, négociation) ;
- suivi de l'application de la loi 052 dans les nominations et sur les listes ;
- dialogue régulier avec les partis politiques et l'administration.

Nos fiches pratiques sont en accès libre : [ressources de la PNFG](https://example.org/pnfg/ressources).
""",
    },
    {
        "slug": "alliance-sahel-egalite",
        "name": "Alliance Sahel Égalité",
        "acronym": "ASE",
        "kind": "alliance",
        "city": "Mopti",
        "regions": ["mopti", "segou", "tombouctou"],
        "domains": ["violences basées sur le genre", "paix et sécurité", "mariage d'enfants"],
        "description": """\
Alliance de douze organisations du centre du pays, créée pour que les femmes déplacées
et les femmes des zones rurales ne restent pas en marge des programmes de protection.

Nous coordonnons des **comités de veille communautaires** qui repèrent les situations à
risque et orientent les survivantes vers les services existants. Chaque semestre, nos
membres se retrouvent pour mettre en commun leurs outils et leurs difficultés.
""",
    },
    {
        "slug": "rejudef",
        "name": "Réseau des juristes pour les droits des femmes",
        "acronym": "REJUDEF",
        "kind": "network",
        "city": "Bamako",
        "regions": ["bamako", "kati", "koulikoro"],
        "domains": [
            "accès à la justice",
            "violences basées sur le genre",
            "loi 052",
            "défenseures des droits humains",
        ],
        "description": """\
Juristes, avocates et para-juristes bénévoles. Le réseau tient des permanences
d'écoute et d'orientation juridique, accompagne les survivantes de violences dans
leurs démarches et forme les para-juristes communautaires.

> Le droit n'aide que celles qui savent qu'il existe.

Permanences : mardi et jeudi matin, sur rendez-vous.
""",
    },
    {
        "slug": "adef-kayes",
        "name": "Association Dembaya pour l'enfance et la famille",
        "acronym": "ADEF",
        "kind": "association",
        "city": "Kayes",
        "regions": ["kayes"],
        "domains": ["mariage d'enfants", "éducation des filles", "santé de la reproduction"],
        "description": """\
Née à Kayes en 2009, l'ADEF travaille avec les familles, les chefs de village et les
leaders religieux pour retarder l'âge du mariage des filles et les garder à l'école.

Nos outils : causeries de quartier, clubs de jeunes filles, conventions locales
signées avec les villages, et un petit fonds pour les fournitures scolaires.
""",
    },
    {
        "slug": "benkadi-segou",
        "name": "Association Benkadi des femmes de Ségou",
        "acronym": "Benkadi",
        "kind": "association",
        "city": "Ségou",
        "regions": ["segou"],
        "domains": ["autonomisation économique", "mariage d'enfants", "participation politique"],
        "description": """\
Benkadi regroupe des groupements de transformatrices (riz étuvé, beurre de karité,
savon) et des associations villageoises d'épargne et de crédit.

Notre conviction : une femme qui gagne son propre revenu a **plus de poids** dans les
décisions de la famille, y compris sur le mariage de ses filles.
""",
    },
    {
        "slug": "reseau-yiriwa",
        "name": "Réseau Yiriwa des femmes handicapées",
        "acronym": "RYFH",
        "kind": "network",
        "city": "Kati",
        "regions": ["kati", "bamako", "koulikoro", "sikasso"],
        "domains": [
            "droits des personnes handicapées",
            "participation politique",
            "violences basées sur le genre",
        ],
        "description": """\
Le réseau rassemble des associations de femmes handicapées (moteur, visuel, auditif)
de quatre régions.

Nous demandons que chaque programme sur les droits des femmes prévoie dès le départ
l'**accessibilité** : lieux de réunion, documents en gros caractères, interprètes en
langue des signes, transport.
""",
    },
    {
        "slug": "arce",
        "name": "Alliance des radios communautaires pour l'égalité",
        "acronym": "ARCE",
        "kind": "alliance",
        "city": "Koulikoro",
        "regions": ["koulikoro", "segou", "kayes", "sikasso", "mopti"],
        "domains": ["médias", "violences basées sur le genre", "mariage d'enfants"],
        "description": """\
Dix-huit radios de proximité qui produisent et échangent des émissions sur les droits
des femmes, en bambara, en peul, en soninké et en français.

L'alliance anime aussi un **comité de veille des médias** qui relève les propos
sexistes à l'antenne et propose des formations aux animatrices et animateurs.
""",
    },
    {
        "slug": "jigiya-sikasso",
        "name": "Association Jigiya des femmes de Sikasso",
        "acronym": "Jigiya",
        "kind": "association",
        "city": "Sikasso",
        "regions": ["sikasso"],
        "domains": ["mariage d'enfants", "éducation des filles", "autonomisation économique"],
        "description": """\
Jigiya (« espoir ») accompagne les adolescentes des zones cotonnières : soutien
scolaire, apprentissage de métiers, écoute. L'association siège au comité communal de
protection de l'enfant.
""",
    },
    {
        "slug": "cfnp",
        "name": "Coalition des femmes du Nord pour la paix",
        "acronym": "CFNP",
        "kind": "alliance",
        "city": "Gao",
        "regions": ["gao", "tombouctou", "menaka", "kidal", "taoudenit"],
        "domains": [
            "paix et sécurité",
            "participation politique",
            "défenseures des droits humains",
            "violences basées sur le genre",
        ],
        "description": """\
La coalition relie des associations de femmes songhaï, tamasheq, peules et arabes des
régions du Nord. Elle porte la voix des femmes dans les instances locales de paix et
suit la mise en œuvre du plan d'action national sur la résolution 1325.

Contact par e-mail de préférence : les réseaux téléphoniques sont souvent coupés.
""",
    },
]


# Members --------------------------------------------------------------------------------

# The first three are the demo logins printed at the end of the command.
USERS: list[dict[str, Any]] = [
    {
        "username": "admin",
        "display_name": "Équipe Jɛkafɔ",
        "first_name": "",
        "last_name": "",
        "region": "bamako",
        "organisation": None,
        "staff": True,
        "bio": "Compte de l'équipe qui administre la plateforme.",
    },
    {
        "username": "aminata",
        "display_name": "Aminata Koné",
        "first_name": "Aminata",
        "last_name": "Koné",
        "region": "bamako",
        "organisation": "rejudef",
        "bio": "Juriste, coordinatrice des permanences du REJUDEF. Modératrice de plusieurs "
        "communautés.",
    },
    {
        "username": "fatoumata",
        "display_name": "Fatoumata Sangaré",
        "first_name": "Fatoumata",
        "last_name": "Sangaré",
        "region": "segou",
        "organisation": "benkadi-segou",
        "bio": "Animatrice à Benkadi, je suis les groupements de femmes de Bla et de Barouéli.",
    },
    {
        "username": "mariam",
        "display_name": "Mariam Dembélé",
        "first_name": "Mariam",
        "last_name": "Dembélé",
        "region": "kayes",
        "organisation": "adef-kayes",
        "bio": "Chargée de programme à l'ADEF, Kayes.",
    },
    {
        "username": "kadidia",
        "display_name": "Kadidia Sidibé",
        "first_name": "Kadidia",
        "last_name": "Sidibé",
        "region": "mopti",
        "organisation": "alliance-sahel-egalite",
        "bio": "Psychosociale de formation, j'anime les comités de veille de l'ASE à Mopti.",
    },
    {
        "username": "oumou",
        "display_name": "Oumou Doumbia",
        "first_name": "Oumou",
        "last_name": "Doumbia",
        "region": "bamako",
        "organisation": "pnfg",
        "bio": "Chargée de plaidoyer à la PNFG.",
    },
    {
        "username": "hawa",
        "display_name": "Hawa Coulibaly",
        "first_name": "Hawa",
        "last_name": "Coulibaly",
        "region": "koulikoro",
        "organisation": "pnfg",
        "bio": "Ancienne conseillère communale, formatrice des candidates.",
    },
    {
        "username": "rokia",
        "display_name": "Me Rokia Keïta",
        "first_name": "Rokia",
        "last_name": "Keïta",
        "region": "bamako",
        "organisation": "rejudef",
        "bio": "Avocate au barreau du Mali, membre du REJUDEF.",
    },
    {
        "username": "assetou",
        "display_name": "Assétou Diallo",
        "first_name": "Assétou",
        "last_name": "Diallo",
        "region": "kati",
        "organisation": "reseau-yiriwa",
        "bio": "Présidente du Réseau Yiriwa. Je me déplace en fauteuil : pensez aux rampes !",
    },
    {
        "username": "bintou",
        "display_name": "Bintou Samaké",
        "first_name": "Bintou",
        "last_name": "Samaké",
        "region": "koulikoro",
        "organisation": "arce",
        "bio": "Animatrice radio, coordinatrice du comité de veille des médias de l'ARCE.",
    },
    {
        "username": "salimata",
        "display_name": "Salimata Togo",
        "first_name": "Salimata",
        "last_name": "Togo",
        "region": "mopti",
        "organisation": "alliance-sahel-egalite",
        "bio": "Chargée de suivi-évaluation à l'ASE.",
    },
    {
        "username": "djeneba",
        "display_name": "Djénéba Kanté",
        "first_name": "Djénéba",
        "last_name": "Kanté",
        "region": "sikasso",
        "organisation": "jigiya-sikasso",
        "bio": "Coordinatrice de Jigiya, Sikasso.",
    },
    {
        "username": "seydou",
        "display_name": "Seydou Tangara",
        "first_name": "Seydou",
        "last_name": "Tangara",
        "region": "segou",
        "organisation": "arce",
        "bio": "Journaliste à une radio de proximité de Ségou. Allié engagé.",
    },
    {
        "username": "ibrahim",
        "display_name": "Ibrahim Haïdara",
        "first_name": "Ibrahim",
        "last_name": "Haïdara",
        "region": "tombouctou",
        "organisation": "alliance-sahel-egalite",
        "language": "en",
        "bio": "Chargé de partenariats à l'ASE, antenne de Tombouctou.",
    },
    {
        "username": "aichatou",
        "display_name": "Aïchatou Walet Ahmed",
        "first_name": "Aïchatou",
        "last_name": "Walet Ahmed",
        "region": "menaka",
        "organisation": "cfnp",
        "bio": "Point focal de la CFNP à Ménaka.",
    },
    {
        "username": "voixdekayes",
        "display_name": "Voix de Kayes",
        "first_name": "",
        "last_name": "",
        "region": "kayes",
        "organisation": None,
        "bio": "Militante. J'écris sous pseudonyme pour pouvoir parler librement.",
    },
    {
        "username": "sentinelle",
        "display_name": "Sentinelle de Mopti",
        "first_name": "",
        "last_name": "",
        "region": "mopti",
        "organisation": None,
        "bio": "Défenseure des droits humains dans le centre du pays.",
    },
    {
        "username": "nana",
        "display_name": "Nana du Fleuve",
        "first_name": "",
        "last_name": "",
        "region": "gao",
        "organisation": "cfnp",
        "bio": "Membre de la CFNP à Gao.",
    },
]

DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "équipe du site (staff, superutilisateur)"),
    ("aminata", "modératrice de plusieurs communautés, dont la communauté privée"),
    ("fatoumata", "membre simple"),
]


# Communities of practice ------------------------------------------------------------

COMMUNITIES: list[dict[str, Any]] = [
    {
        "slug": "mariage-d-enfants",
        "name": "Mariage d'enfants",
        "summary": "Prévenir les mariages précoces : expériences de terrain, outils de "
        "sensibilisation, dialogue avec les familles et les leaders.",
        "visibility": "public",
        "regions": ["kayes", "koulikoro", "segou", "sikasso", "mopti"],
        "moderators": ["mariam", "aminata"],
        "members": [
            "fatoumata",
            "kadidia",
            "djeneba",
            "seydou",
            "salimata",
            "voixdekayes",
            "bintou",
            "hawa",
            "assetou",
            "oumou",
        ],
        "description": """\
Cette communauté réunit les organisations qui travaillent à **retarder l'âge du mariage
des filles** et à les maintenir à l'école.

On y partage :

- des récits de terrain (ce qui a marché, ce qui a échoué) ;
- des outils : conventions locales, guides de causerie, fiches de suivi ;
- des questions urgentes, quand un mariage est annoncé et qu'il faut agir vite.

Les situations individuelles se racontent **sans nom ni lieu précis**.
""",
    },
    {
        "slug": "participation-politique",
        "name": "Participation politique des femmes",
        "summary": "Candidates, élues et associations : se préparer aux élections, tenir son "
        "mandat, peser dans les partis.",
        "visibility": "public",
        "regions": ["bamako", "kati", "koulikoro", "segou", "sikasso", "gao", "menaka"],
        "moderators": ["oumou", "hawa"],
        "members": [
            "fatoumata",
            "rokia",
            "bintou",
            "aichatou",
            "nana",
            "ibrahim",
            "kadidia",
            "seydou",
            "assetou",
            "aminata",
        ],
        "description": """\
Un espace pour les femmes qui se présentent, qui siègent ou qui accompagnent les
candidates.

**Thèmes fréquents** : formation des candidates, financement des campagnes, relations
avec les partis, violences faites aux femmes en politique, bilan des mandats.

Rencontre en ligne le premier jeudi du mois ; le compte rendu est publié ici.
""",
    },
    {
        "slug": "loi-052",
        "name": "Application de la loi 052",
        "summary": "Suivre le respect du quota de 30 % dans les nominations et sur les listes "
        "électorales, et préparer le plaidoyer.",
        "visibility": "public",
        "regions": ["bamako", "kati", "koulikoro", "segou", "tombouctou", "gao"],
        "moderators": ["rokia"],
        "members": [
            "oumou",
            "hawa",
            "fatoumata",
            "aminata",
            "ibrahim",
            "bintou",
            "assetou",
            "nana",
            "seydou",
        ],
        "description": """\
La loi n° 2015-052 institue des mesures pour promouvoir le genre dans l'accès aux
fonctions nominatives et électives. Cette communauté en suit l'application :

1. relevé des nominations et de la composition des listes ;
2. analyse juridique des recours possibles ;
3. notes de plaidoyer rédigées à plusieurs.

Les chiffres partagés ici doivent citer leur source.
""",
    },
    {
        "slug": "vbg",
        "name": "Violences basées sur le genre",
        "summary": "Prise en charge des survivantes, orientation, prévention et plaidoyer "
        "contre les violences basées sur le genre.",
        "visibility": "public",
        "regions": ["bamako", "kati", "mopti", "segou", "sikasso", "gao", "tombouctou"],
        "moderators": ["aminata", "kadidia"],
        "members": [
            "fatoumata",
            "mariam",
            "salimata",
            "djeneba",
            "assetou",
            "seydou",
            "bintou",
            "voixdekayes",
            "sentinelle",
            "nana",
            "aichatou",
            "rokia",
        ],
        "description": """\
Pour les personnes qui accompagnent des survivantes de violences : écoutantes,
para-juristes, agentes de santé, animatrices.

> Rien ici ne doit permettre de reconnaître une survivante.

Les messages qui donnent un nom, un village ou un détail identifiant sont masqués par
la modération, sans exception.
""",
    },
    {
        "slug": "defenseures-en-securite",
        "name": "Défenseures en sécurité",
        "summary": "Communauté privée : sécurité physique et numérique des défenseures des "
        "droits humains, entraide en cas de menace.",
        "visibility": "private",
        "regions": ["bamako", "mopti", "gao", "menaka", "kidal", "tombouctou", "kayes"],
        "moderators": ["aminata", "rokia"],
        "members": ["sentinelle", "nana", "aichatou", "kadidia", "voixdekayes", "mariam"],
        "description": """\
Communauté **privée**, sur invitation. Elle ne figure pas dans la liste publique et
son contenu n'est visible que par ses membres.

On y parle des menaces reçues, des mesures de protection et des ressources d'urgence.
Les pseudonymes sont encouragés ; ne publiez ni adresse, ni itinéraire, ni numéro.
""",
    },
]

# A member of a public CoP who is not yet in it asks to join (left pending).
JOIN_REQUEST = {
    "username": "voixdekayes",
    "community": "participation-politique",
    "message": "Bonjour, je milite à Kayes et plusieurs femmes de mon quartier veulent se "
    "présenter aux prochaines communales. J'aimerais apprendre de vos expériences.",
}

# A moderator's invitation link for the private CoP.
INVITATION = {"community": "defenseures-en-securite", "moderator": "aminata", "days": 30}


# Threads -------------------------------------------------------------------------------
#
# ``days_ago`` dates the opening post; replies follow in creation order, a few
# hours to a day apart (``gap_hours`` overrides the range). ``pinned`` and
# ``locked`` (a reason) are applied by the CoP's first moderator.

THREADS: list[dict[str, Any]] = []

# Mariage d'enfants ---------------------------------------------------------------------

THREADS += [
    {
        "community": "mariage-d-enfants",
        "title": "Bienvenue : charte et mode d'emploi de la communauté",
        "author": "mariam",
        "tags": ["charte", "mode d'emploi"],
        "days_ago": 118,
        "pinned": True,
        "body": """\
Bienvenue à toutes et à tous !

Cette communauté sert à **apprendre les unes des autres**. Quelques règles simples :

1. On raconte les situations **sans nom, sans village précis, sans photo**.
2. On cite ses sources quand on donne un chiffre ou un texte de loi.
3. On répond aux questions urgentes en priorité : un mariage peut être célébré en
   quelques jours.
4. On reste respectueuses, même quand on n'est pas d'accord sur la méthode.

Pour commencer, présentez-vous en répondant ici : votre organisation, votre région et
ce que vous attendez de la communauté.
""",
        "replies": [
            reply(
                "djeneba",
                "Bonjour, Djénéba de Jigiya à Sikasso. Nous suivons une soixantaine "
                "d'adolescentes. J'attends surtout des idées pour parler aux pères, que nous "
                "touchons très mal.",
                reply(
                    "mariam",
                    "Bienvenue Djénéba ! Pour les pères, regarde le fil sur les conventions "
                    "locales : les chefs de village ont été notre porte d'entrée.",
                ),
            ),
            reply(
                "seydou",
                "Seydou, radio de proximité à Ségou. Je peux relayer vos messages à "
                "l'antenne et j'ai des créneaux libres le samedi matin.",
            ),
            reply(
                "voixdekayes",
                "J'écris sous pseudonyme, merci de respecter ce choix. Je suis à Kayes et "
                "je vois trop de filles de 14 ans quitter l'école après la fête.",
            ),
        ],
    },
    {
        "community": "mariage-d-enfants",
        "title": "Comment réagir quand un mariage est annoncé pour la semaine prochaine ?",
        "author": "voixdekayes",
        "tags": ["urgence", "mariage d'enfants", "orientation"],
        "days_ago": 21,
        "body": """\
Une voisine vient de m'apprendre que la fille d'une famille que je connais (13 ans,
en 6e année) doit être mariée **dans huit jours**. La mère n'est pas d'accord mais n'ose
rien dire au père.

Qu'est-ce que vous feriez à ma place ? Qui faut-il prévenir en premier, et dans quel
ordre ? Je ne veux pas mettre la mère en danger.
""",
        "replies": [
            reply(
                "mariam",
                """\
Merci d'avoir posté vite. Ce que nous faisons à l'ADEF dans ce cas :

1. **Parler à la mère en premier**, discrètement, pour savoir ce qu'elle accepte
   qu'on fasse.
2. Prévenir le **service local de la promotion de la femme, de l'enfant et de la
   famille** : il peut convoquer la famille.
3. Passer par une personne respectée du père (un oncle, l'imam, le chef de quartier)
   plutôt que par une ONG, qui sera vue comme une ingérence.

Et garder une trace écrite de tout, avec les dates.""",
                reply(
                    "voixdekayes",
                    "Merci Mariam. Le service de la promotion de la femme peut vraiment "
                    "intervenir si la famille dit que tout est « arrangé » ?",
                    reply(
                        "aminata",
                        """\
Oui. La fille a 13 ans : le **Code des personnes et de la famille** ne permet pas ce
mariage, même avec une dispense, et l'officier d'état civil ne peut pas le célébrer.
Le service peut saisir le juge des enfants si la famille passe outre.

Le problème, c'est le mariage religieux ou coutumier célébré sans passer par la
mairie. Là, c'est la pression sociale qui marche le mieux.""",
                        reply(
                            "voixdekayes",
                            "C'est exactement notre cas : rien ne passera par la mairie. "
                            "Je vais voir l'oncle maternel demain.",
                            reply(
                                "mariam",
                                "Bonne idée. Dis-lui de parler de l'école et de la santé "
                                "de la petite plutôt que de la loi ; la loi peut venir "
                                "après, si ça bloque.",
                            ),
                        ),
                    ),
                ),
            ),
            reply(
                "kadidia",
                "Pense aussi à la fille elle-même : a-t-elle quelqu'un à qui parler ? Dans "
                "nos comités, une « grande sœur » du quartier reste à côté d'elle pendant "
                "toute la période.",
            ),
            reply(
                "voixdekayes",
                """\
**Nouvelles** : l'oncle a parlé au père, l'imam du quartier l'a soutenu. Le mariage
est reporté « après le certificat ». Ce n'est pas une victoire définitive mais elle
retourne à l'école lundi. Merci à toutes.""",
                reply(
                    "djeneba",
                    "Très belle nouvelle. Note bien la date de l'examen : c'est souvent le "
                    "moment où la question revient.",
                ),
            ),
        ],
    },
    {
        "community": "mariage-d-enfants",
        "title": "Modèle de convention locale signée avec les chefs de village (à adapter)",
        "author": "djeneba",
        "tags": ["outil", "convention locale", "leaders coutumiers"],
        "days_ago": 96,
        "body": """\
Comme promis, voici la trame de convention que nous avons fait signer dans sept villages
du cercle de Sikasso. Elle tient sur une page, c'est voulu.

**Engagements du village**

- ne pas célébrer de mariage pour une fille de moins de 18 ans ;
- informer le comité de veille de tout projet de mariage précoce ;
- réserver un tour de parole aux femmes lors des assemblées villageoises.

**Engagements de l'association**

- appui aux fournitures scolaires pour les filles du village ;
- une causerie par trimestre ;
- un bilan public chaque année.

Le document complet (en français et en bambara) :
[convention-type-jigiya.docx](https://example.org/jigiya/convention-type).
""",
        "replies": [
            reply(
                "fatoumata",
                "Merci Djénéba. Qui signe côté village ? Seulement le chef, ou aussi le "
                "conseil et les femmes ?",
                reply(
                    "djeneba",
                    "Le chef, deux conseillers, la présidente des femmes et le président des "
                    "jeunes. Les jeunes, c'est important : ce sont eux qui se marient.",
                ),
            ),
            reply(
                "mariam",
                "À Kayes, nous avons ajouté une clause sur les « fiançailles » : beaucoup "
                "de familles promettent la fille très tôt et le mariage suit mécaniquement.",
            ),
            reply(
                "salimata",
                "Avez-vous un indicateur pour savoir si la convention est respectée ? "
                "Nos bailleurs nous le demandent systématiquement.",
                reply(
                    "djeneba",
                    "Nous comptons les filles de 12 à 17 ans encore scolarisées à la rentrée "
                    "et les mariages signalés par le comité. C'est imparfait mais régulier.",
                    reply(
                        "salimata",
                        "Imparfait mais régulier, c'est déjà beaucoup. Je te propose d'en "
                        "faire une fiche commune pour la communauté.",
                    ),
                ),
            ),
        ],
    },
    {
        "community": "mariage-d-enfants",
        "title": "Retour d'expérience : garder les filles à l'école après le CAP à Bla",
        "author": "fatoumata",
        "tags": ["éducation des filles", "retour d'expérience", "autonomisation économique"],
        "days_ago": 63,
        "body": """\
Chez nous, le moment critique, c'est la fin du premier cycle : l'école du second cycle
est à 12 km et beaucoup de familles disent « à quoi bon ».

Ce qui a changé les choses cette année :

- les groupements Benkadi ont financé **huit vélos** avec les bénéfices de l'étuvage du
  riz ;
- les mères se relaient pour héberger les filles qui habitent trop loin pendant la
  semaine ;
- une ancienne élève devenue sage-femme est venue parler aux parents.

Résultat : sur 23 filles sorties du premier cycle, 19 sont inscrites au second.
""",
        "replies": [
            reply(
                "hawa",
                "Les vélos, c'est simple et ça marche. Comment décidez-vous qui en reçoit un ?",
                reply(
                    "fatoumata",
                    "Les mères du groupement votent, en donnant la priorité aux filles qui "
                    "habitent le plus loin. Le vélo reste la propriété du groupement.",
                ),
            ),
            reply(
                "seydou",
                "Est-ce que l'ancienne élève accepterait de passer à la radio ? Un "
                "témoignage comme le sien vaut dix spots.",
            ),
            reply(
                "assetou",
                "Pensez aux filles handicapées dans ce dispositif : un tricycle coûte à peu "
                "près le prix de deux vélos.",
                reply(
                    "fatoumata",
                    "Tu as raison, nous n'y avions pas pensé. Je mets la question à l'ordre "
                    "du jour de la prochaine réunion.",
                ),
            ),
        ],
    },
    {
        "community": "mariage-d-enfants",
        "title": "Arguments religieux : quelles ressources pour dialoguer avec les imams ?",
        "author": "kadidia",
        "tags": ["leaders religieux", "plaidoyer", "outil"],
        "days_ago": 44,
        "body": """\
Lors des causeries, on nous répond souvent que « la religion permet le mariage dès la
puberté ». Nos animatrices ne sont pas formées pour répondre sur ce terrain, et ce n'est
pas forcément à elles de le faire.

Avez-vous travaillé avec des imams ou des prêcheuses qui portent un autre discours ?
Des supports (audio surtout) seraient précieux.
""",
        "replies": [
            reply(
                "mariam",
                "Nous travaillons avec un réseau de prêcheuses à Kayes. Elles insistent sur "
                "la santé de la mère et sur le consentement de la fille, et ça passe mieux "
                "que nos arguments juridiques.",
                reply(
                    "kadidia",
                    "Est-ce qu'elles accepteraient de venir à Mopti ? Nous prenons en charge "
                    "le transport.",
                    reply(
                        "mariam",
                        "Je leur pose la question cette semaine. Elles préfèrent en général "
                        "venir à deux.",
                    ),
                ),
            ),
            reply(
                "bintou",
                "L'ARCE a enregistré une série de six émissions avec des imams de Koulikoro "
                "et de Ségou. Les fichiers sont ici : "
                "[émissions « Le temps de grandir »](https://example.org/arce/temps-de-grandir).",
            ),
            reply(
                "seydou",
                "Attention à ne pas opposer religion et droits : les auditeurs décrochent "
                "tout de suite. Le format questions-réponses avec un imam marche mieux "
                "qu'un débat contradictoire.",
            ),
        ],
    },
    {
        "community": "mariage-d-enfants",
        "title": "Données : combien de cas avez-vous recensés ce trimestre ?",
        "author": "salimata",
        "tags": ["données", "suivi-évaluation"],
        "days_ago": 9,
        "body": """\
Je prépare la synthèse trimestrielle de la communauté. Pouvez-vous indiquer, pour votre
zone, le nombre de **projets de mariage précoce signalés** et le nombre de **mariages
évités ou reportés** ?

Je commence :

| Zone | Signalés | Évités ou reportés |
|------|---------:|-------------------:|
| Mopti (3 communes) | 14 | 6 |

Merci de préciser comment vous comptez, pour qu'on compare ce qui est comparable.
""",
        "replies": [
            reply(
                "mariam",
                "Kayes (2 communes) : 9 signalés, 5 reportés. Nous comptons un cas quand le "
                "comité de veille l'a vérifié auprès de deux sources.",
            ),
            reply(
                "djeneba",
                "Sikasso : 6 signalés, 4 évités. Mais nous n'avons des comités que dans "
                "sept villages, donc c'est très en dessous de la réalité.",
                reply(
                    "salimata",
                    "Merci, je le préciserai en note. C'est le même problème partout : nos "
                    "chiffres mesurent notre présence plus que le phénomène.",
                ),
            ),
            reply(
                "fatoumata",
                "Ségou (Bla) : 4 signalés, 3 reportés. Je t'envoie le détail par message.",
            ),
        ],
    },
]

# Participation politique des femmes -------------------------------------------------

THREADS += [
    {
        "community": "participation-politique",
        "title": "Lisez-moi : objectifs de la communauté et calendrier des rencontres",
        "author": "oumou",
        "tags": ["charte", "calendrier"],
        "days_ago": 115,
        "pinned": True,
        "body": """\
Cette communauté a trois objectifs pour l'année :

1. **Préparer** au moins 200 candidates aux prochaines élections locales ;
2. **Accompagner** les élues en poste (budget communal, prise de parole, réseaux) ;
3. **Documenter** les obstacles que rencontrent les femmes dans les partis.

Rencontres en ligne : premier jeudi du mois, 16 h. Les comptes rendus sont publiés dans
cette communauté avec l'étiquette « compte rendu ».
""",
        "replies": [
            reply(
                "aichatou",
                "Merci Oumou. Pour Ménaka, la connexion est très instable : est-ce qu'on "
                "peut aussi participer par téléphone ?",
                reply(
                    "oumou",
                    "Oui, nous ouvrons une ligne d'appel pour chaque rencontre. Le numéro "
                    "est envoyé par e-mail la veille.",
                ),
            ),
            reply(
                "assetou",
                "Merci de prévoir une interprète en langue des signes quand c'est possible. "
                "Deux de nos membres sont sourdes et veulent se présenter.",
            ),
        ],
    },
    {
        "community": "participation-politique",
        "title": "Inscriptions : formation des candidates aux élections communales (complet)",
        "author": "hawa",
        "tags": ["formation", "candidates", "élections locales"],
        "days_ago": 88,
        "locked": "Atelier complet : les inscriptions sont closes.",
        "body": """\
La PNFG organise une formation de trois jours à Koulikoro pour **30 futures
candidates**.

- prise de parole et entretien avec les médias ;
- lecture d'un budget communal ;
- constitution d'une liste et négociation dans le parti.

Inscrivez-vous en répondant ici avec votre commune et votre parti (ou « indépendante »).
Hébergement et transport pris en charge.
""",
        "replies": [
            reply("fatoumata", "Inscription : Bla, indépendante pour l'instant."),
            reply("nana", "Inscription : Gao, deux candidates de notre coalition."),
            reply(
                "kadidia",
                "Est-ce que des candidates de Mopti peuvent venir ? Les routes sont "
                "difficiles en ce moment.",
                reply(
                    "hawa",
                    "Oui, nous prévoyons le transport par Ségou. Envoie-moi leurs noms par "
                    "message privé.",
                ),
            ),
            reply("assetou", "Inscription : Kati, une candidate en fauteuil roulant."),
            reply(
                "hawa",
                "**Merci à toutes : les 30 places sont prises.** Une liste d'attente est "
                "ouverte par e-mail. Je verrouille la discussion.",
            ),
        ],
    },
    {
        "community": "participation-politique",
        "title": "Pourquoi les femmes élues abandonnent-elles en cours de mandat ?",
        "author": "bintou",
        "tags": ["élues", "mandat", "violences politiques"],
        "days_ago": 52,
        "body": """\
Dans notre commune, deux des trois conseillères élues ne viennent plus aux sessions.
Quand je leur demande pourquoi, j'entends : « on ne nous écoute pas », « mon mari ne veut
plus », « les réunions finissent la nuit ».

Est-ce que vous observez la même chose ? Et qu'est-ce qui aide les élues à tenir ?
""",
        "replies": [
            reply(
                "hawa",
                """\
J'ai siégé cinq ans. Ce qui m'a fait tenir :

- une **marraine** plus ancienne au conseil ;
- un groupe d'élues de plusieurs communes qui se réunissait chaque trimestre ;
- des réunions fixées **avant 18 h**, obtenu après une longue bataille.""",
                reply(
                    "bintou",
                    "Comment avez-vous obtenu les réunions avant 18 h ? Chez nous le maire "
                    "dit que les hommes travaillent aux champs la journée.",
                    reply(
                        "hawa",
                        "Nous avons proposé une alternance : une session l'après-midi, une en "
                        "soirée. Au bout d'un an, plus personne ne voulait la soirée !",
                        reply(
                            "bintou",
                            "Je retiens l'alternance, c'est une proposition difficile à refuser.",
                            reply(
                                "oumou",
                                "Ça mériterait une fiche pratique. Hawa, tu veux bien "
                                "qu'on l'écrive ensemble ?",
                            ),
                        ),
                    ),
                ),
            ),
            reply(
                "aichatou",
                "Il y a aussi les insultes et les menaces, dont on parle peu. Une élue de "
                "notre zone a reçu des messages anonymes pendant des mois.",
                reply(
                    "aminata",
                    "C'est une forme de violence politique et elle peut être documentée. Si "
                    "elle le souhaite, la communauté « Défenseures en sécurité » peut "
                    "l'aider à faire le point.",
                ),
            ),
            reply(
                "seydou",
                "Les radios peuvent aussi donner de la visibilité aux élues : une émission "
                "où elles rendent compte de leur travail les rend plus difficiles à "
                "ignorer.",
            ),
        ],
    },
    {
        "community": "participation-politique",
        "title": "Compte rendu : rencontre avec les partis politiques à Ségou",
        "author": "fatoumata",
        "tags": ["compte rendu", "partis politiques", "plaidoyer"],
        "days_ago": 30,
        "body": """\
**Rencontre du samedi, salle de la mairie de Ségou.** Sept partis représentés, 41
participantes et participants.

**Ce que nous avons demandé**

- des femmes en position éligible, pas seulement en fin de liste ;
- une formation des secrétaires à l'organisation sur la loi 052 ;
- la fin des réunions de désignation tenues de nuit.

**Ce que nous avons obtenu**

- quatre partis s'engagent par écrit à placer une femme dans les trois premières
  places ;
- une nouvelle rencontre dans six mois pour faire le bilan.

> « Vous nous demandez des candidates, mais vous les découragez dès la première réunion. »
> — une participante, très applaudie.

Le compte rendu détaillé : [CR-rencontre-partis-segou.pdf](https://example.org/benkadi/cr-partis).
""",
        "replies": [
            reply(
                "oumou",
                "Bravo pour l'engagement écrit, c'est rare. Pouvez-vous partager le modèle "
                "de lettre d'engagement ?",
                reply(
                    "fatoumata",
                    "Je l'ai ajouté au dossier partagé : "
                    "[lettre d'engagement](https://example.org/benkadi/lettre-engagement).",
                ),
            ),
            reply(
                "ibrahim",
                "Nous aimerions organiser la même rencontre à Tombouctou. Combien de temps "
                "vous a pris la préparation ?",
                reply(
                    "fatoumata",
                    "Environ un mois, surtout pour obtenir la présence des responsables "
                    "régionaux et pas seulement des militants.",
                ),
            ),
        ],
    },
    {
        "community": "participation-politique",
        "title": "Prise de parole en public : exercices qui ont marché avec nos candidates",
        "author": "aichatou",
        "tags": ["formation", "candidates", "outil"],
        "days_ago": 16,
        "body": """\
Je partage trois exercices que nous utilisons à Ménaka :

1. **La minute du marché** : présenter son programme en une minute, debout, devant le
   groupe, comme si on parlait à une commerçante pressée.
2. **La question piège** : une participante joue un adversaire qui interrompt ; on
   s'entraîne à reprendre la parole calmement.
3. **L'enregistrement** : on s'écoute sur le téléphone et on note une seule chose à
   améliorer.

Et vous, quels exercices utilisez-vous ?
""",
        "replies": [
            reply(
                "hawa",
                "La question piège est excellente. Nous ajoutons la version « question "
                "sur le mari » : on la pose à presque toutes les candidates.",
            ),
            reply(
                "nana",
                "À Gao, nous faisons répéter en songhaï et en français : beaucoup de "
                "candidates sont très à l'aise dans leur langue et perdent leurs moyens en "
                "français.",
                reply(
                    "aichatou",
                    "Oui, et c'est un argument à faire valoir : une élue doit d'abord être "
                    "comprise par sa population.",
                ),
            ),
            reply(
                "bintou",
                "Si vous voulez, l'ARCE peut prêter un studio pour un vrai passage radio "
                "d'entraînement.",
            ),
        ],
    },
    {
        "community": "participation-politique",
        "title": "Financer une campagne quand on est une femme : vos astuces ?",
        "author": "nana",
        "tags": ["financement", "candidates", "autonomisation économique"],
        "days_ago": 4,
        "body": """\
La première chose qu'on nous demande dans les partis, c'est : « combien tu peux mettre
dans la campagne ? ». La plupart de nos candidates n'ont pas de revenu propre.

Quelles solutions avez-vous trouvées ? Cotisations, tontines, soutien d'une
organisation ?
""",
        "replies": [
            reply(
                "fatoumata",
                "Nos groupements d'épargne ont créé une petite caisse « candidates », "
                "alimentée par 250 F par membre et par mois. Ce n'est pas énorme, mais "
                "c'est de l'argent qui n'oblige à personne.",
                reply(
                    "nana",
                    "« De l'argent qui n'oblige à personne » : c'est exactement le point. "
                    "Merci Fatoumata.",
                ),
            ),
            reply(
                "rokia",
                "Attention à bien tenir les comptes : en cas de contestation, une "
                "candidate doit pouvoir montrer d'où vient chaque franc.",
            ),
            reply(
                "oumou",
                "La PNFG prépare une note sur le financement public des partis et la part "
                "qui devrait revenir aux candidates. Je la partagerai ici pour relecture.",
            ),
        ],
    },
]

# Application de la loi 052 ------------------------------------------------------------

THREADS += [
    {
        "community": "loi-052",
        "title": "Ressources de base : texte de la loi 052 et fiches pratiques",
        "author": "rokia",
        "tags": ["loi 052", "ressources", "charte"],
        "days_ago": 110,
        "pinned": True,
        "body": """\
Pour éviter de reposer les mêmes questions, voici les documents de référence :

- le texte de la **loi n° 2015-052 du 18 décembre 2015** :
  [texte intégral](https://example.org/textes/loi-2015-052) ;
- une fiche de lecture en deux pages (français et bambara) :
  [fiche pratique](https://example.org/rejudef/fiche-loi-052) ;
- un modèle de lettre pour demander la composition d'une liste ou d'un organe.

**En une phrase** : ni les femmes ni les hommes ne doivent représenter moins de 30 %
des nominations et des candidats sur les listes.

Ajoutez en réponse les documents utiles que vous trouvez.
""",
        "replies": [
            reply(
                "oumou",
                "J'ajoute notre guide illustré pour les associations de base : "
                "[guide PNFG](https://example.org/pnfg/guide-loi-052).",
            ),
            reply(
                "assetou",
                "Une version audio de la fiche serait utile pour nos membres "
                "malvoyantes. Quelqu'un peut-il l'enregistrer ?",
                reply(
                    "bintou",
                    "Je m'en occupe à la radio la semaine prochaine, en bambara et en français.",
                ),
            ),
        ],
    },
    {
        "community": "loi-052",
        "title": "Tableau de suivi des nominations : qui veut contribuer ?",
        "author": "oumou",
        "tags": ["suivi", "nominations", "données"],
        "days_ago": 74,
        "body": """\
Nous relevons chaque mois les nominations publiées dans les comptes rendus du conseil
des ministres et au Journal officiel. Voici le début du tableau :

| Mois | Nominations relevées | Dont femmes | Part |
|------|---------------------:|------------:|-----:|
| Mois 1 | 58 | 11 | 19 % |
| Mois 2 | 42 | 10 | 24 % |
| Mois 3 | 65 | 14 | 22 % |

Nous cherchons **trois volontaires** pour le relevé des nominations régionales
(gouvernorats, directions régionales). Qui est partante ?
""",
        "replies": [
            reply(
                "nana",
                "Je prends Gao. Les arrêtés régionaux sont affichés au gouvernorat, je peux "
                "les photographier.",
            ),
            reply(
                "ibrahim",
                "I can take Tombouctou. Je précise : je lis mieux l'anglais mais je "
                "rédigerai les relevés en français.",
            ),
            reply(
                "seydou",
                "Ségou pour moi. Question : on compte les intérims ?",
                reply(
                    "oumou",
                    "Non, seulement les nominations définitives. Mais note les intérims à "
                    "part : certaines femmes restent « intérimaires » pendant des années.",
                    reply(
                        "rokia",
                        "C'est un point juridique intéressant : un intérim prolongé pourrait "
                        "être une manière de contourner la loi. À documenter.",
                    ),
                ),
            ),
        ],
    },
    {
        "community": "loi-052",
        "title": "Listes électorales non conformes : qui saisir et dans quels délais ?",
        "author": "hawa",
        "tags": ["recours", "élections locales", "loi 052"],
        "days_ago": 58,
        "body": """\
Question pratique avant les prochaines élections : si une liste déposée dans notre
commune ne respecte pas le minimum de 30 %, **qui peut contester, auprès de qui, et en
combien de temps** ?

Nos militantes ont l'impression qu'on découvre toujours le problème trop tard.
""",
        "replies": [
            reply(
                "rokia",
                """\
Bonne question, et vous avez raison : **les délais sont très courts**, souvent
quelques jours après la publication des listes.

Dans les grandes lignes :

- le premier contrôle se fait au dépôt des listes, par l'administration chargée de les
  recevoir ;
- ensuite, le contentieux des listes va devant le juge de l'élection concernée ;
- la loi électorale en vigueur fixe qui peut agir et dans quel délai : vérifiez-le
  **avant** l'ouverture du dépôt des candidatures.

Le plus efficace reste de se procurer les listes dès leur publication.""",
                reply(
                    "hawa",
                    "Donc il faut quelqu'un qui surveille l'affichage dès le premier jour. "
                    "On peut organiser ça par commune.",
                    reply(
                        "rokia",
                        "Exactement. Et préparez à l'avance un modèle de requête : le jour "
                        "venu, on n'a plus le temps de rédiger.",
                    ),
                ),
            ),
            reply(
                "aminata",
                "Le REJUDEF peut relire les requêtes dans la journée si on nous prévient "
                "à l'avance de la date de publication.",
            ),
            reply(
                "fatoumata",
                "Est-ce qu'une association peut agir, ou seulement un candidat ?",
                reply(
                    "rokia",
                    "En général, seuls les candidats, les partis et certaines autorités "
                    "peuvent agir. D'où l'intérêt de travailler avec une candidate ou un "
                    "parti allié.",
                ),
            ),
        ],
    },
    {
        "community": "loi-052",
        "title": "La loi 052 s'applique-t-elle aux conseils d'administration ?",
        "author": "ibrahim",
        "tags": ["loi 052", "nominations", "question juridique"],
        "days_ago": 37,
        "body": """\
Un partenaire m'a demandé si les conseils d'administration des établissements publics
sont couverts par la loi 052. Je n'ai pas su répondre.

Quelqu'un a-t-il déjà regardé la question ?
""",
        "replies": [
            reply(
                "rokia",
                "La loi vise les nominations dans les institutions et au gouvernement, et "
                "les listes électorales. Pour les conseils d'administration, cela dépend de "
                "la manière dont les membres sont désignés : nommés par décret ou désignés "
                "par des organisations. C'est justement une zone grise.",
                reply(
                    "ibrahim",
                    "Merci. Donc un plaidoyer pour clarifier le champ de la loi serait utile ?",
                    reply(
                        "oumou",
                        "Oui, c'est d'ailleurs un des points de notre note de plaidoyer. "
                        "Je t'invite à la commenter.",
                    ),
                ),
            ),
            reply(
                "aminata",
                "On pourrait commencer par recenser la composition de cinq ou six conseils : "
                "c'est public et ça donnerait des exemples concrets.",
            ),
        ],
    },
    {
        "community": "loi-052",
        "title": "Loi 052 et femmes handicapées : nous sommes doublement absentes",
        "author": "assetou",
        "tags": ["droits des personnes handicapées", "loi 052", "plaidoyer"],
        "days_ago": 25,
        "body": """\
Les 30 % progressent lentement, mais parmi les femmes nommées ou élues, **combien sont
handicapées** ? Dans notre relevé à Kati : aucune.

Je propose que le tableau de suivi ajoute une colonne « handicap » (sur déclaration,
évidemment) et que nos notes de plaidoyer en parlent explicitement.
""",
        "replies": [
            reply(
                "oumou",
                "D'accord sur le principe. La difficulté, c'est que l'information n'est "
                "pas publique. On pourrait passer par les associations de personnes "
                "handicapées ?",
                reply(
                    "assetou",
                    "Oui, le réseau peut faire le lien. Et surtout, ne rien publier sans "
                    "l'accord de la personne.",
                ),
            ),
            reply(
                "hawa",
                "Aux formations de candidates, nous n'avons jamais vérifié si les salles "
                "étaient accessibles. Je le fais pour la prochaine session.",
            ),
            reply(
                "nana",
                "Même constat à Gao. Merci d'avoir ouvert le sujet.",
            ),
        ],
    },
    {
        "community": "loi-052",
        "title": "Note de plaidoyer : de 30 % à la parité — premier jet à commenter",
        "author": "oumou",
        "tags": ["plaidoyer", "note de plaidoyer", "loi 052"],
        "days_ago": 12,
        "body": """\
Voici le premier jet de la note de plaidoyer de la communauté :
[note-plaidoyer-v1](https://example.org/pnfg/note-plaidoyer-v1).

**Les trois demandes**

1. appliquer la loi **à toutes les nominations**, y compris régionales ;
2. prévoir une sanction claire quand le quota n'est pas respecté ;
3. ouvrir un débat public sur le passage progressif à la parité.

Commentaires bienvenus jusqu'à la fin du mois, directement ici.
""",
        "edit": (
            "oumou",
            """\
Voici le premier jet de la note de plaidoyer de la communauté :
[note-plaidoyer-v1](https://example.org/pnfg/note-plaidoyer-v1).

**Les trois demandes**

1. appliquer la loi **à toutes les nominations**, y compris régionales et dans les
   conseils d'administration ;
2. prévoir une sanction claire quand le quota n'est pas respecté ;
3. ouvrir un débat public sur le passage progressif à la parité.

Commentaires bienvenus jusqu'à la fin du mois, directement ici.

*Modifié : ajout des conseils d'administration après la discussion avec Ibrahim.*
""",
        ),
        "replies": [
            reply(
                "rokia",
                "Sur le point 2, il faut préciser **qui** constate le non-respect et "
                "**qui** sanctionne, sinon la demande restera lettre morte.",
            ),
            reply(
                "assetou",
                "Je propose d'ajouter une phrase sur les femmes handicapées, comme discuté "
                "dans l'autre fil.",
                reply("oumou", "Noté, ce sera dans la version 2."),
            ),
            reply(
                "seydou",
                "Pour la diffusion, prévoyez une version courte lisible à l'antenne "
                "(deux minutes maximum).",
            ),
        ],
    },
]

# Violences basées sur le genre --------------------------------------------------------

THREADS += [
    {
        "community": "vbg",
        "title": "Charte de confidentialité : à lire avant de publier",
        "author": "aminata",
        "tags": ["charte", "confidentialité"],
        "days_ago": 117,
        "pinned": True,
        "body": """\
Cette communauté parle de situations graves. Avant de publier :

- **aucun nom**, aucun surnom, aucun village ou quartier précis ;
- aucun détail qui permettrait de reconnaître une survivante (âge exact, métier du
  mari, date de l'événement) ;
- pas de photo ni de capture d'écran de conversation.

Les messages qui ne respectent pas ces règles seront **masqués** par la modération, avec
un motif. Ce n'est pas une sanction : c'est une protection.

> En cas de danger immédiat, on ne poste pas ici : on oriente vers les services
> d'urgence et les structures de prise en charge.
""",
        "replies": [
            reply(
                "kadidia",
                "Merci Aminata. J'ajoute : si vous hésitez, écrivez d'abord à une "
                "modératrice, nous vous aiderons à formuler.",
            ),
            reply(
                "voixdekayes",
                "Est-ce qu'on peut parler de cas anciens, déjà jugés ?",
                reply(
                    "aminata",
                    "Oui, en gardant les mêmes précautions : une affaire jugée reste "
                    "l'histoire d'une personne.",
                ),
            ),
        ],
    },
    {
        "community": "vbg",
        "title": "Certificat médical payant : comment faites-vous pour les survivantes ?",
        "author": "kadidia",
        "tags": ["prise en charge", "certificat médical", "accès à la justice"],
        "days_ago": 81,
        "body": """\
Dans plusieurs structures de santé de notre zone, le certificat médical reste payant.
Pour une survivante sans revenu, c'est souvent là que la procédure s'arrête.

Comment faites-vous ? Fonds d'urgence, accord avec les centres de santé, autre chose ?
""",
        "replies": [
            reply(
                "aminata",
                "Le REJUDEF a un petit fonds pour les frais de certificat et de transport. "
                "Mais il est épuisé dès le milieu de l'année.",
                reply(
                    "kadidia",
                    "Même chose chez nous. Combien coûte en moyenne un certificat chez vous ?",
                    reply(
                        "aminata",
                        "Cela varie beaucoup selon la structure. Le transport coûte parfois "
                        "plus cher que le certificat lui-même.",
                        reply(
                            "salimata",
                            "C'est ce que montrent aussi nos fiches de suivi : on sous-estime "
                            "toujours le coût du transport.",
                        ),
                    ),
                ),
            ),
            reply(
                "djeneba",
                "À Sikasso, nous avons négocié avec un centre de santé : l'association paie "
                "à la fin du mois, la survivante ne sort pas d'argent.",
                reply(
                    "kadidia",
                    "Excellente idée. Vous avez un accord écrit ?",
                    reply(
                        "djeneba",
                        "Une simple lettre signée par le médecin-chef et notre présidente. "
                        "Je peux partager le modèle.",
                    ),
                ),
            ),
            reply(
                "rokia",
                "C'est un point de plaidoyer évident : la **gratuité effective** du "
                "certificat pour les survivantes. Plusieurs pays voisins l'ont fait.",
            ),
        ],
    },
    {
        "community": "vbg",
        "title": "Cartographie des services de prise en charge par région (à compléter)",
        "author": "salimata",
        "tags": ["orientation", "cartographie", "outil"],
        "days_ago": 66,
        "body": """\
Pour bien orienter, il faut savoir qui fait quoi. Je commence une liste par région ;
complétez en réponse, je mettrai à jour le document :
[cartographie-services-vbg](https://example.org/ase/cartographie-vbg).

**Mopti**

- prise en charge médicale : hôpital régional, centres de santé de référence ;
- écoute psychosociale : deux associations membres de l'ASE ;
- orientation juridique : permanence mensuelle d'une clinique juridique.

Merci d'indiquer pour chaque service : **ce qu'il propose, s'il est gratuit, ses
horaires**.
""",
        "replies": [
            reply(
                "assetou",
                "**Kati** : une structure de prise en charge intégrée à l'hôpital, écoute "
                "tous les jours. Accessible en fauteuil, ce qui est rare.",
            ),
            reply(
                "nana",
                """\
**Gao** : une cellule d'écoute à la CFNP, le mardi et le vendredi. Pour joindre
directement l'écoutante, appelez Mme T. au +223 70 00 00 00, elle répond aussi le
soir.""",
                edit=(
                    "aminata",
                    "**Gao** : une cellule d'écoute à la CFNP, le mardi et le vendredi. "
                    "Pour joindre l'écoutante, passez par le numéro de la coalition "
                    "(disponible auprès des modératrices).\n\n"
                    "*Modifié par la modération : numéro personnel retiré.*",
                ),
            ),
            reply(
                "djeneba",
                "**Sikasso** : centre de santé de référence (médical), Jigiya pour "
                "l'écoute, et un para-juriste au tribunal le jeudi.",
                reply(
                    "salimata",
                    "Merci à toutes, la version 2 du document est en ligne.",
                ),
            ),
        ],
    },
    {
        "community": "vbg",
        "title": "Situation d'une jeune femme dans le centre : besoin de conseils d'orientation",
        "author": "sentinelle",
        "tags": ["orientation", "urgence", "prise en charge"],
        "days_ago": 35,
        "body": """\
Une jeune femme que nous accompagnons a quitté le domicile conjugal après des violences
répétées. Elle est hébergée chez une parente, mais la famille du mari fait pression
pour qu'elle revienne.

Elle veut savoir si elle peut **demander le divorce** sans perdre ses enfants, et qui
peut l'aider gratuitement. Des conseils ?
""",
        "replies": [
            reply(
                "nana",
                "Je crois que je la connais, c'est la fille de la famille du marché aux "
                "poissons, derrière la mosquée ? Son mari travaille à la douane.",
                hide="Message masqué : il permettait d'identifier la personne accompagnée "
                "(lieu, famille, métier du conjoint).",
            ),
            reply(
                "aminata",
                """\
Merci de ne donner **aucun détail** permettant de la reconnaître, même ici. J'ai
masqué un message pour cette raison.

Sur le fond :

1. elle peut demander le divorce ; la garde des enfants est décidée par le juge
   selon leur intérêt, ce n'est pas automatique au profit du père ;
2. une clinique juridique ou un para-juriste peut l'accompagner gratuitement ;
3. en attendant, il est important qu'elle garde une trace des violences (certificat,
   témoins).""",
                reply(
                    "sentinelle",
                    "Merci, et désolée pour le message masqué, ce n'était pas le mien mais "
                    "je comprends.",
                ),
                reply(
                    "rokia",
                    "Je peux la recevoir à la permanence du REJUDEF si elle peut venir à "
                    "Bamako. Sinon, nous avons un correspondant dans la région.",
                    reply(
                        "sentinelle",
                        "Le correspondant régional serait mieux : le voyage serait "
                        "remarqué. Je t'écris en privé.",
                    ),
                ),
            ),
            reply(
                "kadidia",
                "Pense à son soutien psychologique aussi. Nos écoutantes peuvent faire des "
                "séances par téléphone.",
            ),
        ],
    },
    {
        "community": "vbg",
        "title": "Compte rendu : causerie avec les hommes leaders à Kati",
        "author": "assetou",
        "tags": ["compte rendu", "masculinités", "prévention"],
        "days_ago": 19,
        "body": """\
Nous avons réuni **24 hommes** : chefs de quartier, responsables de grins, deux imams et
un enseignant. Thème : « Qu'est-ce qu'un homme respecté ? ».

**Ce qui est ressorti**

- beaucoup reconnaissent des violences autour d'eux mais les appellent « problèmes de
  foyer » ;
- les violences économiques (confisquer l'argent de l'épouse) ne sont pas perçues comme
  des violences ;
- plusieurs veulent que l'on vienne parler aux jeunes hommes avant le mariage.

**Prochaine étape** : une causerie dans deux grins de jeunes, animée par deux des
participants.
""",
        "replies": [
            reply(
                "seydou",
                "Très intéressant. À Ségou, nous avons fait une émission avec des hommes "
                "qui racontent comment ils ont changé. Ça touche plus qu'un discours.",
                reply(
                    "assetou",
                    "Tu peux partager l'enregistrement ? On pourrait l'écouter ensemble au "
                    "début de la causerie des jeunes.",
                    reply(
                        "seydou",
                        "Le voici : [émission « Nous aussi »]"
                        "(https://example.org/arce/nous-aussi).",
                    ),
                ),
            ),
            reply(
                "mariam",
                "Faites attention à ce que les hommes relais ne deviennent pas les seuls "
                "porte-parole : les femmes du quartier doivent rester au centre.",
            ),
            reply(
                "fatoumata",
                "La question des violences économiques revient aussi chez nous. Nous "
                "allons en faire un thème de causerie.",
            ),
        ],
    },
    {
        "community": "vbg",
        "title": "Avant-projet de loi sur les VBG : où en est-on ?",
        "author": "rokia",
        "tags": ["plaidoyer", "loi vbg", "accès à la justice"],
        "days_ago": 47,
        "body": """\
En l'absence d'une loi spécifique, les violences basées sur le genre sont poursuivies
avec les dispositions générales du Code pénal, qui ne couvrent pas tout (violences
économiques, violences psychologiques, protection des survivantes pendant la
procédure).

Où en sont vos plaidoyers ? Avez-vous des contacts récents avec les autorités sur ce
texte ?
""",
        "replies": [
            reply(
                "aminata",
                "Nous avons rencontré des membres de la commission chargée des lois il y a "
                "deux mois. Écoute polie, aucun calendrier.",
            ),
            reply(
                "kadidia",
                "Il faut aussi préparer le terrain auprès des leaders religieux : c'est là "
                "que les précédentes tentatives ont bloqué.",
                reply(
                    "rokia",
                    "D'accord. Une idée : présenter le texte d'abord comme une loi de "
                    "protection de la famille et des enfants.",
                    reply(
                        "kadidia",
                        "À condition de ne rien céder sur le fond. Les mots comptent, mais "
                        "les dispositions encore plus.",
                    ),
                ),
            ),
            reply(
                "bintou",
                "Les radios peuvent lancer une série « Ce que la loi changerait » avec des "
                "témoignages anonymisés. On en parle ?",
            ),
        ],
    },
    {
        "community": "vbg",
        "title": "Émissions radio sur les VBG : partage de scripts en bambara et en français",
        "author": "bintou",
        "tags": ["médias", "sensibilisation", "outil"],
        "days_ago": 6,
        "body": """\
L'ARCE met à disposition **douze scripts** d'émissions de 15 minutes, testés dans nos
radios :

- violences conjugales : reconnaître les signes ;
- où trouver de l'aide dans sa commune ;
- le rôle des voisins et de la famille ;
- violences économiques.

Chaque script existe en bambara et en français ; les versions en peul et en soninké
arrivent. Téléchargement : [scripts VBG](https://example.org/arce/scripts-vbg).

Si vous les utilisez, dites-nous ce qui a marché ou pas.
""",
        "replies": [
            reply(
                "seydou",
                "Nous avons diffusé le script sur les violences économiques : beaucoup "
                "d'appels d'auditrices, et même d'auditeurs. À refaire.",
            ),
            reply(
                "salimata",
                "Pour Mopti, la version peule sera très attendue. Je peux aider à la relecture.",
                reply(
                    "bintou",
                    "Merci ! Je t'envoie le premier script cette semaine.",
                ),
            ),
        ],
    },
]

# Défenseures en sécurité (private) ---------------------------------------------------

THREADS += [
    {
        "community": "defenseures-en-securite",
        "title": "Règles de la communauté privée : discrétion et pseudonymes",
        "author": "aminata",
        "tags": ["charte", "sécurité"],
        "days_ago": 100,
        "pinned": True,
        "body": """\
Cette communauté est privée : seuls ses membres la voient. Cela ne suffit pas à tout
protéger, donc :

- utilisez un **pseudonyme** si vous le souhaitez, personne ne vous le reprochera ;
- ne publiez **jamais** d'adresse, d'itinéraire, d'horaire de déplacement ni de
  numéro de téléphone ;
- ne transférez pas les messages d'ici vers d'autres groupes.

Les invitations sont envoyées par les modératrices. Si vous pensez qu'une personne
devrait nous rejoindre, écrivez-nous.
""",
        "replies": [
            reply(
                "sentinelle",
                "Merci pour cet espace. Je n'aurais pas pu écrire sous mon nom.",
            ),
            reply(
                "nana",
                "Question : les modératrices voient-elles nos adresses e-mail ?",
                reply(
                    "aminata",
                    "Non. Seule l'équipe technique du site y a accès, et elle ne les "
                    "communique à personne.",
                ),
            ),
        ],
    },
    {
        "community": "defenseures-en-securite",
        "title": "Sécurité numérique : configurer son téléphone en 10 minutes",
        "author": "rokia",
        "tags": ["sécurité numérique", "outil", "formation"],
        "days_ago": 71,
        "body": """\
Une liste courte, à faire tout de suite :

1. **Code de verrouillage** de six chiffres au moins (pas la date de naissance).
2. **Validation en deux étapes** sur la messagerie et sur l'e-mail.
3. **Messages éphémères** activés dans les groupes sensibles.
4. Sauvegarde des contacts importants **ailleurs** que sur le téléphone.
5. Vérifier quelles applications ont accès à la localisation.

Le guide complet, illustré : [guide-securite-numerique](https://example.org/rejudef/securite-numerique).
""",
        "replies": [
            reply(
                "aichatou",
                "Le point 4 est essentiel : quand on m'a pris mon téléphone à un poste de "
                "contrôle, j'ai perdu tous mes contacts.",
                reply(
                    "rokia",
                    "C'est arrivé à plusieurs d'entre nous. Un carnet papier bien caché "
                    "reste une bonne solution.",
                ),
            ),
            reply(
                "voixdekayes",
                "Comment activer les messages éphémères sur un téléphone simple ?",
                reply(
                    "kadidia",
                    "Sur un téléphone sans application de messagerie, ce n'est pas "
                    "possible. Dans ce cas : effacer régulièrement les SMS sensibles.",
                ),
            ),
            reply(
                "mariam",
                "Pourrait-on organiser une séance pratique en ligne ? Lire une liste, c'est "
                "bien ; le faire ensemble, c'est mieux.",
            ),
        ],
    },
    {
        "community": "defenseures-en-securite",
        "title": "Menaces après une émission radio : que faire dans les premières 48 heures ?",
        "author": "sentinelle",
        "tags": ["menaces", "protection", "urgence"],
        "days_ago": 27,
        "body": """\
Après une émission où j'ai parlé des mariages forcés, j'ai reçu des appels anonymes et
quelqu'un est passé poser des questions sur moi à mon lieu de travail.

Je ne sais pas si je dois prendre ça au sérieux ou si ça va se calmer. Qu'auriez-vous
fait ?
""",
        "replies": [
            reply(
                "aminata",
                """\
**Il faut le prendre au sérieux**, sans paniquer. Pour les 48 premières heures :

- noter chaque appel (date, heure, numéro, ce qui a été dit) ;
- prévenir deux personnes de confiance de vos déplacements ;
- changer vos trajets habituels ;
- ne pas répondre aux provocations.

Ensuite, on évalue ensemble s'il faut aller plus loin (plainte, éloignement
temporaire).""",
                reply(
                    "sentinelle",
                    "Merci. J'ai commencé à noter. Est-ce qu'il faut porter plainte tout "
                    "de suite ?",
                    reply(
                        "rokia",
                        "Une plainte laisse une trace officielle, c'est utile. Mais "
                        "parfois elle attire l'attention. On en parle en privé pour décider "
                        "selon ta situation.",
                        reply(
                            "sentinelle",
                            "D'accord, je t'écris ce soir.",
                        ),
                    ),
                ),
            ),
            reply(
                "aichatou",
                "Il existe des fonds d'urgence pour les défenseures (relogement, "
                "transport). Je mets les informations dans l'autre fil.",
            ),
            reply(
                "nana",
                "Tu n'es pas seule. Nous sommes plusieurs à être passées par là, et ça "
                "finit souvent par se calmer quand on montre qu'on est entourée.",
            ),
        ],
    },
    {
        "community": "defenseures-en-securite",
        "title": "Fonds d'urgence pour défenseures : retours sur les démarches",
        "author": "aichatou",
        "tags": ["fonds d'urgence", "protection", "ressources"],
        "days_ago": 24,
        "body": """\
Plusieurs fonds internationaux soutiennent les défenseures menacées : relogement
temporaire, frais médicaux, transport, remplacement de matériel.

**Ce que j'ai appris en faisant une demande** :

- la réponse arrive en une à deux semaines quand le dossier est complet ;
- il faut une organisation ou une personne qui **atteste** de votre activité ;
- on peut écrire en français.

Liste des fonds que je connais : [fonds d'urgence](https://example.org/cfnp/fonds-urgence).
""",
        "replies": [
            reply(
                "kadidia",
                "L'ASE peut fournir des attestations pour les membres du centre. Il suffit "
                "de nous écrire.",
            ),
            reply(
                "mariam",
                "Est-ce que ces fonds couvrent aussi la famille ? Quand une défenseure doit "
                "partir, ses enfants partent avec elle.",
                reply(
                    "aichatou",
                    "Certains oui, d'autres non. Il faut le préciser dans la demande, avec "
                    "le nombre de personnes.",
                ),
            ),
        ],
    },
    {
        "community": "defenseures-en-securite",
        "title": "Prendre soin de soi : épuisement et soutien entre pairs",
        "author": "nana",
        "tags": ["bien-être", "soutien entre pairs"],
        "days_ago": 3,
        "body": """\
On parle beaucoup de sécurité physique et numérique, moins de notre fatigue. Après
plusieurs années d'écoute de survivantes, je dors mal et je n'arrive plus à « couper ».

Comment faites-vous pour tenir ? Est-ce que vos organisations prévoient quelque chose ?
""",
        "replies": [
            reply(
                "kadidia",
                "À l'ASE, nous avons instauré un groupe de parole mensuel entre écoutantes, "
                "animé par une psychologue extérieure. Ça a changé beaucoup de choses.",
                reply(
                    "nana",
                    "Extérieure, c'est important : on ne dit pas tout devant sa responsable.",
                ),
            ),
            reply(
                "voixdekayes",
                "Moi, je me suis fixé une règle : pas de téléphone militant après 21 h. "
                "Au début c'était dur, maintenant je dors.",
            ),
            reply(
                "aminata",
                "On pourrait proposer un groupe de parole entre membres de cette "
                "communauté, en ligne, une fois par mois. Qui serait intéressée ?",
                reply("sentinelle", "Moi."),
                reply("mariam", "Moi aussi, le soir si possible."),
            ),
        ],
    },
]


# The long thread -------------------------------------------------------------------------
#
# A caravan's log: one report per stop, each followed by a few replies. With
# about sixty posts it spans two pages of the thread view.

CARAVAN_STOPS: list[tuple[str, str, list[dict[str, Any]]]] = [
    (
        "mariam",
        "**Étape 1 — Kayes (ville).** Lancement au marché central avec les groupements de "
        "femmes. Près de 200 personnes, beaucoup de jeunes filles venues par curiosité. "
        "Le théâtre-forum sur la « promesse » faite à la naissance a beaucoup fait rire, "
        "puis beaucoup discuter.",
        [
            reply("voixdekayes", "J'y étais : la scène de la belle-mère a marqué tout le monde."),
            reply("seydou", "Bravo pour le lancement ! Vous avez un enregistrement ?"),
        ],
    ),
    (
        "voixdekayes",
        "**Étape 2 — Diéma.** Rencontre avec le chef de village et ses conseillers. "
        "Accueil réservé au début : « ce sont les affaires des familles ». La discussion "
        "a changé quand une sage-femme a parlé des accouchements difficiles des très "
        "jeunes mères.",
        [
            reply(
                "mariam",
                "La santé reste notre meilleur argument dans les villages.",
                reply("kadidia", "Chez nous aussi. Les chiffres de l'hôpital parlent d'eux-mêmes."),
            ),
        ],
    ),
    (
        "mariam",
        "**Étape 3 — Nioro du Sahel.** Causerie avec les mères dans la cour de l'école. "
        "Elles disent toutes vouloir que leurs filles finissent l'école, mais « ce sont "
        "les pères qui décident ». Il faut trouver comment toucher les pères.",
        [
            reply("djeneba", "Même constat à Sikasso. Les pères, c'est notre point faible."),
            reply(
                "hawa",
                "Et si on organisait une causerie réservée aux pères, animée par un homme "
                "du village ?",
                reply("mariam", "C'est prévu pour le retour, merci de l'idée."),
            ),
        ],
    ),
    (
        "voixdekayes",
        "**Étape 4 — Yélimané.** Forte participation de la diaspora : plusieurs hommes "
        "rentrés de France pour les congés. Débat animé sur les mariages arrangés à "
        "distance, par téléphone.",
        [
            reply(
                "aminata",
                "Le mariage arrangé à distance est un vrai sujet juridique. Le consentement "
                "de la fille n'est presque jamais vérifié.",
            ),
            reply("salimata", "Vous avez compté les participants de la diaspora ?"),
        ],
    ),
    (
        "mariam",
        "**Étape 5 — Bafoulabé.** Journée perturbée par la pluie, causerie déplacée dans "
        "la salle de la mairie. Moins de monde, mais de vraies questions : que dit la "
        "loi, qui faut-il prévenir, que risque une famille ?",
        [
            reply("fatoumata", "Les petites réunions donnent souvent les meilleures discussions."),
        ],
    ),
    (
        "seydou",
        "**Étape 6 — Kita.** Émission en direct depuis la radio locale avec deux membres "
        "de la caravane. Une vingtaine d'appels en une heure, dont plusieurs jeunes filles "
        "qui ont demandé où trouver de l'aide.",
        [
            reply(
                "bintou",
                "Une vingtaine d'appels, c'est énorme pour une radio de cette taille !",
                reply("seydou", "L'animatrice a dû prolonger de trente minutes."),
            ),
            reply("mariam", "Merci Seydou, le relais radio change tout."),
        ],
    ),
    (
        "mariam",
        "**Étape 7 — Kolokani.** Rencontre avec le comité communal de protection de "
        "l'enfant. Le comité existe sur le papier mais ne s'est pas réuni depuis un an. "
        "Nous avons proposé de l'accompagner pour une première réunion.",
        [
            reply(
                "hawa",
                "Je connais une conseillère à Kolokani, je peux la mettre en contact avec vous.",
            ),
            reply("aminata", "Un comité qui ne se réunit pas, c'est hélas très courant."),
        ],
    ),
    (
        "fatoumata",
        "**Étape 8 — Banamba.** Les femmes du groupement de maraîchères ont préparé le "
        "repas de toute la caravane. Causerie sous le hangar du marché : les mères ont "
        "parlé des dépenses du mariage qui endettent les familles pour des années.",
        [
            reply(
                "djeneba",
                "L'argument économique est souvent oublié. Les familles s'endettent pour "
                "marier une fille de 14 ans.",
                reply(
                    "fatoumata",
                    "Exactement. Une mère a dit : « on paie deux fois, le mariage et le divorce ».",
                ),
            ),
        ],
    ),
    (
        "fatoumata",
        "**Étape 9 — Barouéli.** Journée avec les clubs de jeunes filles. Elles ont "
        "présenté une chanson composée pour la caravane, et l'ont chantée à la radio le "
        "soir même.",
        [
            reply("seydou", "La chanson passe maintenant tous les jours sur notre antenne !"),
            reply(
                "assetou", "Vous pouvez partager les paroles ? Nos clubs voudraient l'apprendre."
            ),
        ],
    ),
    (
        "fatoumata",
        "**Étape 10 — Ségou (ville).** Rencontre avec les leaders religieux au centre "
        "culturel. Deux imams ont accepté de faire un prêche sur le consentement lors de "
        "la prière du vendredi suivant.",
        [
            reply(
                "kadidia",
                "Deux imams engagés, c'est une vraie réussite. Vous aviez préparé cette "
                "rencontre longtemps à l'avance ?",
                reply(
                    "fatoumata",
                    "Trois mois de visites, une par une. Rien ne remplace le contact personnel.",
                ),
            ),
            reply("mariam", "Bravo à l'équipe de Ségou !"),
        ],
    ),
    (
        "seydou",
        "**Étape 11 — Bla.** Théâtre-forum devant plus de 300 personnes. Pour la première "
        "fois, un père est monté sur scène pour jouer le rôle du père qui refuse le "
        "mariage de sa fille.",
        [
            reply("voixdekayes", "Un père sur scène : c'est le signe que quelque chose bouge."),
            reply("hawa", "Magnifique. On a des photos (floutées) pour le rapport ?"),
        ],
    ),
    (
        "fatoumata",
        "**Étape 12 — San.** Causerie avec les enseignants. Ils constatent que les filles "
        "disparaissent des classes au CM2, souvent sans explication. Nous avons proposé "
        "un cahier de signalement simple.",
        [
            reply(
                "salimata",
                "Un cahier de signalement, c'est une excellente source de données. "
                "Pouvez-vous partager le modèle ?",
                reply("fatoumata", "Je le mets dans le fil sur les données dès notre retour."),
            ),
        ],
    ),
    (
        "seydou",
        "**Étape 13 — Tominian.** Accueil par les femmes de l'Église et de la mosquée "
        "ensemble, ce qui est rare. Elles ont demandé que la caravane revienne l'an "
        "prochain.",
        [
            reply("aminata", "Les alliances entre communautés religieuses sont précieuses."),
            reply("bintou", "On pourrait enregistrer une émission commune avec elles ?"),
        ],
    ),
    (
        "fatoumata",
        "**Étape 14 — Macina.** Étape écourtée pour des raisons de sécurité. Nous avons "
        "pu tenir une courte causerie avec les femmes leaders, en petit comité.",
        [
            reply(
                "kadidia",
                "Bonne décision. La sécurité de l'équipe passe avant tout.",
                reply("mariam", "Oui. Nous reviendrons quand ce sera possible."),
            ),
        ],
    ),
    (
        "seydou",
        "**Étape 15 — Niono.** Rencontre avec les associations de riziculteurs. Les "
        "hommes ont été nombreux et attentifs ; un responsable a proposé d'inscrire le "
        "mariage des enfants à l'ordre du jour de leur assemblée annuelle.",
        [
            reply("oumou", "Passer par les organisations paysannes, c'est une très bonne idée."),
            reply("djeneba", "On devrait essayer avec les coopératives cotonnières à Sikasso."),
        ],
    ),
    (
        "djeneba",
        "**Étape 16 — Koutiala.** La caravane rejoint la région de Sikasso. Causerie avec "
        "les élèves du lycée : beaucoup de questions sur les fiançailles précoces et sur "
        "ce qu'on peut faire quand on est soi-même concernée.",
        [
            reply(
                "aminata",
                "Pensez à laisser un contact discret aux élèves, une boîte à questions "
                "anonyme par exemple.",
                reply("djeneba", "C'est fait, avec le numéro de notre écoutante."),
            ),
        ],
    ),
    (
        "djeneba",
        "**Étape 17 — Sikasso (ville).** Signature de la convention locale par trois "
        "nouveaux villages, en présence du préfet. Les présidentes de femmes ont pris la "
        "parole en premier, c'était une première.",
        [
            reply("mariam", "Trois villages de plus ! Félicitations."),
            reply("voixdekayes", "Que les présidentes parlent en premier, c'est tout un symbole."),
        ],
    ),
    (
        "djeneba",
        "**Étape 18 — Bougouni.** Rencontre avec les mineuses d'orpaillage. Plusieurs "
        "adolescentes travaillent sur les sites et y sont mariées très jeunes. Un sujet "
        "que nous connaissons mal.",
        [
            reply(
                "salimata",
                "Les sites d'orpaillage sont un angle mort de nos données. Il faudrait une "
                "étude spécifique.",
                reply(
                    "djeneba",
                    "Tout à fait d'accord. Je propose d'en faire un fil à part après la caravane.",
                ),
            ),
        ],
    ),
    (
        "mariam",
        "**Étape 19 — Kati.** Avant-dernière étape, avec le Réseau Yiriwa. Causerie "
        "accessible, avec interprète en langue des signes : pour beaucoup de jeunes "
        "filles sourdes, c'était la première fois qu'on leur parlait de leurs droits.",
        [
            reply(
                "assetou", "Merci d'avoir pensé à l'accessibilité. Les filles en parlent encore."
            ),
            reply("oumou", "Un exemple à suivre pour toutes nos activités."),
        ],
    ),
    (
        "mariam",
        "**Étape 20 — Bamako, clôture.** Restitution devant les partenaires et les "
        "autorités. Nous avons remis les engagements recueillis en chemin : 14 "
        "conventions, 6 comités relancés, plus de 40 émissions radio.",
        [
            reply(
                "aminata",
                "Bravo à toute l'équipe. Le bilan écrit sera très utile pour le plaidoyer.",
                reply("mariam", "Il arrive d'ici deux semaines. Merci à toutes et à tous !"),
            ),
            reply("fatoumata", "Quelle aventure. Vivement la prochaine caravane !"),
        ],
    ),
]

THREADS.append(
    {
        "community": "mariage-d-enfants",
        "title": "Caravane « Laissez-les grandir » : journal de bord, étape par étape",
        "author": "mariam",
        "tags": ["caravane", "sensibilisation", "mariage d'enfants", "compte rendu"],
        "days_ago": 105,
        # One stop every few days, so the log covers the whole period.
        "gap_hours": (14, 40),
        "body": """\
La caravane de sensibilisation part demain de Kayes pour **vingt étapes** dans les
régions de Kayes, Koulikoro, Ségou et Sikasso, avant la clôture à Bamako.

Au programme de chaque étape :

- théâtre-forum sur le mariage des enfants ;
- causerie avec les mères, puis avec les pères quand c'est possible ;
- rencontre avec les autorités locales et les leaders religieux ;
- émission en direct ou enregistrée avec la radio locale.

Les équipes publieront ici un court compte rendu **à chaque étape**. Répondez-leur,
posez vos questions, proposez des contacts sur place !
""",
        "replies": [reply(author, body, *answers) for author, body, answers in CARAVAN_STOPS]
        + [
            reply(
                "salimata",
                "Merci pour ce journal de bord, c'est une mine pour le suivi-évaluation. "
                "Je vais en tirer les indicateurs du trimestre.",
            ),
        ],
    }
)

# Chat salons: (username, minutes ago, text). Written through the chat service,
# then dated back.
SALONS: dict[str, list[tuple[str, int, str]]] = {
    "mariage-d-enfants": [
        (
            "mariam",
            1440,
            "Bonjour à toutes et à tous ! Le salon est ouvert pour les questions rapides entre "
            "deux discussions.",
        ),
        (
            "kadidia",
            1380,
            "Bonjour Mariam. À Kayes, la caravane de sensibilisation part lundi vers Diéma.",
        ),
        (
            "fatoumata",
            1370,
            "Super ! Vous avez encore des affiches de la campagne « Laissez-les grandir » ?",
        ),
        (
            "kadidia",
            1365,
            "Il en reste une cinquantaine. Je peux en envoyer à Ségou par le car de mardi.",
        ),
        (
            "aminata",
            300,
            "Rappel : le modèle de convention avec les chefs de village est dans la discussion « "
            "Outils ».",
        ),
        ("djeneba", 120, "Merci ! On l'a adapté en bambara pour les réunions de Markala."),
        (
            "seydou",
            45,
            "Est-ce que quelqu'un a les chiffres 2025 des mariages avant 15 ans pour la région "
            "de Mopti ?",
        ),
        (
            "mariam",
            40,
            "L'enquête régionale sort en décembre. En attendant, le rapport de la plateforme a "
            "les chiffres 2024 : https://example.org/rapport-2024",
        ),
    ],
    "loi-052": [
        (
            "rokia",
            2000,
            "Salon ouvert. Partagez ici vos nouvelles des listes électorales communales.",
        ),
        (
            "oumou",
            1900,
            "À Kati, deux listes sur cinq respectent les 30 %. On prépare un courrier au "
            "gouverneur.",
        ),
        (
            "hawa",
            1850,
            "Envoyez-nous le modèle de courrier quand il sera prêt, on fera pareil à Koulikoro.",
        ),
        (
            "fatoumata",
            60,
            "Le courrier est prêt, je le dépose dans la discussion « Recours » ce soir.",
        ),
    ],
}

# CoPs each demo member hears of (new threads notify them).
FOLLOWS: dict[str, list[str]] = {
    "fatoumata": ["mariage-d-enfants", "loi-052"],
    "aminata": ["vbg", "defenseures-en-securite"],
    "kadidia": ["mariage-d-enfants"],
}

# Threads each demo member chose a level for (« Mes abonnements » shows all three levels):
# (CoP slug, thread title, level). Posting or being mentioned already follows a thread at
# « tout »; these are chosen, so later automatic follows never change them.
THREAD_FOLLOWS: dict[str, list[tuple[str, str, str]]] = {
    "fatoumata": [
        (
            "mariage-d-enfants",
            "Arguments religieux : quelles ressources pour dialoguer avec les imams ?",
            "all",
        ),
        ("loi-052", "Note de plaidoyer : de 30 % à la parité — premier jet à commenter", "all"),
        (
            "mariage-d-enfants",
            "Données : combien de cas avez-vous recensés ce trimestre ?",
            "replies",
        ),
        ("vbg", "Compte rendu : causerie avec les hommes leaders à Kati", "replies"),
        (
            "mariage-d-enfants",
            "Caravane « Laissez-les grandir » : journal de bord, étape par étape",
            "muted",
        ),
    ],
    "aminata": [
        (
            "defenseures-en-securite",
            "Sécurité numérique : configurer son téléphone en 10 minutes",
            "all",
        ),
        (
            "vbg",
            "Émissions radio sur les VBG : partage de scripts en bambara et en français",
            "all",
        ),
        (
            "mariage-d-enfants",
            "Comment réagir quand un mariage est annoncé pour la semaine prochaine ?",
            "replies",
        ),
        (
            "mariage-d-enfants",
            "Caravane « Laissez-les grandir » : journal de bord, étape par étape",
            "muted",
        ),
    ],
    "kadidia": [
        ("vbg", "Cartographie des services de prise en charge par région (à compléter)", "all"),
        (
            "participation-politique",
            "Pourquoi les femmes élues abandonnent-elles en cours de mandat ?",
            "replies",
        ),
        (
            "participation-politique",
            "Inscriptions : formation des candidates aux élections communales (complet)",
            "muted",
        ),
    ],
}
