"""
The live rooms, taken over from the forum app with their tables and rows.

State only: the models keep the forum's table names (``db_table``), so
nothing in the database changes. Content types follow the models, so admin
permissions and log entries keep pointing at them.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ["room", "roomevent", "message", "roommute", "roomconnection"]


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not content_type.objects.using(db).filter(app_label="rooms", model=model).exists():
            content_type.objects.using(db).filter(app_label="forum", model=model).update(
                app_label="rooms"
            )


def move_content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    content_type.objects.using(db).filter(app_label="rooms", model__in=MOVED).update(
        app_label="forum"
    )


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("forum", "0004_room_moderation_generic_notifications"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    run_before = [("forum", "0005_rooms_moved_out")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Message',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seq', models.PositiveBigIntegerField()),
                        ('body', models.TextField(verbose_name='message')),
                        ('body_html', models.TextField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('edited_at', models.DateTimeField(blank=True, null=True)),
                        ('deleted_at', models.DateTimeField(blank=True, null=True)),
                        ('client_key', models.CharField(blank=True, default='', max_length=64)),
                        ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='messages', to=settings.AUTH_USER_MODEL)),
                        ('deleted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'message de salon',
                        'verbose_name_plural': 'messages de salon',
                        'db_table': 'forum_message',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='Room',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(default='salon', max_length=10)),
                        ('title', models.CharField(blank=True, max_length=200, verbose_name='titre')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('last_seq', models.PositiveBigIntegerField(default=0)),
                        ('is_closed', models.BooleanField(default=False, verbose_name='fermé')),
                        ('opens_at', models.DateTimeField(blank=True, null=True)),
                        ('closes_at', models.DateTimeField(blank=True, null=True)),
                        ('slow_mode', models.PositiveIntegerField(default=0, verbose_name='mode lent (secondes)')),
                        ('community', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rooms', to='forum.community')),
                        ('pinned', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='rooms.message')),
                    ],
                    options={
                        'verbose_name': 'salon',
                        'verbose_name_plural': 'salons',
                        'db_table': 'forum_room',
                    },
                ),
                migrations.AddField(
                    model_name='message',
                    name='room',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='rooms.room'),
                ),
                migrations.CreateModel(
                    name='RoomConnection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('topic', models.CharField(max_length=40)),
                        ('channel_name', models.CharField(max_length=120, unique=True)),
                        ('connected_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('seen_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('left_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'forum_roomconnection',
                    },
                ),
                migrations.CreateModel(
                    name='RoomEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seq', models.PositiveBigIntegerField()),
                        ('kind', models.CharField(max_length=20)),
                        ('object_id', models.PositiveBigIntegerField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('room', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='rooms.room')),
                    ],
                    options={
                        'db_table': 'forum_roomevent',
                    },
                ),
                migrations.CreateModel(
                    name='RoomMute',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('lifted_at', models.DateTimeField(blank=True, null=True)),
                        ('muted_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('room', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='mutes', to='rooms.room')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'forum_roommute',
                    },
                ),
                migrations.AddConstraint(
                    model_name='room',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'salon')), fields=('community',), name='one_salon_per_community'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['room', 'id'], name='message_room_history'),
                ),
                migrations.AddIndex(
                    model_name='message',
                    index=models.Index(fields=['author', 'created_at'], name='message_rate'),
                ),
                migrations.AddConstraint(
                    model_name='message',
                    constraint=models.UniqueConstraint(condition=models.Q(('client_key', ''), _negated=True), fields=('author', 'client_key'), name='message_client_key_once'),
                ),
                migrations.AddIndex(
                    model_name='roomconnection',
                    index=models.Index(fields=['topic', 'left_at', 'seen_at'], name='connection_open'),
                ),
                migrations.AddConstraint(
                    model_name='roomevent',
                    constraint=models.UniqueConstraint(fields=('room', 'seq'), name='room_event_seq_unique'),
                ),
                migrations.AddConstraint(
                    model_name='roommute',
                    constraint=models.UniqueConstraint(condition=models.Q(('lifted_at__isnull', True)), fields=('room', 'user'), name='one_active_mute'),
                ),
    
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
