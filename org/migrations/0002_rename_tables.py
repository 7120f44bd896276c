# The tables take the org app's names, and the content types (hence the admin
# permissions people were granted on units and memberships) follow the models.

from django.db import migrations


def move_content_types(apps, schema_editor, old="alignment", new="org"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in ("unit", "membership"):
        # A database that ran org 0001 on a fresh install may already hold the new
        # content type (created by post_migrate); then the old one is left alone.
        if not ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, old="org", new="alignment")


class Migration(migrations.Migration):

    dependencies = [
        ('org', '0001_initial'),
        ('alignment', '0003_unit_and_membership_move_to_org'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.AlterModelTable(name='unit', table=None),
        migrations.AlterModelTable(name='membership', table=None),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
