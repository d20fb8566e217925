from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("deliveries", "0001_deliveries_and_attempts")]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="request_id",
            field=models.CharField(blank=True, max_length=100, verbose_name="request id"),
        ),
    ]
