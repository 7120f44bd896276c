# The unit foreign keys now point at org.Unit: same table, same column, state only.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('objectives', '0002_hierarchy_cycle_guard'),
        ('org', '0001_initial'),
    ]

    state_operations = [
        migrations.AlterField(
            model_name='historicalobjective',
            name='unit',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='org.unit', verbose_name='owning unit'),
        ),
        migrations.AlterField(
            model_name='objective',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='objectives', to='org.unit', verbose_name='owning unit'),
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
