from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ModerationAction(models.Model):
    """One line of a CoP's audit log. Written by services, never edited."""

    class Kind(models.TextChoices):
        PIN = "pin", _("a épinglé la discussion")
        UNPIN = "unpin", _("a désépinglé la discussion")
        LOCK = "lock", _("a verrouillé la discussion")
        UNLOCK = "unlock", _("a déverrouillé la discussion")
        MOVE_OUT = "move_out", _("a déplacé la discussion vers une autre communauté")
        MOVE_IN = "move_in", _("a reçu une discussion d'une autre communauté")
        RENAME = "rename", _("a renommé la discussion")
        RETAG = "retag", _("a modifié les étiquettes")
        HIDE_POST = "hide_post", _("a masqué un message")
        RESTORE_POST = "restore_post", _("a rétabli un message")
        EDIT_POST = "edit_post", _("a modifié le message d'une autre personne")
        APPROVE_MEMBER = "approve_member", _("a accepté une demande d'adhésion")
        REFUSE_MEMBER = "refuse_member", _("a refusé une demande d'adhésion")
        CHANGE_ROLE = "change_role", _("a changé le rôle d'un membre")
        REMOVE_MEMBER = "remove_member", _("a retiré un membre")
        CREATE_INVITATION = "create_invitation", _("a créé un lien d'invitation")
        REVOKE_INVITATION = "revoke_invitation", _("a révoqué un lien d'invitation")
        DELETE_MESSAGE = "delete_message", _("a supprimé un message du salon")
        MUTE = "mute", _("a rendu muet un participant")
        UNMUTE = "unmute", _("a rendu la parole à un participant")
        ROOM_SETTINGS = "room_settings", _("a changé les réglages d'une salle")
        MERGE = "merge", _("a fusionné deux discussions")
        SPLIT = "split", _("a scindé une discussion")
        SLOW_MODE = "slow_mode", _("a changé le mode lent d'une discussion")
        RESOLVE_REPORT = "resolve_report", _("a examiné un signalement")
        AUTO_HIDE = "auto_hide", _("masquage automatique après signalements")
        WARN_AUTHOR = "warn_author", _("a averti l'auteur·e d'un message")
        APPROVE_POST = "approve_post", _("a validé un message en attente")
        REFUSE_POST = "refuse_post", _("a refusé un message en attente")
        REVIEW_SETTINGS = "review_settings", _("a changé les réglages de signalement")
        MUTE_MEMBER = "mute_member", _("a mis un membre en sourdine")
        UNMUTE_MEMBER = "unmute_member", _("a levé la sourdine d'un membre")
        BAN_MEMBER = "ban_member", _("a exclu un membre")
        UNBAN_MEMBER = "unban_member", _("a levé l'exclusion d'un membre")
        ENTRY_REFUSED = "entry_refused", _("a tenté de revenir malgré une exclusion (refusé)")
        RESET_LINK = "reset_link", _("a créé un lien de réinitialisation du mot de passe")
        SESSION_AUDIO = "session_audio", _("a changé l'audio d'une séance (radio, enregistrement)")
        TRANSCRIBE = (
            "transcribe",
            _("a écrit la transcription de la note vocale d'une autre personne"),
        )

    community = models.ForeignKey(
        "forum.Community", on_delete=models.CASCADE, related_name="moderation_actions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    thread = models.ForeignKey(
        "forum.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        "forum.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    # Plain values (old/new title, tags, role, CoP names) kept for the record.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("action de modération")
        verbose_name_plural = _("journal de modération")

    def __str__(self) -> str:
        return f"{self.actor} {self.get_kind_display()}"


class Sanction(models.Model):
    """
    A mute or a ban of a member in one CoP, or a ban from the whole site.

    In force from ``created_at`` until ``until`` (None: until lifted) unless
    lifted before; the time is checked when the sanction is used, so nothing
    has to run for it to end. A row is never deleted: it is the record.
    """

    class Kind(models.TextChoices):
        MUTE = "mute", _("sourdine")
        BAN = "ban", _("exclusion")

    # None: the whole site (staff only).
    community = models.ForeignKey(
        "forum.Community",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sanctions",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(_("sanction"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(_("jusqu'à"), null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "community", "lifted_at"], name="sanction_lookup")]
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id} @ {self.community_id}"

    def in_force(self, now=None) -> bool:
        now = now or timezone.now()
        return self.lifted_at is None and (self.until is None or now < self.until)
