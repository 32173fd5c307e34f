"""Forms validate the shape of input; the services own the rules."""

from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from forum.forms import ModelIdsField
from forum.media import RECORDING_MAX_SECONDS
from forum.models import Organisation, Region

from .models import FIRST_YEAR, LAST_YEAR, MAX_CAPACITY, SEMESTERLY


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the given zone (Bamako by default), returned in UTC."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]

    def __init__(self, *args, zone: str = "Africa/Bamako", **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        # Year 9999 plus a duration, or year 1 in a zone east of UTC, overflows.
        if not FIRST_YEAR <= value.year < LAST_YEAR:
            raise forms.ValidationError(
                _("La date doit tomber entre %(first)s et %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR - 1},
                code="out_of_range",
            )
        if timezone.is_aware(value):
            value = value.replace(tzinfo=None)
        return value.replace(tzinfo=ZoneInfo(self.zone)).astimezone(ZoneInfo("UTC"))


class SeriesForm(forms.Form):
    title = forms.CharField(label=_("Titre de la série"), max_length=200)
    description = forms.CharField(
        label=_("Présentation (Markdown)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    regions = ModelIdsField(
        label=_("Régions participantes"),
        queryset=Region.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    first_start = LocalDateTimeField(label=_("Première séance (heure de Bamako)"))
    rrule = forms.CharField(
        label=_("Règle de répétition (iCalendar RRULE)"),
        max_length=300,
        initial=SEMESTERLY,
        help_text=_(
            "Par défaut, tous les six mois. Exemples : FREQ=MONTHLY;INTERVAL=6;COUNT=4 "
            "(quatre séances), FREQ=YEARLY (chaque année)."
        ),
    )
    duration = forms.IntegerField(
        label=_("Durée (minutes)"), min_value=15, max_value=720, initial=120
    )
    open_minutes_before = forms.IntegerField(
        label=_("La salle ouvre (minutes avant)"), min_value=0, max_value=1440, initial=30
    )
    capacity = forms.IntegerField(
        label=_("Places (vide : illimité)"), min_value=1, max_value=MAX_CAPACITY, required=False
    )
    video_url = forms.URLField(
        label=_("Lien vidéo ou audio"), required=False, assume_scheme="https"
    )


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=200)
    theme = forms.CharField(label=_("Thème"), max_length=200, required=False)
    starts_at = LocalDateTimeField(label=_("Début (heure de Bamako)"))
    duration = forms.IntegerField(
        label=_("Durée (minutes)"), min_value=15, max_value=720, initial=120
    )
    open_minutes_before = forms.IntegerField(
        label=_("La salle ouvre (minutes avant)"), min_value=0, max_value=1440, initial=30
    )
    agenda = forms.CharField(
        label=_("Programme (Markdown)"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    speakers = forms.CharField(
        label=_("Intervenant·es (une personne par ligne)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    capacity = forms.IntegerField(
        label=_("Places (vide : illimité)"), min_value=1, max_value=MAX_CAPACITY, required=False
    )
    video_url = forms.URLField(
        label=_("Lien vidéo ou audio"), required=False, assume_scheme="https"
    )
    recording_url = forms.URLField(
        label=_("Lien de l'enregistrement"), required=False, assume_scheme="https"
    )
    radio = forms.BooleanField(
        label=_("Séance radio (audio seulement, pour les membres en 2G)"),
        required=False,
        help_text=_(
            "Les membres écoutent un flux audio (lien ci-dessous) ou l'enregistrement "
            "envoyé depuis la page du bilan ; la salle (discussion, questions) reste ouverte."
        ),
    )
    # Checked by the service (webinars.services.radio.validate_stream_url): http(s) only.
    stream_url = forms.CharField(
        label=_("Lien du flux audio (http:// ou https://)"), max_length=200, required=False
    )
    stream_kbps = forms.IntegerField(
        label=_("Débit du flux en kb/s (pour dire aux membres ce qu'il consomme)"),
        min_value=6,
        max_value=512,
        required=False,
    )


# SessionForm's fields that a new session's form leaves out (set when editing it).
RADIO_FIELDS = ("radio", "stream_url", "stream_kbps")


class RecordingForm(forms.Form):
    # Its size and content are checked by the service (forum.media.probe_audio).
    file = forms.FileField(widget=forms.FileInput(attrs={"accept": "audio/*"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _(
            "Enregistrement de la séance (audio, %(size)d Mo et %(hours)d heures au plus)"
        ) % {
            "size": settings.RECORDING_MAX_BYTES // (1024 * 1024),
            "hours": RECORDING_MAX_SECONDS // 3600,
        }


class DecisionOffsetForm(forms.Form):
    # Read by webinars.chapters.parse_offset (through the service), the one parser.
    offset = forms.CharField(
        label=_("Moment dans l'enregistrement (mm:ss ou h:mm:ss)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "12:30"}),
    )


class RegistrationForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Votre région"),
        queryset=Region.objects.order_by("name"),
        help_text=_("Vue par les modératrices et modérateurs de la séance, pour le bilan."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Votre organisation"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        help_text=_("Facultatif ; vue par les modératrices et modérateurs de la séance."),
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Titre du document"), max_length=200)
    url = forms.URLField(label=_("Lien"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("ou fichier (10 Mo au plus)"), required=False)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("Fichier trop lourd : %(size)s Mo au plus.")
                % {"size": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
            )
        return upload
