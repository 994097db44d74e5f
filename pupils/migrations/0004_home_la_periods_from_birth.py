"""R8+: every existing pupil gets one open home-LA period from their date of birth, with the
home LA they have now (the only home LA the product knew), and a history record of it."""

from django.db import migrations
from django.utils import timezone

REASON = "Home LA from date of birth (dated home LA introduced)"
BATCH = 2000


def forwards(apps, schema_editor):
    Pupil = apps.get_model("pupils", "Pupil")
    PupilHomeLa = apps.get_model("pupils", "PupilHomeLa")
    HistoricalPupilHomeLa = apps.get_model("pupils", "HistoricalPupilHomeLa")
    now = timezone.now()
    pupils = (
        Pupil.objects.filter(home_la_periods__isnull=True)
        .values_list("pk", "date_of_birth", "home_la_id")
        .order_by("pk")
    )
    rows = [
        PupilHomeLa(
            pupil_id=pk, la_id=la_id, starts_on=dob, ends_on=None, recorded_at=now, reason=REASON
        )
        for pk, dob, la_id in pupils.iterator(chunk_size=BATCH)
    ]
    created = PupilHomeLa.objects.bulk_create(rows, batch_size=BATCH)
    if created and created[0].pk is None:  # a database that does not return ids
        created = list(PupilHomeLa.objects.filter(reason=REASON, recorded_at=now))
    HistoricalPupilHomeLa.objects.bulk_create(
        [
            HistoricalPupilHomeLa(
                id=period.pk,
                pupil_id=period.pupil_id,
                la_id=period.la_id,
                starts_on=period.starts_on,
                ends_on=None,
                recorded_at=now,
                reason=REASON,
                history_date=now,
                history_type="+",
                history_change_reason=REASON,
            )
            for period in created
        ],
        batch_size=BATCH,
    )


def backwards(apps, schema_editor):
    apps.get_model("pupils", "HistoricalPupilHomeLa").objects.all().delete()
    apps.get_model("pupils", "PupilHomeLa").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("pupils", "0003_pupil_home_la")]

    operations = [migrations.RunPython(forwards, backwards)]
