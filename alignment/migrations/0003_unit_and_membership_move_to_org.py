# Units and memberships now belong to the `org` app (org 0001 took over their tables):
# forget them here without touching the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('alignment', '0002_initial'),
        ('org', '0001_initial'),
        ('objectives', '0003_unit_moves_to_org'),
        ('practices', '0002_unit_moves_to_org'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Membership'),
                migrations.DeleteModel(name='Unit'),
            ],
        ),
    ]
