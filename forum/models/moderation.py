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
        RESET_LINK = "reset_link", _("a créé un lien de réinitialisation du mot de passe")

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
