"""A session's room is a rooms.Room now (the same table: state only)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("rooms", "0001_initial"),
        ("webinars", "0001_webinars"),
    ]
    run_before = [("forum", "0005_rooms_moved_out")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='session',
                    name='room',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='session', to='rooms.room'),
                ),
    
            ],
            database_operations=[],
        ),
    ]
