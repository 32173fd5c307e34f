"""
The French forum text of the benchmarks, shared by both sides of bench/vs_spirit.py.

Standard library only: it is imported by Jɛkafɔ's benchmarks (Django 6) and by
the Spirit peer's loader, which runs in its own virtualenv (Django 5.2).
"""

import random

AUTHOR_NAMES = ["Awa Traoré", "Fatoumata Coulibaly", "Mariam Diarra", "Aminata Keïta",
                "Kadiatou Sangaré", "Oumou Diallo", "Binta Touré", "Salif Konaté"]  # fmt: skip
THREAD_TITLE = "Accompagner les survivantes : retours d'expérience"

# Post bodies are drawn word by word from this text, in proportion to how often
# each word occurs in it: the words and rhythm of the forum, but no sentence
# repeats, so gzip compresses them about as well as real posts (fixed
# sentences repeated over hundreds of posts would compress far better).
CORPUS = """
Merci pour ce partage, la situation est très proche de ce que nous vivons à Ségou depuis
la fin de la saison des pluies. Les femmes du comité de Kati ont besoin d'un accompagnement
juridique plus régulier, surtout pour les questions d'héritage et de divorce. La radio
communautaire reste le meilleur moyen de toucher les villages éloignés, mais il faut payer
les émissions et former les animatrices. Nous avons organisé trois causeries sur le droit à
l'héritage le mois dernier avec les chefs de quartier et les associations de jeunes. Les
parajuristes demandent une formation sur la procédure devant le tribunal et sur le certificat
médical. La prise en charge psychosociale manque toujours dans le cercle de Bougouni et à
Koutiala. Pouvez-vous partager le modèle de fiche de référencement que vous utilisez avec
le centre de santé ? Le financement du projet se termine en décembre ; il faut prévoir la
suite avec les partenaires et la mairie. Les leaders religieux ont accepté de parler de
l'excision lors du prêche du vendredi, ce qui change beaucoup la discussion dans les familles.
Il serait utile de traduire le guide en bambara, en peul et en songhaï pour les relais
communautaires. Notre association a recensé quarante-deux cas de mariage précoce cette année,
dont plusieurs filles de moins de quinze ans. La coordination avec les services sociaux de
Mopti s'est beaucoup améliorée grâce aux réunions mensuelles. Les jeunes filles déscolarisées
sont les plus exposées aux violences, et les mères nous demandent des activités génératrices
de revenus. Je propose que nous fassions le point à la prochaine réunion de la communauté,
avec un ordre du jour clair et des responsables pour chaque action. La police de Kayes reçoit
mieux les plaintes depuis la formation, mais les survivantes craignent encore la honte et les
représailles. Le numéro vert fonctionne la nuit, et les écoutantes orientent vers la maison
de la femme, le juge ou l'hôpital selon le cas. Nous cherchons des témoignages de Tombouctou,
Gao et Ménaka pour le rapport annuel de la plateforme.
"""
WORDS = CORPUS.replace(",", "").replace(".", "").replace(";", "").replace("?", "").split()


def sentence(rng: random.Random, low: int = 7, high: int = 18) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice([".", ".", ".", " ?", " !"])


def markdown_block(rng: random.Random) -> str:
    phrase = " ".join(rng.choices(WORDS, k=rng.randint(2, 5)))
    kind = rng.randrange(5)
    if kind == 0:
        return f"**{phrase.capitalize()} :** {sentence(rng, 5, 10)}"
    if kind == 1:
        return "\n".join(f"- {' '.join(rng.choices(WORDS, k=rng.randint(2, 6)))}" for _ in range(3))
    if kind == 2:
        slug = "-".join(rng.choices(WORDS, k=3)).lower().replace("'", "")
        return f"Voir [{phrase}](https://example.org/{slug}) pour les détails."
    if kind == 3:
        return f"> {sentence(rng)}"
    return "\n".join(f"{n}. *{' '.join(rng.choices(WORDS, k=3))}*" for n in (1, 2, 3))


def post_body(rng: random.Random, target: int = 400) -> str:
    """Return a body of about ``target`` characters, often with some Markdown."""
    sentences: list[str] = []
    while sum(len(part) + 1 for part in sentences) < target - 40:
        sentences.append(sentence(rng))
    body = " ".join(sentences)
    if rng.random() < 0.6:
        body += "\n\n" + markdown_block(rng)
    return body


def thread_corpus(size: int, seed: int = 20251121) -> tuple[str, list[tuple[int, str]]]:
    """The opening body and ``size - 1`` replies as (author index, Markdown body)."""
    rng = random.Random(seed)
    opening = post_body(rng, 600)
    replies = [(rng.randrange(len(AUTHOR_NAMES)), post_body(rng)) for _ in range(size - 1)]
    return opening, replies


def create_jekafo_cast(password: str, member: str = "lectrice") -> tuple:
    """Jɛkafɔ's side only (Django set up): the public CoP “Violences basées sur le
    genre”, three organisations, the AUTHOR_NAMES members (every fourth without an
    organisation) and a reading member ``member``, all members of the CoP.

    Returns (community, authors, member). bench/thread_page.py and
    bench/_page_side.py write the same cast; the forum is imported here, not at
    module level, so that the Spirit peer's loader can still import this file."""
    from forum.models import Community, Membership, Organisation, User

    community = Community.objects.create(
        name="Violences basées sur le genre",
        slug="vbg",
        summary="Prévention, prise en charge et accompagnement juridique des survivantes.",
        visibility=Community.Visibility.PUBLIC,
    )
    organisations = [
        Organisation.objects.create(
            name=name, acronym=acronym, slug=acronym.lower(), kind=Organisation.Kind.ASSOCIATION
        )
        for name, acronym in [
            ("Association des juristes maliennes", "AJM"),
            ("Réseau des femmes de Ségou", "RFS"),
            ("Collectif des animatrices de Kati", "CAK"),
        ]
    ]
    authors = []
    for index, name in enumerate(AUTHOR_NAMES):
        user = User.objects.create_user(
            username=f"auteur{index}",
            password=password,
            display_name=name,
            organisation=organisations[index % len(organisations)] if index % 4 else None,
        )
        Membership.objects.create(community=community, user=user)
        authors.append(user)
    reader = User.objects.create_user(
        username=member, password=password, display_name="Lectrice du banc"
    )
    Membership.objects.create(community=community, user=reader)
    return community, authors, reader
