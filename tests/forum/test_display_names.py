"""Display names: normalised, never invisible, never passing for the team or another member."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from forum import services
from forum.models import User
from forum.names import is_reserved, normalize_display_name, skeleton

from ..factories import PASSWORD, make_user

NEW_PASSWORD = "un-mot-de-passe-assez-long-42"


def refused(value: str, **kw) -> str:
    with pytest.raises(ValidationError) as caught:
        services.check_display_name(value, **kw)
    return " ".join(caught.value.message_dict["display_name"])


# Normal form --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("  Awa   Traoré ", "Awa Traoré"),
        ("Awa\tTraore\u0301", "Awa Traoré"),  # NFC
        ("Ａｗａ", "Awa"),  # full-width letters, NFKC
        ("Awa\u202eeroarT", "AwaeroarT"),  # right-to-left override
        ("\u2066Awa\u2069", "Awa"),  # isolates
        ("A\u200bw\u200ca\u200d\u2060\ufeff", "Awa"),  # zero-width
        ("Awa\u200e\u200f\u061c", "Awa"),  # marks
        ("Awa\x00\x07\x1b[31m", "Awa[31m"),  # control characters
        ("Awa\u2028Traoré", "Awa Traoré"),  # line separator
    ],
)
def test_names_are_normalised(raw, stored):
    assert normalize_display_name(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "\u200b\u200c\u200d",
        "\u2060\ufeff",
        "\u3164\u3164",  # Hangul fillers
        "\u2800",  # Braille blank
        "\u202e\u202d",
        "\u0301\u0301",
        "...",
    ],
)
def test_names_without_a_visible_letter_are_refused(raw):
    assert "au moins une lettre" in refused(raw)


def test_names_are_bounded():
    assert normalize_display_name("a" * 60) == "a" * 60
    assert "60 au plus" in refused("a" * 61)


def test_stacked_accents_are_refused():
    assert "accents empilés" in refused("Z\u0301\u0302\u0303\u0304algo")


# Look-alikes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Awa Traoré", "awa traore"),
        ("Awa Traoré", "Аwа Trаоré"),  # Cyrillic а and о
        ("Admin", "Adm1n"),
        ("Alice", "AIice"),  # capital I for small l
        ("Jɛkafɔ", "Jekafo"),
        ("Modération", "M0dérati0n"),
        ("Mariam", "Marìam"),
        ("Awa Traoré", "Awa.Traoré"),
        ("Kadiatou", "Kadiatοu"),  # Greek omicron
    ],
)
def test_skeletons_match_look_alikes(a, b):
    assert skeleton(a) == skeleton(b)


def test_skeletons_tell_different_names_apart():
    assert skeleton("Awa Traoré") != skeleton("Awa Touré")
    assert skeleton("Membre 12") != skeleton("Membre 21")


@pytest.mark.parametrize(
    "name",
    [
        "Équipe Jɛkafɔ",
        "equipe jekafo",
        "Modération",
        "MODERATEUR",
        "Admin",
        "Аdmin",
        "Jɛkafɔ officiel",
    ],
)
def test_team_names_are_reserved(name):
    assert is_reserved(name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Équipe Jɛkafɔ", "Équipe Jεkafο", "Modération", "ADMIN"])
def test_members_cannot_take_the_team_names(name, member):
    assert "réservé à l'équipe" in refused(name, user=member)


@pytest.mark.django_db
def test_staff_may_carry_a_team_name(staff):
    staff.display_name = "Staff"
    assert services.check_display_name("Modération", user=staff) == "Modération"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["Awa Traoré", "awa traore", "Аwа Traoré", "Awa  Traoré\u200b"])
def test_a_copy_of_another_member_name_is_refused(name, member, outsider):
    assert member.display_name == "Awa Traoré"
    assert "ressemble trop" in refused(name, user=outsider)


@pytest.mark.django_db
def test_a_look_alike_of_a_staff_member_name_is_refused(staff, outsider):
    User.objects.filter(pk=staff.pk).update(display_name="Oumou Sangaré")
    assert "ressemble trop" in refused("0umou Sangare", user=outsider)


@pytest.mark.django_db
def test_a_member_keeps_their_own_name_and_may_restyle_it(member):
    assert services.update_profile(user=member, display_name="Awa Traoré").display_name == (
        "Awa Traoré"
    )
    assert services.update_profile(user=member, display_name="AWA TRAORÉ").display_name == (
        "AWA TRAORÉ"
    )


@pytest.mark.django_db
def test_a_deleted_account_frees_its_name(member, outsider):
    User.objects.filter(pk=member.pk).update(deleted_at="2026-01-01T00:00Z")
    assert services.check_display_name("Awa Traoré", user=outsider) == "Awa Traoré"


# Both doors refuse the same way ------------------------------------------------------------


@pytest.mark.django_db
def test_sign_up_refuses_a_copy_with_a_french_form_error(member, client):
    response = client.post(
        reverse("signup"),
        {
            "username": "imposteur",
            "display_name": "Аwа Тrаоré",
            "preferred_language": "fr",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert "ressemble trop à celui d&#x27;un autre membre" in response.content.decode()
    assert not User.objects.filter(username="imposteur").exists()


@pytest.mark.django_db
def test_sign_up_refuses_an_invisible_name(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "fantome",
            "display_name": "\u200b\u202e\u2060",
            "preferred_language": "fr",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="fantome").exists()


@pytest.mark.django_db
def test_sign_up_stores_the_normal_form(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "rokia",
            "display_name": " Rokia\u202e  Ｄ. ",
            "preferred_language": "fr",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="rokia").display_name == "Rokia D."


@pytest.mark.django_db
def test_profile_edit_refuses_the_team_name(member, client_for):
    response = client_for(member).post(
        reverse("profile_edit"),
        {"display_name": "Équipe Jɛkafɔ", "email": "", "preferred_language": "fr"},
    )
    assert response.status_code == 400
    assert "réservé à l&#x27;équipe de Jɛkafɔ" in response.content.decode()
    member.refresh_from_db()
    assert member.display_name == "Awa Traoré"


@pytest.mark.django_db
def test_old_names_with_bidi_controls_are_cleaned_by_the_migration():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("forum.migrations.0009_member_privacy_choices_and_account_deletion")
    user = make_user(display_name="Awa\u202e\u200b T.", password=PASSWORD)
    migration.strip_invisible_from_names(apps, None)
    user.refresh_from_db()
    assert user.display_name == "Awa T."


@pytest.mark.django_db
def test_the_admin_follows_the_same_rules(member, outsider):
    from forum.admin import AdminUserChangeForm

    User.objects.filter(pk=outsider.pk).update(is_staff=True, is_superuser=True)
    data = {
        "username": member.username,
        "date_joined": "2026-01-01 00:00:00",
        "show_organisation": "shared",
        "show_region": "nobody",
        "show_activity": "shared",
        "preferred_language": "fr",
    }
    from django.forms import modelform_factory

    form_class = modelform_factory(
        User,
        form=AdminUserChangeForm,
        fields=["username", "display_name", "date_joined", "preferred_language"],
    )
    data["display_name"] = "Bintou Coulibaly"  # the outsider's name, now staff
    form = form_class(data, instance=member)
    assert not form.is_valid()
    assert "ressemble trop" in form.errors["display_name"][0]
    data["display_name"] = " Awa\u202e  T. "
    form = form_class(data, instance=member)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["display_name"] == "Awa T."
