# Choices only (kept apart: the lead regenerates these at merge).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('forum', '0006_sanctions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='moderationaction',
            name='kind',
            field=models.CharField(choices=[('pin', 'a épinglé la discussion'), ('unpin', 'a désépinglé la discussion'), ('lock', 'a verrouillé la discussion'), ('unlock', 'a déverrouillé la discussion'), ('move_out', 'a déplacé la discussion vers une autre communauté'), ('move_in', "a reçu une discussion d'une autre communauté"), ('rename', 'a renommé la discussion'), ('retag', 'a modifié les étiquettes'), ('hide_post', 'a masqué un message'), ('restore_post', 'a rétabli un message'), ('edit_post', "a modifié le message d'une autre personne"), ('approve_member', "a accepté une demande d'adhésion"), ('refuse_member', "a refusé une demande d'adhésion"), ('change_role', "a changé le rôle d'un membre"), ('remove_member', 'a retiré un membre'), ('create_invitation', "a créé un lien d'invitation"), ('revoke_invitation', "a révoqué un lien d'invitation"), ('delete_message', 'a supprimé un message du salon'), ('mute', 'a rendu muet un participant'), ('unmute', 'a rendu la parole à un participant'), ('room_settings', "a changé les réglages d'une salle"), ('mute_member', 'a mis un membre en sourdine'), ('unmute_member', "a levé la sourdine d'un membre"), ('ban_member', 'a exclu un membre'), ('unban_member', "a levé l'exclusion d'un membre"), ('entry_refused', 'a tenté de revenir malgré une exclusion (refusé)')], max_length=20),
        ),
        migrations.AlterField(
            model_name='notification',
            name='kind',
            field=models.CharField(choices=[('reply', 'réponse à votre message'), ('mention', 'mention'), ('thread', 'nouvelle discussion'), ('other', 'information'), ('moderation', 'décision de la modération')], max_length=10),
        ),
    ]
