"""Accounts through services: signing up, one's profile, one's language."""

import pytest
from django.core.exceptions import ValidationError

from forum import services
from forum.models import User


def test_sign_up_cleans_the_display_name_and_hashes_the_password(db):
    user = services.sign_up(
        username="mariam",
        password="un-mot-de-passe-solide",
        display_name="  Mariam\u0007 \t Dembélé  ",
        preferred_language="en",
    )

    assert user.display_name == "Mariam Dembélé"
    assert user.check_password("un-mot-de-passe-solide")
    assert user.password != "un-mot-de-passe-solide"
    assert user.preferred_language == "en"


@pytest.mark.parametrize("name", ["", "   ", "\u0000\u0007"])
def test_sign_up_refuses_an_empty_display_name_and_writes_nothing(db, name):
    with pytest.raises(ValidationError) as refused:
        services.sign_up(username="vide", password="un-mot-de-passe-solide", display_name=name)

    assert "display_name" in refused.value.error_dict
    assert not User.objects.filter(username="vide").exists()


def test_sign_up_refuses_an_unknown_language(db):
    with pytest.raises(ValidationError):
        services.sign_up(
            username="awa",
            password="un-mot-de-passe-solide",
            display_name="Awa",
            preferred_language="bm",
        )


def test_update_profile_saves_only_the_profile_fields(member):
    services.update_profile(user=member, display_name="Awa T.", bio="Juriste\r\nà Ségou")

    member.refresh_from_db()
    assert (member.display_name, member.bio) == ("Awa T.", "Juriste\nà Ségou")
    with pytest.raises(ValueError):
        services.update_profile(user=member, is_staff=True)
    member.refresh_from_db()
    assert member.is_staff is False


def test_set_preferred_language_writes_once_and_refuses_an_unknown_one(member):
    services.set_preferred_language(user=member, language="en")
    assert User.objects.get(pk=member.pk).preferred_language == "en"

    with pytest.raises(ValidationError):
        services.set_preferred_language(user=member, language="xx")
    assert User.objects.get(pk=member.pk).preferred_language == "en"
