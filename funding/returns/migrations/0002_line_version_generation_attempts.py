from django.db import migrations, models


VERSION_HELP = (
    "Goes up with each answer or resolution: a form sent with an older one is refused, so of two "
    "people answering the line at once the later is told it changed."
)


class Migration(migrations.Migration):

    dependencies = [
        ("returns", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="returngeneration",
            name="attempts",
            field=models.PositiveSmallIntegerField(
                default=1,
                help_text="Times the schools were sent out: 1, plus each resume of a run cut short.",
            ),
        ),
        migrations.AddField(
            model_name="returngeneration",
            name="last_attempt_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When the schools were last sent out (the start, or a resume).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalreturnline",
            name="version",
            field=models.PositiveIntegerField(default=0, db_default=0, help_text=VERSION_HELP),
        ),
        migrations.AddField(
            model_name="returnline",
            name="version",
            field=models.PositiveIntegerField(default=0, db_default=0, help_text=VERSION_HELP),
        ),
    ]
