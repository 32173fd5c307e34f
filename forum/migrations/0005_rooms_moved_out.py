"""
The live rooms moved to the rooms app: forget them here, keep their tables.

State only: the tables (forum_room, forum_message, forum_roomevent,
forum_roommute, forum_roomconnection) are rooms' now, under the same names,
with their rows. rooms.0001 takes them over and webinars.0002 points the
session's room at rooms.Room before this runs (both say ``run_before``), so
the forum's migrations know nothing of either app.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("forum", "0004_room_moderation_generic_notifications"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(
                    model_name='message',
                    name='message_room_history',
                ),
                migrations.RemoveIndex(
                    model_name='message',
                    name='message_rate',
                ),
                migrations.RemoveConstraint(
                    model_name='message',
                    name='message_client_key_once',
                ),
                migrations.RemoveConstraint(
                    model_name='room',
                    name='one_salon_per_community',
                ),
                migrations.RemoveIndex(
                    model_name='roomconnection',
                    name='connection_open',
                ),
                migrations.RemoveConstraint(
                    model_name='roomevent',
                    name='room_event_seq_unique',
                ),
                migrations.RemoveConstraint(
                    model_name='roommute',
                    name='one_active_mute',
                ),
                migrations.RemoveField(
                    model_name='room',
                    name='community',
                ),
                migrations.RemoveField(
                    model_name='room',
                    name='pinned',
                ),
                migrations.RemoveField(
                    model_name='roomconnection',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='roomevent',
                    name='room',
                ),
                migrations.RemoveField(
                    model_name='roommute',
                    name='muted_by',
                ),
                migrations.RemoveField(
                    model_name='roommute',
                    name='room',
                ),
                migrations.RemoveField(
                    model_name='roommute',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Message',
                ),
                migrations.DeleteModel(
                    name='RoomConnection',
                ),
                migrations.DeleteModel(
                    name='RoomEvent',
                ),
    
                migrations.DeleteModel(
                    name='Room',
                ),
                migrations.DeleteModel(
                    name='RoomMute',
                ),
    
            ],
            database_operations=[],
        ),
    ]
