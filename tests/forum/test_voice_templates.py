"""
The voice includes other templates use: a player that tells length and size
before anything downloads, an input the phone can fill without JavaScript,
the filters behind them, the icon tag, and the thread page's listen button.
"""

import pytest
from django import forms
from django.template import Context, Template, TemplateSyntaxError
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import translation

from forum.templatetags.media import duration, filesize_short, iso_duration, minutes


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (42, "0:42"), (41.6, "0:42"), (600, "10:00"), (3725, "1:02:05"), (-3, "0:00")],
)
def test_duration_reads_as_minutes_and_seconds(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize("value", [None, "", "abc", float("nan")])
def test_duration_of_nothing_is_empty(value):
    assert duration(value) == ""


def test_iso_duration_and_minutes():
    assert iso_duration(42.4) == "PT42S"
    assert minutes(600) == 10
    assert minutes(90) == 2
    assert minutes(None) == 0


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 o"), (999, "999 o"), (96_000, "96 Ko"), (96_499, "96 Ko"), (1_400_000, "1,4 Mo")],
)
def test_filesize_is_short_and_french(size, text):
    with translation.override("fr"):
        assert filesize_short(size) == text


def test_filesize_of_nothing_is_empty():
    assert filesize_short(None) == ""
    assert filesize_short("x") == ""


def player(**context) -> str:
    defaults = {
        "url": "/vocal/7/",
        "duration": 42,
        "size": 96_000,
        "transcript": "",
        "download_name": "message-vocal-7.ogg",
    }
    with translation.override("fr"):
        return render_to_string("includes/voice_player.html", defaults | context)


def test_player_shows_length_and_size_and_downloads_nothing_first():
    html = player()
    assert 'preload="none"' in html
    assert "data-voice-player" in html
    assert 'src="/vocal/7/"' in html
    assert "controls" in html
    assert '<time datetime="PT42S">0:42</time> · 96 Ko' in html
    assert 'href="/vocal/7/" download="message-vocal-7.ogg"' in html
    assert "Télécharger" in html
    assert 'data-speed-label="Vitesse de lecture"' in html
    # No transcript, no empty box.
    assert "data-transcript" not in html
    assert "<details" not in html


def test_player_download_link_may_differ_from_the_stream():
    assert 'href="/vocal/7/?telecharger=1"' in player(download_url="/vocal/7/?telecharger=1")


def test_player_transcript_is_escaped():
    html = player(transcript='Bonjour <script>alert("x")</script>\nSuite & fin')
    assert "<details" in html and "data-transcript" in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;<br>Suite &amp; fin" in html


def test_player_label_is_escaped():
    html = player(label='<b>"Awa"</b>')
    assert "<b>" not in html
    assert "&lt;b&gt;&quot;Awa&quot;&lt;/b&gt;, 0:42" in html


def voice_input(**context) -> str:
    with translation.override("fr"):
        return render_to_string("includes/voice_input.html", context)


def test_voice_input_is_a_plain_file_input_the_phone_can_fill():
    html = voice_input(name="voice", id="reply-voice")
    assert (
        '<input type="file" name="voice" id="reply-voice" accept="audio/*" capture data-voice'
        ' data-max-seconds="600" aria-describedby="reply-voice-help">'
    ) in html
    assert '<label for="reply-voice">' in html
    assert "Enregistrez ou choisissez un fichier audio (10 min au plus)" in html
    # The recorder's labels come from the page, in the page's language.
    for label in ("Enregistrer", "Arrêter", "Annuler", "Écouter", "Garder"):
        assert label in html
    assert "<template data-voice-ui>" in html


def test_voice_input_shorter_limit():
    html = voice_input(name="question_voice", max_seconds=120)
    assert 'data-max-seconds="120"' in html
    assert "(2 min au plus)" in html
    assert 'id="id_voice"' in html


class VoiceForm(forms.Form):
    voice = forms.FileField(label="Votre message vocal")


def test_voice_input_from_a_form_field_shows_its_errors():
    form = VoiceForm(data={}, files={}, prefix="reply")
    assert not form.is_valid()
    html = voice_input(field=form["voice"])
    assert 'name="reply-voice" id="id_reply-voice"' in html
    assert " required" in html and 'aria-invalid="true"' in html
    assert "Votre message vocal" in html
    assert 'class="errorlist' in html


def test_icon_is_decorative_and_local():
    html = Template('{% load icons %}{% icon "mic" %}').render(Context())
    assert html == (
        '<svg class="icon" aria-hidden="true" focusable="false">'
        f'<use href="{static("icons.svg")}#mic"></use></svg>'
    )


def test_icon_names_exist_in_the_sprite():
    from django.conf import settings

    from forum.templatetags.icons import NAMES

    sprite = (settings.BASE_DIR / "static" / "icons.svg").read_text()
    for name in NAMES:
        assert f'<symbol id="{name}"' in sprite


def test_unknown_icon_is_a_template_error():
    with pytest.raises(TemplateSyntaxError):
        Template('{% load icons %}{% icon "rocket" %}').render(Context())


@pytest.mark.django_db
def test_thread_page_offers_the_listen_button_template(client, thread):
    response = client.get(thread.get_absolute_url())
    html = response.content.decode()
    assert '<template id="listen-button">' in html
    assert "Écouter" in html and 'data-stop="Arrêter la lecture"' in html
    assert 'class="icon"' in html
    # Only the script draws it: without JavaScript no button is shown.
    assert html.count('class="link listen"') == 1
    assert "js/voice" in html


@pytest.mark.django_db
def test_recorded_audio_may_play_from_a_blob_under_the_csp(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "media-src 'self' blob:" in policy
